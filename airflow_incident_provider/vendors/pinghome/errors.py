"""Pinghome's error bodies and rate-limit headers, read into the provider's messages and waits."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from airflow_incident_provider.vendors.base import Response, no_budget, no_conflict_codes, wait_from_headers


def retry_after(response: Response) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or an HTTP date), else ``X-RateLimit-Reset``.

    Pinghome documents neither; a reset above 10^9 is read as epoch seconds, otherwise as seconds.
    """
    return wait_from_headers(response.headers, reset_headers=("x-ratelimit-reset",))


budget = no_budget
"""Pinghome documents no budget headers (whatever ``X-RateLimit-*`` an answer may carry) and no error
codes (only HTTP 409 means a conflict)."""
is_conflict = no_conflict_codes


def _error_details(errors: Any) -> tuple[str, ...]:
    if isinstance(errors, Mapping):
        return tuple(f"{key}: {_text(value)}" for key, value in errors.items())
    if isinstance(errors, list):
        details = []
        for item in errors:
            if isinstance(item, Mapping):
                where = item.get("field") or item.get("path") or item.get("param")
                message = _text(item.get("message") or item.get("msg") or item.get("detail") or item)
                details.append(f"{where}: {message}" if where else message)
            else:
                details.append(_text(item))
        return tuple(details)
    if isinstance(errors, str):
        return (errors,)
    return ()


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value)
    return str(value)


def _reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _code(value: Any) -> str | None:
    return (
        str(value) if isinstance(value, str | int) and not isinstance(value, bool) and value != "" else None
    )


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """Pinghome's error body is undocumented: ``message``, ``error`` and ``errors`` are looked for.

    Falls back to the HTTP status and its reason, so a refusal is never reported without one.
    """
    body = response.body
    message, code = "", None
    details: tuple[str, ...] = ()
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            message = str(error.get("message") or "")
            code = _code(error.get("code"))
            details = _error_details(error.get("errors") or error.get("details"))
        elif isinstance(error, str):
            message = error
        top = body.get("message")
        if isinstance(top, str) and top and top != message:
            message = f"{message}: {top}" if message else top
        code = code or _code(body.get("code"))
        details = details or _error_details(body.get("errors") or body.get("details"))
    elif isinstance(body, str):
        message = body
    if not message and (details or not response.text):
        message = _reason(response.status)
    return message, code, details
