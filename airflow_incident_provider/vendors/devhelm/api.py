"""DevHelm's API as a whole: base URL and pages path, rate limit, headers, error format, what it cannot do,
and the ``pageId/incidentId`` refs that address an incident."""

from __future__ import annotations

import re
from collections.abc import Mapping

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import devhelm as connection
from airflow_incident_provider.vendors.base import (
    Budget,
    Response,
    budget_from_headers,
    json_headers,
    uuid_segment,
    wait_from_headers,
)
from airflow_incident_provider.vendors.status_pages import PageIncidentRef, parse_page_ref

NAME = "devhelm"
DISPLAY_NAME = "DevHelm"
BASE_URL = connection.BASE_URL
PAGES_PATH = "/api/v1/status-pages"
URL_PLACEHOLDERS = ("page_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""
STATUS_PAGE = True
"""A public status page: every status change and note is a message to customers."""
RATE_LIMIT_PER_MINUTE = 100
"""Per organization, by plan: Free 100/min (the safe default), Starter 1,000, Pro/Team 5,000, Business
100,000 (docs.devhelm.io/patterns/rate-limits); raise it with the connection's ``rate_limit_per_minute``."""

CONFLICT_CODE = "CONFLICT"
ORG_HEADER = "x-phelm-org-id"
WORKSPACE_HEADER = "x-phelm-workspace-id"
"""Tenant headers the official SDK sends; needed only when a token belongs to several organizations."""

_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


def uuid_id(value: object, field_name: str) -> str:
    """A status-page or incident id: DevHelm ids are UUIDs (the spec's ``format: uuid``)."""
    return uuid_segment(value, field_name, NAME, "DevHelm")


class IncidentRef(PageIncidentRef):
    """``/api/v1/status-pages/{pageId}/incidents/{incidentId}``."""

    PAGES = PAGES_PATH


def parse_ref(ref: object, default_page_id: str | None) -> IncidentRef:
    """``pageId/incidentId``, or an incident id alone on the connection's status page."""
    where = "DevHelm incidents live on a status page"
    return parse_page_ref(
        IncidentRef,
        ref,
        default_page_id,
        segment=uuid_id,
        page_extra="status_page_id",
        where=where,
        vendor=NAME,
    )


def check_header_value(value: object, field_name: str) -> str:
    """An org or workspace id sent as a header: printable ASCII without spaces (no header injection)."""
    text = str(value).strip()
    if not _HEADER_VALUE.fullmatch(text):
        raise IncidentValidationError(field_name, "must be printable ASCII without spaces", vendor=NAME)
    return text


def headers(token: str, *, org_id: str | None, workspace_id: str | None, write: bool) -> dict[str, str]:
    """Bearer auth, JSON, and the tenant headers only when the connection sets them."""
    result = json_headers({"Authorization": f"Bearer {token}"}, has_body=write)
    if org_id:
        result[ORG_HEADER] = org_id
    if workspace_id:
        result[WORKSPACE_HEADER] = workspace_id
    return result


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or a date), else the epoch of the reset."""
    return wait_from_headers(
        response.headers, reset_headers=("x-ratelimit-reset",), reset_is_epoch=True, now=now
    )


def budget(response: Response, now: float | None = None) -> Budget | None:
    """``X-RateLimit-Limit/-Remaining/-Reset`` (the reset is an epoch), per organization."""
    return budget_from_headers(response.headers, prefixes=("x-ratelimit-",), reset_is_epoch=True, now=now)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """DevHelm's ``ErrorResponse {status, code, message, timestamp, requestId?, errors?}``."""
    body = response.body
    if not isinstance(body, Mapping) or not ({"message", "code"} & set(body)):
        return f"HTTP {response.status} with no error body", None, ()
    code = body.get("code")
    message = str(body.get("message") or "") or f"HTTP {response.status}"
    details: list[str] = []
    for entry in body.get("errors") or ():
        if isinstance(entry, Mapping):
            text = str(entry.get("message") or entry.get("code") or "")
            where = f"{entry['field']}: " if entry.get("field") else ""
            suffix = f" ({entry['code']})" if entry.get("code") else ""
            details.append(f"{where}{text}{suffix}")
    request_id = body.get("requestId") or response.headers.get("x-request-id")
    if request_id:
        details.append(f"request id {request_id}")
    return message, str(code) if code is not None else None, tuple(details)


def is_conflict(code: str | None) -> bool:
    """Whether an error code means a state conflict (DevHelm answers those with 409 ``CONFLICT``)."""
    return code == CONFLICT_CODE
