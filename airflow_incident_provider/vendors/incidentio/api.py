"""incident.io's API as a whole: address, key, rate limit, error format and incident ids (from its
OpenAPI description and its API reference's introduction)."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from airflow_incident_provider.forms import incidentio as connection
from airflow_incident_provider.vendors.base import (
    Response,
    json_headers,
    no_budget,
    no_conflict_codes,
    path_segment,
    wait_from_headers,
)

NAME = "incidentio"
DISPLAY_NAME = "incident.io"
BASE_URL = connection.BASE_URL
VISIBILITIES = connection.VISIBILITIES
VISIBILITY = connection.VISIBILITY
"""Who may see an incident the provider creates (the connection's ``visibility``; the API requires it)."""
RATE_LIMIT_PER_MINUTE = 1200
"""Per API key: "The default rate limit is 1,200 requests/minute per API key" (API reference,
Introduction, Rate limits). Some endpoints that reach external systems have lower limits."""
LIST_PAGE_SIZE = 100
"""``page_size`` for incident lists (the spec's default is 25 and names no maximum)."""
UNSUPPORTED_OPERATIONS = ("acknowledge", "resolve", "note")
"""What the API cannot do to an incident still open: accept it from triage, resolve it, post a note. Each
is refused with ``UnsupportedOperationError`` naming the alternative (the app, Slack, the summary)."""
SENSITIVE_FIELDS = ("call_url",)
"""A call link can carry its meeting passcode (``?pwd=``): never copied into XCom."""


budget = no_budget
"""incident.io documents no budget headers or conflict codes."""
is_conflict = no_conflict_codes


def headers(token: str, *, has_body: bool) -> dict[str, str]:
    """The key as a Bearer credential."""
    return json_headers({"Authorization": f"{connection.AUTH_SCHEME} {token}"}, has_body=has_body)


def incident_path(ref: str) -> str:
    """``/v2/incidents/{id}``; incident.io addresses an incident by its id alone, so the ref is the id."""
    return f"/v2/incidents/{path_segment(ref, 'incident_id', NAME)}"


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """``{"type", "status", "request_id", "errors": [{"code", "message", "source": {"field"}}]}`` as
    (message, code, details): the first error's message and code, every error as a detail."""
    body = response.body
    if not isinstance(body, Mapping):
        return f"HTTP {response.status} with no incident.io error body", None, ()
    errors = [item for item in body.get("errors") or () if isinstance(item, Mapping)]
    details = tuple(_describe(item) for item in errors[1:20])
    first = errors[0] if errors else {}
    message = str(first.get("message") or body.get("type") or f"HTTP {response.status}")
    source = first.get("source")
    if isinstance(source, Mapping) and source.get("field"):
        message = f"{message} (field {source['field']})"
    code = first.get("code") or body.get("type")
    request_id = body.get("request_id")
    if request_id:
        details = (*details, f"request_id {request_id}")
    return message, str(code) if code else None, details


def _describe(error: Mapping[str, object]) -> str:
    source = error.get("source")
    where = f" ({source.get('field')})" if isinstance(source, Mapping) and source.get("field") else ""
    return f"{error.get('code')}: {error.get('message')}{where}"


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` if sent, else the body's ``rate_limit.retry_after``
    (an HTTP date, as the API reference's example shows)."""
    waited = wait_from_headers(response.headers, now=now)
    if waited is not None:
        return waited
    body = response.body if isinstance(response.body, Mapping) else {}
    limit = body.get("rate_limit")
    text = limit.get("retry_after") if isinstance(limit, Mapping) else None
    if not isinstance(text, str):
        return None
    return wait_from_headers({"retry-after": text}, now=now) if _is_date(text) else None


def _is_date(text: str) -> bool:
    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return False
    return True
