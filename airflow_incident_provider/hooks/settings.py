"""What a hook needs from an Airflow connection, read once and checked before any request."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import ConnectionConfigError, IncidentValidationError
from airflow_incident_provider.hooks import shared_limit
from airflow_incident_provider.vendors.base import url_template_problem

if TYPE_CHECKING:
    from airflow.sdk import Connection

T = TypeVar("T")

DEFAULT_CONNECT_TIMEOUT = float(defaults.CONNECT_TIMEOUT)
DEFAULT_READ_TIMEOUT = float(defaults.READ_TIMEOUT)
DEFAULT_TOTAL_TIMEOUT = float(defaults.TOTAL_TIMEOUT)
"""Seconds. ``total_timeout`` bounds one operation, retries included (the connection form shows these)."""


@dataclass(frozen=True)
class Timeouts:
    """Connect and read bound each request; ``total`` bounds a whole operation with its retries."""

    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT
    total: float = DEFAULT_TOTAL_TIMEOUT


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything a hook reads from its connection. ``repr`` never shows the token."""

    conn_id: str
    base_url: str
    token: str = field(repr=False)
    extras: Mapping[str, Any] = field(default_factory=dict, repr=False)
    timeouts: Timeouts = field(default_factory=Timeouts)
    proxy: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None
    rate_limit_per_minute: int | None = None
    rate_limit_redis_dsn: str | None = field(default=None, repr=False)
    """A Redis server sharing a hard cap of the rate limit across processes (may carry a password)."""

    @cached_property
    def credential_id(self) -> str:
        """A stable, non-reversible name for the credential: keys pools and rate limiters (computed once)."""
        digest = hashlib.sha256(f"{self.base_url}\x00{self.token}".encode()).hexdigest()
        return digest[:16]

    def extra(self, name: str, default: Any = None) -> Any:
        return self.extras.get(name, default)

    def required_extra(self, name: str, purpose: str) -> str:
        """An extra the operation cannot go without; ``purpose`` says why ("to list DevHelm incidents")."""
        value: str | None = self.extras.get(name)
        if not value:
            raise ConnectionConfigError(f"connection {self.conn_id!r}: set {name} in the extra {purpose}")
        return value


def read_extras(extra: Mapping[str, Any], conn_type: str) -> dict[str, Any]:
    """Extras by their plain names; also accepts the older ``extra__<conn_type>__<name>`` spelling."""
    prefix = f"extra__{conn_type}__"
    values: dict[str, Any] = {}
    for key, value in extra.items():
        name = key[len(prefix) :] if key.startswith(prefix) else key
        if value not in (None, ""):
            values.setdefault(name, value)
    return values


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url_from_host(host: str | None, default: str, conn_id: str) -> str:
    """The base URL: the connection host when it carries a scheme (or a bare host name), else ``default``.

    Plain ``http://`` is accepted only for loopback hosts, so a token never crosses a network in clear.
    """
    if not host:
        return default
    text = host.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionConfigError(f"connection {conn_id!r}: host {host!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConnectionConfigError(
            f"connection {conn_id!r}: plain http:// is only allowed for loopback hosts (127.0.0.1, "
            f"localhost); use https:// for {parts.hostname}"
        )
    if parts.query or parts.fragment:
        raise ConnectionConfigError(f"connection {conn_id!r}: host must not carry a query or fragment")
    return text.rstrip("/")


def _positive_float(extras: Mapping[str, Any], name: str, default: float, conn_id: str) -> float:
    value = extras.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConnectionConfigError(f"connection {conn_id!r}: {name} must be a number of seconds") from None
    if number <= 0:
        raise ConnectionConfigError(f"connection {conn_id!r}: {name} must be greater than 0")
    return number


