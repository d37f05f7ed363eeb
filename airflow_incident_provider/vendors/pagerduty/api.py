"""PagerDuty's API as a whole: regional base URLs, headers and authorization, limits, error codes, incident
ids and sensitive fields."""

from __future__ import annotations

import re
from collections.abc import Mapping

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import pagerduty as connection
from airflow_incident_provider.vendors.base import (
    Budget,
    Response,
    budget_from_headers,
    path_segment,
    wait_from_headers,
)

NAME = "pagerduty"
DISPLAY_NAME = "PagerDuty"
BASE_URLS = connection.BASE_URLS
DEFAULT_REGION = connection.REGION
ACCEPT = "application/vnd.pagerduty+json;version=2"
RATE_LIMIT_PER_MINUTE = 960
"""Per API key, per user and per app-token x account (developer docs, 04-Rate-Limits)."""
LIST_PAGE_SIZE = 100
"""The largest ``limit`` PagerDuty accepts on ``GET /incidents``."""
NOTE_MAX_LENGTH = 25_000
TITLE_MAX_LENGTH = 1024
INCIDENT_KEY_MAX_LENGTH = 255
"""The REST spec gives no limit for ``incident_key``; 255 is the Events API's limit for the same key."""

ERROR_CODES: Mapping[int, str] = {
    1001: "Incident Already Resolved",
    1002: "Incident Already Acknowledged",
    1003: "Invalid Status Provided",
    1004: "Invalid Id Provided",
    1005: "Data Updated Since Last Request",
    1006: "Cannot Escalate",
    1012: "Incident Not Acknowledged",
    1019: "Incident Already Merged",
    1020: "Invalid Priority",
    2001: "Invalid Input Provided",
    2006: "Authentication Failed",
    2010: "Access Denied",
    2020: "Rate Limit Exceeded",
    2100: "Not Found",
}
CONFLICT_CODES = frozenset({1001, 1002, 1005, 1006, 1012, 1019})
"""Codes that mean "the incident's state does not allow this", not "the input is malformed"."""
ALREADY_RESOLVED = 1001

SENSITIVE_FIELDS = ("conference_bridge", "conference_number", "conference_url")
"""Conference bridges carry dial-in numbers with access codes: never copied into XCom."""


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
"""The spec's ``From`` is ``format: email``."""

AUTH_SCHEMES = connection.AUTH_SCHEMES
DEFAULT_AUTH_SCHEME = connection.AUTH_SCHEME


def authorization(token: str, auth_scheme: str) -> str:
    """The ``Authorization`` header value: ``Token token=`` for API keys, ``Bearer`` for OAuth."""
    if auth_scheme == "oauth":
        return f"Bearer {token}"
    return f"Token token={token}"


def headers(*, from_email: str | None, write: bool) -> dict[str, str]:
    """Headers every request carries (versioned Accept, JSON content type) and, on writes, ``From``.

    The spec marks ``Content-Type: application/json`` required on every operation, reads included.
    """
    result = {"Accept": ACCEPT, "Content-Type": "application/json"}
    if write:
        if not from_email or not EMAIL.fullmatch(from_email):
            raise IncidentValidationError(
                "from_email",
                "PagerDuty requires a From header with the email of a user in the account on every "
                f"write; set 'from_email' in the connection's extra (got {from_email!r})",
                vendor=NAME,
            )
        result["From"] = from_email
    return result


def retry_after(response: Response) -> float | None:
    """Seconds to wait after a 429: ``ratelimit-reset`` is seconds until reset; it may be absent."""
    return wait_from_headers(response.headers, reset_headers=("ratelimit-reset",), reset_is_epoch=False)


def budget(response: Response) -> Budget | None:
    """``ratelimit-limit/-remaining/-reset`` (reset in seconds), sent on every answer (04-Rate-Limits)."""
    return budget_from_headers(response.headers, prefixes=("ratelimit-",), reset_is_epoch=False)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """PagerDuty's ``{"error": {"message", "code", "errors"}}`` as (message, code, details)."""
    body = response.body
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = error.get("code")
        message = str(error.get("message") or "") or (
            ERROR_CODES.get(code, "") if isinstance(code, int) else ""
        )
        details = tuple(str(item) for item in error.get("errors") or ())
        return message or f"HTTP {response.status}", str(code) if code is not None else None, details
    if isinstance(error, str):
        return error, None, ()
    return f"HTTP {response.status} with no error body", None, ()


def is_conflict(code: str | None) -> bool:
    """Whether a PagerDuty error code means a state conflict rather than bad input."""
    return code is not None and code.isdigit() and int(code) in CONFLICT_CODES


def incident_id_from_ref(ref: str) -> str:
    """PagerDuty incidents are addressed by their id alone, so the ref is the id."""
    return path_segment(ref, "incident_id", NAME)
