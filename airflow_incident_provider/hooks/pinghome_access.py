"""Reaching Pinghome: the connection's settings (three services, a path prefix) and the sign-in.

A connection holds a bearer token, or an account's email and password exchanged for a token at
sign-in, cached per process. The token is masked as soon as it is received, renewed before its
announced expiry, and renewed once when Pinghome refuses it (401) in the middle of an operation, the
refused request then sent again.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.sdk.log import amask_secret, mask_secret

from airflow_incident_provider.exceptions import AuthenticationError, ConnectionConfigError, VendorError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.settings import (
    ConnectionSettings,
    base_url_from_host,
    common_settings,
    url_template,
)
from airflow_incident_provider.vendors import pinghome as ph

if TYPE_CHECKING:
    from airflow.sdk import Connection

T = TypeVar("T")
EXPIRY_MARGIN_SECONDS = 30.0
"""A signed-in token this close to its announced expiry is renewed before use."""


def _service_urls(host: str | None, extras: Mapping[str, Any], conn_id: str) -> dict[str, str]:
    """Each service's base URL: ``<service>_url`` extras, else under the gateway host, else Pinghome's."""
    urls = {}
    gateway = base_url_from_host(host, "", conn_id) if host else None
    for service in ph.SERVICES:
        default = f"{gateway}{ph.GATEWAY_PATHS[service]}" if gateway else ph.DEFAULT_URLS[service]
        value = extras.get(f"{service}_url")
        urls[service] = base_url_from_host(str(value), default, conn_id) if value else default
    return urls


def read_settings(connection: Connection, extras: Mapping[str, Any]) -> ConnectionSettings:
    """The hook's settings from its connection, every value checked before any request."""
    conn_id = connection.conn_id
    email = (connection.login or "").strip() or None
    if not connection.password:
        raise ConnectionConfigError(
            f"connection {conn_id!r}: put the Pinghome API token in the password (or, to sign in, "
            "the account email in the login and its password in the password)"
        )
    prefix = ph.normalize_path_prefix(str(extras.get("path_prefix", ph.DEFAULT_PATH_PREFIX)))
    if prefix is None:
        raise ConnectionConfigError(
            f"connection {conn_id!r}: path_prefix must be a plain path such as /v1 or /default/v1"
        )
    team = str(extras["team_id"]).strip() if extras.get("team_id") is not None else None
    template = url_template(extras, conn_id, ph.URL_PLACEHOLDERS)
    urls = _service_urls(connection.host, extras, conn_id)
    return ConnectionSettings(
        conn_id=conn_id,
        base_url=urls[ph.CMD],
        token=connection.password,  # the bearer token; in sign-in mode, the password
        extras={
            **extras,
            **{f"{service}_url": url for service, url in urls.items()},
            "path_prefix": prefix,
            "team_id": team or None,
            "email": email,
            "incident_url_template": template,
        },
        **common_settings(extras, conn_id),
    )


@dataclass
class _Session:
    token: str = field(repr=False)
    expires_at: float | None = None
    """``time.monotonic()`` after which the token is renewed; None when Pinghome gave no lifetime."""


_sessions: dict[str, _Session] = {}
_sessions_lock = threading.Lock()


def session_key(auth_url: str, email: str) -> str:
    """The cache key of an account's token: its sign-in URL and email, hashed (never the password)."""
    return hashlib.sha256(f"{auth_url}\x00{email.strip().lower()}".encode()).hexdigest()


def forget_sessions() -> None:
    """Drop every cached sign-in token (a fresh process's state; for tests)."""
    with _sessions_lock:
        _sessions.clear()


class SignIn:
    """One account's sign-in at one sign-in URL: its cached token, and the flows that obtain it."""

    def __init__(self, auth_url: str, email: str, password: str) -> None:
        self._key = session_key(auth_url, email)
        self._email = email
        self._password = password

    def token(self) -> str | None:
        """The cached token, unless there is none or it is about to expire."""
        with _sessions_lock:
            session = _sessions.get(self._key)
        if session is None or (session.expires_at is not None and time.monotonic() >= session.expires_at):
            return None
        return session.token

    def forget(self) -> None:
        with _sessions_lock:
            _sessions.pop(self._key, None)

    def sign_in_flow(self, masks: list[asyncio.Task[None]] | None) -> Flow[None]:
        """Exchange the email and password for a token, mask it, and cache it for the process.

        ``masks`` collects the async masker's tasks inside an event loop (None: mask synchronously).
        """
        token, lifetime = ph.parse_sign_in((yield ph.build_sign_in(self._email, self._password)))
        if masks is None:
            mask_secret(token)
        else:  # inside the event loop: the async masker, awaited before the operation returns
            masks.append(asyncio.get_running_loop().create_task(amask_secret(token)))
        expires_at = time.monotonic() + lifetime - EXPIRY_MARGIN_SECONDS if lifetime else None
        with _sessions_lock:
            _sessions[self._key] = _Session(token, expires_at)

    def authenticated(self, flow: Flow[T], masks: list[asyncio.Task[None]] | None) -> Flow[T]:
        """Run ``flow`` signed in: sign in first if needed, and on a 401 sign in again and resend once."""
        renewed = False
        try:
            request = next(flow)  # input is validated before the first request, the sign-in included
            if self.token() is None:
                yield from self.sign_in_flow(masks)
            while True:
                try:
                    response = yield request
                except VendorError as exc:
                    if isinstance(exc, AuthenticationError) and exc.status_code == 401 and not renewed:
                        renewed = True
                        self.forget()
                        yield from self.sign_in_flow(masks)  # a refused sign-in surfaces from here
                        continue  # the same request again, with the new token
                    request = flow.throw(exc)
                else:
                    request = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()
