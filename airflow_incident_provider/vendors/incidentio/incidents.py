"""Reading incident.io incidents: get, list (cursor paging), and the normalized ``Incident``, whose
``status`` is the status category (the same in every account, where status names are each account's);
a category added later (the spec asks clients to expect new ones) reads as open."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors.base import Request, Response, capped_raw, mapping_of, parse_timestamp
from airflow_incident_provider.vendors.incidentio.api import (
    LIST_PAGE_SIZE,
    NAME,
    SENSITIVE_FIELDS,
    incident_path,
)
from airflow_incident_provider.vendors.incidentio.catalog import STATUS_PHASES

LEAD_ROLE = "lead"


def build_get(ref: str) -> Request:
    return Request("GET", incident_path(ref))


def build_list(categories: Sequence[str], after: str | None, page_size: int = LIST_PAGE_SIZE) -> Request:
    """``GET /v2/incidents``: newest first, ``after`` the last id of the previous page; categories are
    filtered with ``status_category[one_of]`` (the filter syntax the parameter's description names)."""
    params: list[tuple[str, str]] = [("page_size", str(page_size))]
    params += [("status_category[one_of]", category) for category in categories]
    if after:
        params.append(("after", after))
    return Request("GET", "/v2/incidents", params=tuple(params))


def build_connection_check() -> Request:
    """``GET /v1/identity``: the key's own name and roles, the cheapest authenticated read."""
    return Request("GET", "/v1/identity")


def incident_json(response: Response) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("incident"), Mapping):
        raise ValueError("no 'incident' object in the incident.io response")
    incident: Mapping[str, Any] = body["incident"]
    return incident


def _id_of(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, Mapping) and value.get("id") else None


def severity_id(incident: Mapping[str, Any]) -> str | None:
    return _id_of(incident.get("severity"))


def status_id(incident: Mapping[str, Any]) -> str | None:
    return _id_of(incident.get("incident_status"))


def _assignments(incident: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Each role assignment's role and assignee (an empty mapping where the answer has none)."""
    for assignment in incident.get("incident_role_assignments") or ():
        if isinstance(assignment, Mapping):
            yield mapping_of(assignment.get("role")), mapping_of(assignment.get("assignee"))


def holders(incident: Mapping[str, Any], role_id: str | None = None) -> tuple[str, ...]:
    """Ids of the users holding ``role_id`` (the lead role when None) on the incident."""
    found = (
        _id_of(user)
        for role, user in _assignments(incident)
        if (role.get("id") == role_id if role_id else role.get("role_type") == LEAD_ROLE)
    )
    return tuple(user for user in found if user)


def holder_matches(incident: Mapping[str, Any], role_id: str, user: str) -> bool:
    """Whether ``user`` (an id or an email) holds ``role_id``."""
    return any(
        _id_of(role) == role_id
        and assignee
        and user.lower() in (str(assignee.get("id", "")).lower(), str(assignee.get("email", "")).lower())
        for role, assignee in _assignments(incident)
    )


def _resolved_at(incident: Mapping[str, Any]) -> Any:
    for item in map(mapping_of, incident.get("incident_timestamp_values") or ()):
        if "resolved" in str(mapping_of(item.get("incident_timestamp")).get("name", "")).lower():
            return mapping_of(item.get("value")).get("value")
    return None


def incident_from_json(
    incident: Mapping[str, Any], *, include_raw: bool = False, assignees: tuple[str, ...] | None = None
) -> Incident:
    """The normalized incident; ``assignees`` defaults to the lead role's holder."""
    status: Mapping[str, Any] = mapping_of(incident.get("incident_status"))
    category = str(status.get("category") or "").lower()
    severity: Mapping[str, Any] = mapping_of(incident.get("severity"))
    return Incident(
        vendor=NAME,
        id=str(incident["id"]),
        ref=str(incident["id"]),
        title=incident.get("name"),
        status=category,
        phase=STATUS_PHASES.get(category, Phase.OPEN),
        severity=severity.get("name"),
        assignees=holders(incident) if assignees is None else assignees,
        url=incident.get("permalink"),
        created_at=parse_timestamp(incident.get("created_at")),
        updated_at=parse_timestamp(incident.get("updated_at")),
        resolved_at=parse_timestamp(_resolved_at(incident)),
        raw=capped_raw(incident, SENSITIVE_FIELDS) if include_raw else None,
    )


def parse_list(response: Response, *, include_raw: bool = False) -> tuple[list[Incident], str | None]:
    """The page's incidents and the ``after`` cursor of the next page (None on the last)."""
    body = response.body if isinstance(response.body, Mapping) else {}
    items = [incident_from_json(item, include_raw=include_raw) for item in body.get("incidents") or ()]
    meta = body.get("pagination_meta")
    after = meta.get("after") if isinstance(meta, Mapping) else None
    return items, (str(after) if after and items else None)


def created_since(response: Response, name: str, since: datetime) -> Mapping[str, Any] | None:
    """The first incident of a list page (newest first) named ``name`` and created at or after ``since``."""
    body = response.body if isinstance(response.body, Mapping) else {}
    for item in body.get("incidents") or ():
        created = parse_timestamp(item.get("created_at"))
        if item.get("name") == name and created is not None and created >= since:
            found: Mapping[str, Any] = item
            return found
    return None
