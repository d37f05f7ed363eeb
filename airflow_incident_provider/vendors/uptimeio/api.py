"""UptimeIO's API as a whole: base URL, API-key header, rate limit, error format, and the
``projectId/pageId/incidentId`` scope that addresses an incident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import uptimeio as connection
from airflow_incident_provider.vendors.base import (
    Response,
    json_headers,
    no_budget,
    retry_after_header,
    uuid_segment,
)

NAME = "uptimeio"
DISPLAY_NAME = "UptimeIO"
BASE_URL = connection.BASE_URL
API_KEY_HEADER = "X-API-Key"

retry_after = retry_after_header
budget = no_budget
"""UptimeIO documents no rate-limit headers: ``Retry-After`` when sent, and the limiter paces calls."""
URL_PLACEHOLDERS = ("project_id", "status_page_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""
STATUS_PAGE = True
"""A public status page: every status change and note is a message to customers."""
RATE_LIMIT_PER_MINUTE = 60
"""UptimeIO publishes no rate limit. One request a second is a conservative default that a status page
never needs more of; raise it per connection with ``rate_limit_per_minute`` once UptimeIO tells you yours.
"""

CONFLICT_CODES = frozenset({"CONFLICT", "INVALID_TRANSITION", "INVALID_STATE"})
"""Error codes taken as "the incident's state does not allow this". UptimeIO documents none; these are
guesses kept in one place. A 409 is a conflict whatever its code."""


@dataclass(frozen=True)
class Scope:
    """Where an incident lives: UptimeIO addresses it by project, status page and incident id."""

    project_id: str
    status_page_id: str
    incident_id: str

    @property
    def ref(self) -> str:
        """The ``Incident.ref`` form: ``projectId/pageId/incidentId``."""
        return f"{self.project_id}/{self.status_page_id}/{self.incident_id}"

    @property
    def page_path(self) -> str:
        return page_path(self.project_id, self.status_page_id)

    @property
    def path(self) -> str:
        """The incident's encoded path."""
        return f"{self.page_path}/incidents/{uuid_id(self.incident_id, 'incident_id')}"


def uuid_id(value: object, field_name: str) -> str:
    """A project, status-page or incident id: UptimeIO's are UUIDs (its API docs type every id UUID)."""
    return uuid_segment(value, field_name, NAME, "UptimeIO")


def page_path(project_id: str | None, status_page_id: str | None) -> str:
    """``/api/projects/{projectId}/status-pages/{statusPageId}``, each id path-encoded."""
    for field_name, value in (("project_id", project_id), ("status_page_id", status_page_id)):
        if not value:
            raise IncidentValidationError(
                field_name,
                "is needed to reach an UptimeIO status page: set it in the connection's extra, or pass "
                "the incident as a ref 'projectId/pageId/incidentId'",
                vendor=NAME,
            )
    project = uuid_id(project_id, "project_id")
    page = uuid_id(status_page_id, "status_page_id")
    return f"/api/projects/{project}/status-pages/{page}"


def parse_ref(ref: str, *, project_id: str | None, status_page_id: str | None) -> Scope:
    """An incident id (scope from the connection) or a ``projectId/pageId/incidentId`` ref."""
    if not isinstance(ref, str) or not ref.strip():
        raise IncidentValidationError("incident_id", "must be an incident id or a ref", vendor=NAME)
    parts = [part.strip() for part in ref.strip().split("/")]
    if len(parts) == 3:
        project_id, status_page_id, incident_id = parts
    elif len(parts) == 1:
        incident_id = parts[0]
    else:
        raise IncidentValidationError(
            "incident_id",
            f"{ref!r} is neither an incident id nor a ref 'projectId/pageId/incidentId'",
            vendor=NAME,
        )
    scope = Scope(project_id or "", status_page_id or "", incident_id)
    validate_scope(scope)
    return scope


def validate_scope(scope: Scope) -> None:
    """Check every id of ``scope`` now, before any request."""
    page_path(scope.project_id, scope.status_page_id)
    uuid_id(scope.incident_id, "incident_id")


def headers(api_key: str, *, has_body: bool) -> dict[str, str]:
    """``X-API-Key`` on every request."""
    return json_headers({API_KEY_HEADER: api_key}, has_body=has_body)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """``{"success": false, "error": {"code", "message"}}`` as (message, code, details).

    That shape is shown on UptimeIO's update page only, so anything else falls back to the HTTP status.
    """
    body = response.body
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = error.get("code")
        message = str(error.get("message") or "")
        details = _details(error.get("details"))
        return message or f"HTTP {response.status}", str(code) if code else None, details
    if isinstance(error, str) and error:
        return error, None, ()
    if isinstance(body, Mapping) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"]), None, ()
    return f"HTTP {response.status} with no UptimeIO error body", None, ()


def _details(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value[:20])
    if isinstance(value, Mapping):
        return tuple(f"{key}: {item}" for key, item in list(value.items())[:20])
    return ()


def is_conflict(code: str | None) -> bool:
    return code is not None and code.upper() in CONFLICT_CODES
