"""Statuspage's API as a whole: base URL, ``OAuth`` key header, rate limit, error format, and the
``pageId/incidentId`` refs that address an incident."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from airflow_incident_provider.forms import statuspage as connection
from airflow_incident_provider.vendors.base import (
    Response,
    json_headers,
    no_budget,
    no_conflict_codes,
    path_segment,
    retry_after_header,
)
from airflow_incident_provider.vendors.status_pages import PageIncidentRef, parse_page_ref

NAME = "statuspage"
DISPLAY_NAME = "Statuspage"
BASE_URL = connection.BASE_URL
RATE_LIMIT_PER_MINUTE = connection.RATE_LIMIT_PER_MINUTE
STATUS_PAGE = True
"""A public status page: every write to an incident is a message to customers."""
RATE_LIMITED_STATUSES = (420, 429)
"""The spec: "Error codes 420 or 429 indicate that you have exceeded the rate limit"."""
retry_after = retry_after_header
budget = no_budget
"""Statuspage documents no rate-limit headers: ``Retry-After`` when sent, and the limiter paces calls."""
is_conflict = no_conflict_codes


def segment(value: object, field_name: str) -> str:
    """A page or incident id, encoded for the path (the spec types both as plain strings)."""
    return path_segment(value, field_name, NAME)


class IncidentRef(PageIncidentRef):
    """``/pages/{page_id}/incidents/{incident_id}``."""


def parse_ref(ref: object, default_page_id: str | None) -> IncidentRef:
    """``pageId/incidentId``, or an incident id alone on the connection's page."""
    where = "Statuspage incidents live on a page"
    return parse_page_ref(
        IncidentRef, ref, default_page_id, segment=segment, page_extra="page_id", where=where, vendor=NAME
    )


def page_path(page_id: str) -> str:
    return f"/pages/{segment(page_id, 'page_id')}"


def checked_page_id(value: object) -> str:
    """The connection's ``page_id``, checked as a path segment."""
    segment(value, "page_id")
    return str(value).strip()


def headers(key: str, *, has_body: bool) -> dict[str, str]:
    """``Authorization: OAuth <key>``."""
    return json_headers({"Authorization": f"{connection.AUTH_SCHEME} {key}"}, has_body=has_body)


def normalized(response: Response) -> Response:
    """A 420 (Statuspage's older rate-limit answer) read as the 429 it means."""
    if response.status in RATE_LIMITED_STATUSES:
        return dataclasses.replace(response, status=429)
    return response


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """The spec's ``ErrorEntity {message}``, or the ``{"error": ...}`` (text or list) the API also sends."""
    body = response.body
    if not isinstance(body, Mapping):
        return f"HTTP {response.status} with no Statuspage error body", None, ()
    error = body.get("error")
    details = tuple(str(item) for item in error[:20]) if isinstance(error, list) else ()
    for value in (body.get("message"), error if isinstance(error, str) else None, "; ".join(details)):
        if isinstance(value, str) and value:
            return value, None, details
    return f"HTTP {response.status} with no Statuspage error message", None, details
