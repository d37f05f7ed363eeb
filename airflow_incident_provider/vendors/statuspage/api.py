"""Statuspage's API as a whole: base URL, ``OAuth`` key header, rate limit, error format, and the
``pageId/incidentId`` refs that address an incident."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import statuspage as connection
from airflow_incident_provider.vendors.base import Budget, Response, path_segment, wait_from_headers

NAME = "statuspage"
DISPLAY_NAME = "Statuspage"
BASE_URL = connection.BASE_URL
RATE_LIMIT_PER_MINUTE = connection.RATE_LIMIT_PER_MINUTE
STATUS_PAGE = True
"""A public status page: every write to an incident is a message to customers."""
RATE_LIMITED_STATUSES = (420, 429)
"""The spec: "Error codes 420 or 429 indicate that you have exceeded the rate limit"."""


def segment(value: object, field_name: str) -> str:
    """A page or incident id, encoded for the path (the spec types both as plain strings)."""
    return path_segment(value, field_name, NAME)


@dataclass(frozen=True)
class IncidentRef:
    """Where an incident lives: its page and its own id."""

    page_id: str
    incident_id: str

    @property
    def path(self) -> str:
        return f"/pages/{self.page_id}/incidents/{self.incident_id}"

    def __str__(self) -> str:
        return f"{self.page_id}/{self.incident_id}"


def parse_ref(ref: object, default_page_id: str | None) -> IncidentRef:
    """``pageId/incidentId``, or an incident id alone on the connection's page."""
    if isinstance(ref, str) and "/" in ref:
        page, _, incident = ref.strip().partition("/")
        return IncidentRef(segment(page, "incident_id (page part)"), segment(incident, "incident_id"))
    incident_id = segment(ref, "incident_id")
    if not default_page_id:
        raise IncidentValidationError(
            "incident_id",
            "Statuspage incidents live on a page: give the ref 'pageId/incidentId' or set page_id in the "
            "connection's extra",
            vendor=NAME,
        )
    return IncidentRef(segment(default_page_id, "page_id"), incident_id)


def page_path(page_id: str) -> str:
    return f"/pages/{segment(page_id, 'page_id')}"


def headers(key: str, *, has_body: bool) -> dict[str, str]:
    """``Authorization: OAuth <key>``; a JSON content type when a body is sent."""
    result = {"Authorization": f"{connection.AUTH_SCHEME} {key}", "Accept": "application/json"}
    if has_body:
        result["Content-Type"] = "application/json"
    return result


def normalized(response: Response) -> Response:
    """A 420 (Statuspage's older rate-limit answer) read as the 429 it means."""
    if response.status in RATE_LIMITED_STATUSES:
        return dataclasses.replace(response, status=429)
    return response


def retry_after(response: Response) -> float | None:
    """``Retry-After`` when sent (Statuspage documents no rate-limit headers; the limiter paces calls)."""
    return wait_from_headers(response.headers)


def budget(response: Response) -> Budget | None:
    """Statuspage documents no budget headers: the client-side limiter alone paces its calls."""
    return None


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


def is_conflict(code: str | None) -> bool:
    """Statuspage documents no error codes; a 409 is a conflict by its status alone."""
    return False
