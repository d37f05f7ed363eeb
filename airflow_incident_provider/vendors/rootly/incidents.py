"""Reading incidents: get, list and connection-check requests, and Rootly's incident JSON as ``Incident``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    parse_timestamp,
    scope_ids,
    statuses_named,
)
from airflow_incident_provider.vendors.rootly.api import (
    NAME,
    SENSITIVE_FIELDS,
    incident_path,
    iso_time,
    next_page,
    paging_params,
    resources_of,
)
from airflow_incident_provider.vendors.rootly.lifecycle import PHASE_STATUSES, STATUS_PHASES


def build_get(ref: str) -> Request:
    return Request("GET", incident_path(ref))


def _severity_name(value: Any) -> str | None:
    """The incident's severity: a JSON:API ``{"data": {"attributes": {"name", "slug"}}}`` (or a word)."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, Mapping):
        return None
    data = value.get("data", value)
    attributes = data.get("attributes", data) if isinstance(data, Mapping) else None
    if not isinstance(attributes, Mapping):
        return None
    name = attributes.get("name") or attributes.get("slug")
    return str(name) if name else None


def incident_from_json(data: Mapping[str, Any], *, include_raw: bool = False) -> Incident:
    """One JSON:API incident resource (``{"id", "type", "attributes"}``) as the normalized ``Incident``."""
    attributes = data.get("attributes")
    if not isinstance(attributes, Mapping):
        raise ValueError("Rootly incident has no 'attributes' object")
    status = str(attributes.get("status") or "").lower()
    phase = STATUS_PHASES.get(status, Phase.OPEN)
    resolved_at = None
    if phase is Phase.RESOLVED:
        resolved_at = parse_timestamp(
            attributes.get("resolved_at") or attributes.get("cancelled_at") or attributes.get("closed_at")
        )
    return Incident(
        vendor=NAME,
        id=str(data["id"]),
        ref=str(data["id"]),
        title=attributes.get("title"),
        status=status,
        phase=phase,
        severity=_severity_name(attributes.get("severity")),
        assignees=(),
        url=attributes.get("url") or attributes.get("short_url"),
        created_at=parse_timestamp(attributes.get("created_at")),
        updated_at=parse_timestamp(attributes.get("updated_at")),
        resolved_at=resolved_at,
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def parse_incident(response: Response, *, include_raw: bool = False) -> Incident:
    """The ``{"data": {...}}`` body of a get, update or transition response."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("Rootly response has no 'data' object")
    return incident_from_json(body["data"], include_raw=include_raw)


def list_statuses(statuses: Sequence[str]) -> list[str]:
    """The Rootly words to list for status words or phases: a Rootly word means itself, and a phase
    that is not a Rootly word (``open``) means every status of that phase."""
    return list(statuses_named(statuses, STATUS_PHASES, PHASE_STATUSES, NAME))


def build_list(
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    page_size: int,
    services: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> Request:
    """One page of ``GET /v1/incidents``, oldest first; one status per request (``filter[status]``).

    ``services`` and ``teams`` (ids) scope the list with ``filter[service_ids]`` and
    ``filter[team_ids]``, each one comma-separated string (the spec types both as strings): incidents
    of any of the services, and of any of the teams (Rootly's "groups").
    """
    params: list[tuple[str, str]] = [*paging_params(page, page_size), ("sort", "created_at")]
    if status is not None:
        params.append(("filter[status]", status))
    for name, field_name, ids in (("service_ids", "services", services), ("team_ids", "teams", teams)):
        scoped = scope_ids(ids, field_name, NAME, separator=",")
        if scoped:
            params.append((f"filter[{name}]", ",".join(scoped)))
    if since is not None:
        params.append(("filter[created_at][gte]", iso_time(since)))
    if until is not None:
        params.append(("filter[created_at][lte]", iso_time(until)))
    return Request("GET", "/v1/incidents", params=tuple(params))


def parse_list(response: Response, *, include_raw: bool = False) -> tuple[list[Incident], int | None]:
    """A page of incidents and the next page number (None on the last page)."""
    incidents = [incident_from_json(item, include_raw=include_raw) for item in resources_of(response)]
    return incidents, next_page(response)


def build_connection_check() -> Request:
    """The cheapest call that proves the key can read incidents."""
    return Request("GET", "/v1/incidents", params=(("page[size]", "1"),))
