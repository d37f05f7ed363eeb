"""Reading incidents: statuses and phases, get, list and connection-check requests, and PagerDuty's
incident JSON as ``Incident``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    aware,
    capped_raw,
    iso_time,
    lookup_status,
    parse_timestamp,
    scope_ids,
)
from airflow_incident_provider.vendors.pagerduty.api import NAME, SENSITIVE_FIELDS, incident_id_from_ref

STATUS_PHASES: Mapping[str, Phase] = {
    "triggered": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "resolved": Phase.RESOLVED,
}
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}


def build_get(ref: str) -> Request:
    return Request("GET", f"/incidents/{incident_id_from_ref(ref)}")


def incident_from_json(data: Mapping[str, Any], *, include_raw: bool = False) -> Incident:
    """One PagerDuty incident object as the normalized ``Incident``."""
    status = str(data.get("status", "")).lower()
    priority = data.get("priority")
    severity = None
    if isinstance(priority, Mapping):
        severity = priority.get("name") or priority.get("summary")
    severity = severity or data.get("urgency")
    assignees = tuple(
        str(item["assignee"]["id"])
        for item in data.get("assignments") or ()
        if isinstance(item, Mapping)
        and isinstance(item.get("assignee"), Mapping)
        and "id" in item["assignee"]
    )
    return Incident(
        vendor=NAME,
        id=str(data["id"]),
        ref=str(data["id"]),
        title=data.get("title") or data.get("summary"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(severity) if severity else None,
        assignees=assignees,
        url=data.get("html_url"),
        created_at=parse_timestamp(data.get("created_at")),
        updated_at=parse_timestamp(data.get("updated_at") or data.get("last_status_change_at")),
        resolved_at=parse_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def parse_incident(response: Response, *, include_raw: bool = False) -> Incident:
    """The ``{"incident": {...}}`` body of a get or update response."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("incident"), Mapping):
        raise ValueError("PagerDuty response has no 'incident' object")
    return incident_from_json(body["incident"], include_raw=include_raw)


def build_list(
    *,
    statuses: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
    services: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> Request:
    """One page of ``GET /incidents``, oldest first; without ``since``, every incident (``date_range=all``).

    PagerDuty otherwise looks back only one month (from ``until`` when given), which silently hides
    older open incidents; an ``until`` without ``since`` is then applied by :func:`local_until`.
    ``services`` and ``teams`` (ids) scope the list with ``service_ids[]`` and ``team_ids[]``: any of
    the services, and any of the teams (the account needs the ``teams`` ability for the latter).
    """
    params: list[tuple[str, str]] = [
        ("limit", str(limit)),
        ("offset", str(offset)),
        ("sort_by", "created_at:asc"),
    ]
    wanted = dict.fromkeys(to_vendor_status(status, field_name="statuses") for status in statuses or ())
    params.extend(("statuses[]", status) for status in wanted)  # the spec's statuses[] are uniqueItems
    params.extend(("service_ids[]", service) for service in scope_ids(services, "services", NAME))
    params.extend(("team_ids[]", team) for team in scope_ids(teams, "teams", NAME))
    if since is None:
        params.append(("date_range", "all"))
    else:
        params.append(("since", iso_time(since)))
        if until is not None:
            params.append(("until", iso_time(until)))
    return Request("GET", "/incidents", params=tuple(params))


def local_until(since: datetime | None, until: datetime | None) -> datetime | None:
    """The ``until`` the caller must apply to listed incidents itself (when :func:`build_list` could not)."""
    return aware(until) if since is None and until is not None else None


def parse_list(response: Response, *, include_raw: bool = False) -> tuple[list[Incident], bool]:
    """A page of incidents and whether PagerDuty says there are more."""
    body = response.body if isinstance(response.body, Mapping) else {}
    incidents = [incident_from_json(item, include_raw=include_raw) for item in body.get("incidents") or ()]
    return incidents, bool(body.get("more"))


def build_connection_check() -> Request:
    """The cheapest call that proves the token can read incidents."""
    return Request("GET", "/incidents", params=(("limit", "1"), ("date_range", "all")))


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A PagerDuty status word for a status word or phase; "mitigated" has no PagerDuty status."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)
