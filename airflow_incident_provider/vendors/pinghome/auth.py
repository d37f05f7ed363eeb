"""Authentication: the bearer header, and signing in with an email and password for a session token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.pinghome.services import AUTH, AUTH_PATH


class Secret(str):
    """A string sent in a body (the sign-in password) whose ``repr`` never shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def authorization(token: str) -> str:
    return f"Bearer {token}"


def headers(*, has_body: bool) -> dict[str, str]:
    """JSON in and out; the ``Authorization`` header is added by the hook."""
    result = {"Accept": "application/json"}
    if has_body:
        result["Content-Type"] = "application/json"
    return result


def build_sign_in(email: str, password: str) -> Request:
    """``POST {auth}/v1/auth`` with ``{email, password}``: exchanges the credentials for a token."""
    return Request("POST", AUTH_PATH, json={"email": email, "password": Secret(password)}, service=AUTH)


_TOKEN_KEYS = ("access_token", "accessToken", "AccessToken", "token", "id_token", "idToken", "IdToken")
_EXPIRY_KEYS = ("expires_in", "expiresIn", "ExpiresIn")
_NESTED_KEYS = ("data", "tokens", "AuthenticationResult", "auth")


def parse_sign_in(response: Response) -> tuple[str, float | None]:
    """The bearer token of a sign-in response and its lifetime in seconds, if given.

    The docs only say the response carries "authentication tokens": common spellings are looked for,
    at the top level and one level down. The error never quotes the body (it holds the token).
    """
    candidates: list[Mapping[str, Any]] = []
    if isinstance(response.body, Mapping):
        candidates.append(response.body)
        candidates.extend(
            response.body[key] for key in _NESTED_KEYS if isinstance(response.body.get(key), Mapping)
        )
    for candidate in candidates:
        for key in _TOKEN_KEYS:
            token = candidate.get(key)
            if isinstance(token, str) and token.strip():
                expiry = next((candidate[k] for k in _EXPIRY_KEYS if k in candidate), None)
                lifetime = float(expiry) if isinstance(expiry, int | float) and expiry > 0 else None
                return token.strip(), lifetime
    raise ValueError("the Pinghome sign-in response carries no access token")
