"""Reading incidents: statuses and phases, get and list requests (one status page), timeline updates,
and UptimeIO's incident JSON as ``Incident``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    parse_timestamp,
    refuse_scope,
)
from airflow_incident_provider.vendors.uptimeio.api import NAME, Scope, page_path

STATUS_PHASES, PHASE_STATUSES = pages.STATUS_PHASES, pages.PHASE_STATUSES
"""UptimeIO's statuses are a status page's."""
RESOLVED = "resolved"

LIST_PAGE_SIZE = 100
"""The largest ``limit`` UptimeIO accepts on its list endpoints."""
MAX_UPDATE_PAGES = 50
"""Pages of timeline updates searched for an idempotency marker (5,000 updates) before giving up."""

SORT_NEWEST_FIRST = (("sort_by", "created_at"), ("sort_order", "desc"))
"""List order the provider asks for, so a ``since`` bound can stop paging early."""

SENSITIVE_FIELDS = ("url",)
"""UptimeIO incidents hold no credentials, but monitors listed with an incident may carry their URL, and
a monitored URL can hold basic-auth credentials or a token in its query: never copied into XCom."""


def build_get(scope: Scope) -> Request:
    return Request("GET", scope.path)


def incident_url(template: str | None, scope: Scope) -> str | None:
    """The incident's page from the connection's ``incident_url_template``; UptimeIO returns no URL."""
    if not template:
        return None
    return template.format(
        project_id=scope.project_id, status_page_id=scope.status_page_id, incident_id=scope.incident_id
    )


def incident_from_json(
    data: Mapping[str, Any],
    *,
    project_id: str,
    status_page_id: str,
    url_template: str | None = None,
    include_raw: bool = False,
) -> Incident:
    """One status-page incident object as the normalized ``Incident``."""
    scope = Scope(project_id, str(data.get("status_page_id") or status_page_id), str(data["id"]))
    status = str(data.get("status", "")).lower()
    severity = data.get("severity")
    return Incident(
        vendor=NAME,
        id=scope.incident_id,
        ref=scope.ref,
        title=data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(severity).lower() if severity else None,
        url=incident_url(url_template, scope),
        created_at=parse_timestamp(data.get("created_at")),
        updated_at=parse_timestamp(data.get("updated_at")),
        resolved_at=parse_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def _data(response: Response) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("UptimeIO response has no 'data' object")
    return body["data"]  # type: ignore[no-any-return]


def parse_incident(
    response: Response, scope: Scope, *, url_template: str | None = None, include_raw: bool = False
) -> Incident:
    """``data.incident`` of a get, update or resolve response."""
    incident = _data(response).get("incident")
    if not isinstance(incident, Mapping):
        raise ValueError("UptimeIO response has no 'data.incident' object")
    return incident_from_json(
        incident,
        project_id=scope.project_id,
        status_page_id=scope.status_page_id,
        url_template=url_template,
        include_raw=include_raw,
    )


LIST_SCOPE = (
    "UptimeIO lists one status page of one project: set project_id and status_page_id on the "
    "connection (one connection per page), and leave services and teams out"
)
"""What scopes an UptimeIO list instead of services or teams (it has neither)."""


def check_list_scope(services: Sequence[str], teams: Sequence[str]) -> None:
    """Refuse ``services`` and ``teams``: an UptimeIO list is the connection's status page."""
    refuse_scope(services, teams, vendor=NAME, instead=LIST_SCOPE)


def build_list(
    project_id: str | None, status_page_id: str | None, *, page: int, limit: int, status: str | None
) -> Request:
    """One page of ``GET .../incidents``, newest first, optionally filtered by one status."""
    params: list[tuple[str, str]] = [("page", str(page)), ("limit", str(limit)), *SORT_NEWEST_FIRST]
    if status is not None:
        params.append(("status", to_vendor_status(status, field_name="statuses")))
    return Request("GET", f"{page_path(project_id, status_page_id)}/incidents", params=tuple(params))


def parse_list(
    response: Response,
    project_id: str,
    status_page_id: str,
    *,
    url_template: str | None = None,
    include_raw: bool = False,
) -> list[Incident]:
    """``data.incidents`` of a list page. Its paging fields are undocumented, so none are read."""
    items = _data(response).get("incidents") or ()
    return [
        incident_from_json(
            item,
            project_id=project_id,
            status_page_id=status_page_id,
            url_template=url_template,
            include_raw=include_raw,
        )
        for item in items
        if isinstance(item, Mapping) and "id" in item
    ]


def page_is_last(items: Sequence[object], limit: int) -> bool:
    """A page shorter than ``limit`` is the last one: UptimeIO's response paging fields are undocumented."""
    return len(items) < limit


def build_connection_check(project_id: str | None, status_page_id: str | None) -> Request:
    """The cheapest call that proves the key can read the connection's status page."""
    return build_list(project_id, status_page_id, page=1, limit=1, status=None)


def build_list_updates(scope: Scope, page: int) -> Request:
    """One page of the incident's timeline updates, newest first (where a retry's marker would be)."""
    params = (("page", str(page)), ("limit", str(LIST_PAGE_SIZE)), ("sort_order", "desc"))
    return Request("GET", f"{scope.path}/updates", params=params)


def parse_updates(response: Response) -> list[str]:
    """The message of each timeline update on the page."""
    items = _data(response).get("updates") or ()
    return [str(item.get("message") or "") for item in items if isinstance(item, Mapping)]


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """An UptimeIO status word for a status word or a phase (any case)."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)