def common_settings(extras: Mapping[str, Any], conn_id: str) -> dict[str, Any]:
    """Timeouts, proxy, CA bundle and rate-limit override, shared by every vendor's connection."""
    timeouts = Timeouts(
        connect=_positive_float(extras, "connect_timeout", DEFAULT_CONNECT_TIMEOUT, conn_id),
        read=_positive_float(extras, "read_timeout", DEFAULT_READ_TIMEOUT, conn_id),
        total=_positive_float(extras, "total_timeout", DEFAULT_TOTAL_TIMEOUT, conn_id),
    )
    rate = extras.get("rate_limit_per_minute")
    rate_limit: int | None = None
    if rate is not None:
        try:
            rate_limit = int(rate)
        except (TypeError, ValueError):
            raise ConnectionConfigError(
                f"connection {conn_id!r}: rate_limit_per_minute must be a whole number"
            ) from None
        if rate_limit < 1:
            raise ConnectionConfigError(f"connection {conn_id!r}: rate_limit_per_minute must be at least 1")
    redis_url = extras.get(shared_limit.FIELD)
    proxy = extras.get("proxy")
    if proxy is not None and urlsplit(str(proxy)).scheme not in ("http", "https", "socks5"):
        raise ConnectionConfigError(
            f"connection {conn_id!r}: proxy must be an http://, https:// or socks5:// URL"
        )
    return {
        "timeouts": timeouts,
        "proxy": str(proxy) if proxy else None,
        "ca_bundle": str(extras["ca_bundle"]) if extras.get("ca_bundle") else None,
        "rate_limit_per_minute": rate_limit,
        "rate_limit_redis_dsn": shared_limit.check_url(redis_url, conn_id) if redis_url else None,
    }


def url_template(extras: Mapping[str, Any], conn_id: str, placeholders: Iterable[str]) -> str | None:
    """The connection's ``incident_url_template``, checked once (the operators' link to the incident)."""
    value = extras.get("incident_url_template")
    if value in (None, ""):
        return None
    template = str(value).strip()
    problem = url_template_problem(template, placeholders)
    if problem:
        raise ConnectionConfigError(f"connection {conn_id!r}: incident_url_template {problem}")
    return template


def api_key_settings(
    connection: Connection,
    extras: Mapping[str, Any],
    vendor: str,
    default_url: str,
    own: Callable[[str], Mapping[str, Any]] | None = None,
    choices: Mapping[str, tuple[Collection[str], str]] | None = None,
) -> ConnectionSettings:
    """Settings of a connection whose password is the vendor's API key: the host (else ``default_url``),
    the shared extras, and the vendor's own extras as ``own(conn_id)`` checks them; each of ``choices``
    (name -> its allowed values and default) is an extra taking one of a few words (:func:`choice_extra`)."""
    conn_id = connection.conn_id
    if not connection.password:
        raise ConnectionConfigError(f"connection {conn_id!r}: put the {vendor} API key in the password")
    checked = dict(own(conn_id)) if own is not None else {}
    for name, (allowed, default) in (choices or {}).items():
        checked[name] = choice_extra(extras, name, allowed, default, conn_id)
    return ConnectionSettings(
        conn_id=conn_id,
        base_url=base_url_from_host(connection.host, default_url, conn_id),
        token=connection.password,
        extras={**extras, **checked},
        **common_settings(extras, conn_id),
    )


def checked_extra(conn_id: str, value: Any, check: Callable[[Any], T]) -> T | None:
    """None for an extra left unset, else ``check(value)``, a value it refuses reported as the
    connection's configuration error."""
    if value is None:
        return None
    try:
        return check(value)
    except IncidentValidationError as exc:
        raise ConnectionConfigError(f"connection {conn_id!r}: {exc}") from None


def choice_extra(
    extras: Mapping[str, Any], name: str, choices: Collection[str], default: str, conn_id: str
) -> str:
    """An extra that takes one of ``choices`` (any case; ``default`` when unset)."""
    value = str(extras.get(name, default)).strip().lower()
    if value not in choices:
        raise ConnectionConfigError(
            f"connection {conn_id!r}: {name} {value!r} is not one of {', '.join(choices)}"
        )
    return value
