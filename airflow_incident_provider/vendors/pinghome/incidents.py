"""Reading incidents: statuses and phases, assignees, the team's list and its cursor, and Pinghome's
incident JSON as ``Incident``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    parse_timestamp,
    path_segment,
    refuse_scope,
    scope_ids,
)
from airflow_incident_provider.vendors.pinghome.services import NAME, QUERY, make_ref

STATUS_PHASES: Mapping[str, Phase] = {
    "open": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "resolved": Phase.RESOLVED,
}
"""UNDOCUMENTED: the docs name no status values; these are the provider's guess (see docs/pinghome.md)."""
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
ASSIGNEE_TYPES = ("user", "team")
"""``team`` is in the docs' examples; ``user`` is assumed. A plain id means a user."""
DEFAULT_ASSIGNEE_TYPE = "user"


LIST_PAGE_SIZE = 50
"""``limit`` per page of ``GET /team/{id}/incidents``; Pinghome documents no maximum."""
CURSOR_PARAM = "last_received_at"
"""The paging cursor named by the third-party summary: the ``received_at`` of the last incident seen."""

SENSITIVE_FIELDS = ("token", "secret", "password", "api_key", "authorization", "webhook_url")
"""Keys that may appear in an incident's action settings and must never reach XCom."""


LIST_SCOPE = (
    "Pinghome lists one team's incidents and has no services: give one team id in teams, or set "
    "team_id on the connection (one task per team to list several)"
)
"""What scopes a Pinghome list: one team, the connection's unless ``teams`` names another."""


def list_team(services: Sequence[str], teams: Sequence[str]) -> str | None:
    """The team a list is scoped to: the one id of ``teams``, or None for the connection's ``team_id``.

    ``services`` and more than one team are refused (Pinghome lists one team at a time).
    """
    refuse_scope(services, (), vendor=NAME, instead=LIST_SCOPE)
    ids = scope_ids(teams, "teams", NAME)
    if len(ids) > 1:
        raise IncidentValidationError("teams", f"names {len(ids)} teams; {LIST_SCOPE}", vendor=NAME)
    return ids[0] if ids else None


def build_list(team: str, *, limit: int, cursor: str | None) -> Request:
    """One page of ``GET {query}/v1/team/{id}/incidents``, newest first, after ``cursor``."""
    params: list[tuple[str, str]] = [("limit", str(limit))]
    if cursor:
        params.append((CURSOR_PARAM, cursor))
    path = f"/team/{path_segment(team, 'team_id', NAME)}/incidents"
    return Request("GET", path, params=tuple(params), service=QUERY)


def build_connection_check(team: str | None) -> Request:
    """The cheapest authenticated read (one incident of the team), or the health check without a team."""
    if team is None:
        return Request("GET", "/health-check", service=QUERY)
    return build_list(team, limit=1, cursor=None)


def _items(body: Any) -> list[Mapping[str, Any]]:
    if isinstance(body, list):
        items: Any = body
    elif isinstance(body, Mapping):
        items = next(
            (body[key] for key in ("incidents", "data", "items") if isinstance(body.get(key), list)), None
        )
        if items is None and isinstance(body.get("data"), Mapping):
            return _items(body["data"])
        if items is None:
            raise ValueError("Pinghome incident list has no 'incidents' array")
    else:
        raise ValueError("Pinghome incident list is not a JSON object or array")
    return [item for item in items if isinstance(item, Mapping)]


def parse_list(response: Response, limit: int) -> tuple[list[Mapping[str, Any]], str | None]:
    """The raw incidents of a page and the cursor of the next page (None after the last page).

    A ``last_received_at`` in the body is used when present; otherwise the last incident's
    ``received_at`` (or ``created_at``), and only when the page was full.
    """
    items = _items(response.body)
    body = response.body
    if isinstance(body, Mapping) and CURSOR_PARAM in body:
        cursor = body.get(CURSOR_PARAM)
        return items, str(cursor) if cursor and items else None
    if len(items) < limit or not items:
        return items, None
    last = items[-1]
    cursor = last.get("received_at") or last.get("created_at")
    return items, str(cursor) if cursor else None


def find(items: Sequence[Mapping[str, Any]], incident_id: str) -> Mapping[str, Any] | None:
    return next((item for item in items if str(item.get("id")) == incident_id), None)


def status_of(data: Mapping[str, Any]) -> str:
    """The status word, lower-cased; without one: resolved if it has ``resolved_at``, else open."""
    status = data.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip().lower()
    return "resolved" if data.get("resolved_at") else "open"


def assignee_ids(raw: Any) -> tuple[str, ...]:
    """Assignee objects as strings: a user's plain id, any other type as ``type:id``."""
    result = []
    for item in raw or ():
        if isinstance(item, Mapping) and item.get("id"):
            kind = str(item.get("type") or DEFAULT_ASSIGNEE_TYPE).lower()
            result.append(str(item["id"]) if kind == DEFAULT_ASSIGNEE_TYPE else f"{kind}:{item['id']}")
    return tuple(result)


URL_PLACEHOLDERS = ("team_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""


def incident_url(data: Mapping[str, Any], team_id: str, template: str | None) -> str | None:
    """The incident's web link: Pinghome returns none, so the connection's template makes one."""
    given = data.get("url") or data.get("html_url")
    if given:
        return str(given)
    if not template:
        return None
    return template.format(team_id=quote(team_id, safe=""), incident_id=quote(str(data["id"]), safe=""))


def incident_from_json(
    data: Mapping[str, Any], team_id: str, *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """One Pinghome incident object as the normalized ``Incident``; ``team_id`` completes its ref."""
    status = status_of(data)
    incident_id = str(data["id"])
    team = str(data.get("team_id") or team_id)
    urgency = data.get("urgency")
    return Incident(
        vendor=NAME,
        id=incident_id,
        ref=make_ref(team, incident_id),
        title=data.get("name") or data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(urgency).lower() if urgency else None,
        assignees=assignee_ids(data.get("assignees")),
        url=incident_url(data, team, url_template),
        created_at=parse_timestamp(data.get("created_at") or data.get("received_at")),
        updated_at=parse_timestamp(data.get("updated_at")),
        resolved_at=parse_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def filter_statuses(statuses: Sequence[str]) -> frozenset[str]:
    """Status words or phases as Pinghome words (checked before any request); empty means all."""
    return frozenset(to_vendor_status(status, field_name="statuses") for status in statuses)


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A Pinghome status word for a status word or phase; "mitigated" has no Pinghome status."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)
