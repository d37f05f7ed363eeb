"""Rootly's API as a whole: address, media type, rate limit, headers, error format, incident ids,
sensitive fields, and the JSON:API document and paging shapes every request and list shares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import rootly as connection
from airflow_incident_provider.vendors.base import (
    Budget,
    Response,
    budget_from_headers,
    path_segment,
    wait_from_headers,
)
from airflow_incident_provider.vendors.base import iso_time as iso_time

NAME = "rootly"
DISPLAY_NAME = "Rootly"
BASE_URL = connection.BASE_URL
MEDIA_TYPE = "application/vnd.api+json"
"""JSON:API's media type, for request and response bodies alike."""
RATE_LIMIT_PER_MINUTE = 3000
"""Per API key: 3000 reads plus 3000 writes a minute (docs.rootly.com/api-reference); one shared
client-side limiter per credential is seeded with 3000, so reads and writes together never exceed
either budget."""
LIST_PAGE_SIZE = 100
"""``page[size]`` for every listing (incidents, events, severities, roles); Rootly documents no maximum."""
RATE_LIMIT_PREFIXES = ("x-ratelimit-", "ratelimit-")
"""Both spellings Rootly has used for its ``*-limit/-remaining/-reset`` headers."""
RESET_HEADERS = tuple(prefix + "reset" for prefix in RATE_LIMIT_PREFIXES)
"""The reset header in both spellings; the value is a UTC epoch in seconds."""


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SLUG = re.compile(r"[a-z0-9_-]+")
"""The spec's incident ``id`` path parameter: a UUID or a slug matching ``^[a-z0-9_-]+$``."""

CONFLICT_CODES: frozenset[str] = frozenset()
"""Rootly documents no error codes; a 409 is a conflict by its status alone."""

SENSITIVE_FIELDS = (
    "zoom_meeting_password",
    "zoom_meeting_pstn_password",
    "zoom_meeting_h323_password",
    "zoom_meeting_start_url",
    "zoom_meeting_join_url",
    "google_meeting_url",
    "webex_meeting_url",
    "microsoft_teams_meeting_url",
)
"""Meeting passwords, and the meeting links that embed a password or host key: never copied into XCom."""


def headers(token: str) -> dict[str, str]:
    """Every request: the JSON:API media type both ways (as Rootly's examples send it) and the key."""
    return {"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE, "Authorization": f"Bearer {token}"}


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` if sent, else the rate-limit reset (an epoch)."""
    return wait_from_headers(response.headers, reset_headers=RESET_HEADERS, now=now)


def budget(response: Response, now: float | None = None) -> Budget | None:
    """``X-RateLimit-Limit/-Remaining/-Reset`` (or the older ``RateLimit-*``; the reset is an epoch)."""
    return budget_from_headers(response.headers, prefixes=RATE_LIMIT_PREFIXES, reset_is_epoch=True, now=now)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """Rootly's ``{"errors": [{"title", "status", "code"?, "detail"?}]}`` as (message, code, details).

    A 429 carries ``{"error": "Rate limit exceeded. Try again later."}`` instead.
    """
    body = response.body
    if isinstance(body, Mapping):
        errors = [item for item in body.get("errors") or () if isinstance(item, Mapping)]
        if errors:
            first = errors[0]
            code = first.get("code")
            details: list[str] = []
            for index, error in enumerate(errors):
                if error.get("detail"):
                    details.append(str(error["detail"]))
                elif index and error.get("title"):
                    details.append(str(error["title"]))
            message = str(first.get("title") or "") or f"HTTP {response.status}"
            return message, str(code) if code not in (None, "") else None, tuple(details)
        rate_limited = body.get("error")
        if isinstance(rate_limited, str) and rate_limited:
            return rate_limited, None, ()
    return f"HTTP {response.status} with no error body", None, ()


def is_conflict(code: str | None) -> bool:
    """Whether a Rootly error code means a state conflict rather than bad input."""
    return code is not None and code in CONFLICT_CODES


def incident_id_from_ref(ref: str) -> str:
    """Rootly incidents are addressed by id (a UUID) or slug alone, so the ref is the id; path-encoded."""
    if isinstance(ref, str) and not (_UUID.fullmatch(ref.strip()) or _SLUG.fullmatch(ref.strip())):
        raise IncidentValidationError(
            "incident_id",
            f"{ref[:80]!r} is neither a Rootly incident id (a UUID) nor a slug (lower-case letters, digits, "
            "'-' and '_')",
            vendor=NAME,
        )
    return path_segment(ref, "incident_id", NAME)


def incident_path(ref: str, suffix: str = "") -> str:
    return f"/v1/incidents/{incident_id_from_ref(ref)}{suffix}"


def next_page(response: Response) -> int | None:
    """``meta.next_page`` of a list response: the page number to ask for next, None on the last page."""
    body = response.body if isinstance(response.body, Mapping) else {}
    meta = body.get("meta")
    value = meta.get("next_page") if isinstance(meta, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def resources_of(response: Response) -> list[Mapping[str, Any]]:
    body = response.body if isinstance(response.body, Mapping) else {}
    return [item for item in body.get("data") or () if isinstance(item, Mapping)]


def paging_params(page: int, page_size: int) -> tuple[tuple[str, str], ...]:
    return (("page[number]", str(page)), ("page[size]", str(page_size)))


def jsonapi_document(resource_type: str, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": resource_type}
    if attributes is not None:
        data["attributes"] = dict(attributes)
    return {"data": data}
