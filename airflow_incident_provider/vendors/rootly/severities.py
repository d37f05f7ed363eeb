"""Rootly's severities: the account's list, ids by slug or name, and the scale a one-step escalate climbs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.vendors.base import Request, Response, mapping_of
from airflow_incident_provider.vendors.catalogue import Entry, named, step_up
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    NAME,
    next_page,
    paging_params,
    resources_of,
)


def build_severities(page: int) -> Request:
    return Request("GET", "/v1/severities", params=paging_params(page, LIST_PAGE_SIZE))


def _position(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_severities(response: Response) -> tuple[list[Entry], int | None]:
    """Severities (their slug the alias, their ``position`` the rank) and the next page number."""
    severities = []
    for item in resources_of(response):
        attributes = mapping_of(item.get("attributes"))
        if "id" in item:
            slug = str(attributes.get("slug") or "")
            severities.append(
                Entry(
                    str(item["id"]),
                    str(attributes.get("name") or ""),
                    _position(attributes.get("position")),
                    aliases=(slug,),
                )
            )
    return severities, next_page(response)


def severity_id(value: str, severities: Sequence[Entry]) -> str:
    """The id of the severity named by ``value``: its id, slug or name (case-insensitive)."""
    what = "a Rootly severity id, slug or name; severities"
    return named(value, severities, "severity", what, NAME, "none defined").id


def severity_scale(severities: Sequence[Entry]) -> list[Entry]:
    """Rootly's severities from least to most severe: the one place their order is decided.

    Rootly orders severities by ``position``, most severe first (its default ``SEV0`` leads); so the
    scale is ``position`` descending. Severities without a position rank below every positioned one,
    the first listed by ``GET /v1/severities`` being the more severe.
    """
    unpositioned = [s for s in severities if s.rank is None]
    ordered = sorted((s for s in severities if s.rank is not None), key=lambda s: s.rank or 0, reverse=True)
    return [*reversed(unpositioned), *ordered]


def next_severity(current: str | None, severities: Sequence[Entry]) -> str | None:
    """The id one step more severe than ``current`` (an id), or None at the top of the scale; an incident
    without a severity (or with one no longer defined) steps onto the least severe one."""
    found = step_up(current, severity_scale(severities), vendor=NAME, display="Rootly")
    return found.id if found is not None else None


def is_lower(target: str, current: str | None, severities: Sequence[Entry]) -> bool:
    """Whether ``target`` is less severe than ``current``: an escalation never lowers a severity."""
    scale = [s.id for s in severity_scale(severities)]
    return current in scale and target in scale and scale.index(target) < scale.index(current)


def severity_label(severity: str | None, severities: Sequence[Entry]) -> str:
    """A severity id as its name, for step details."""
    found = next((s for s in severities if s.id == severity), None)
    return (found.name or found.aliases[0] or found.id) if found else "none"


def current_severity_id(response: Response) -> str | None:
    """The id of the incident's severity (``data.attributes.severity.data.id``), None when unset."""
    body = response.body if isinstance(response.body, Mapping) else {}
    data = body.get("data")
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    severity = attributes.get("severity") if isinstance(attributes, Mapping) else None
    inner = severity.get("data", severity) if isinstance(severity, Mapping) else None
    value = inner.get("id") if isinstance(inner, Mapping) else None
    return str(value) if value else None
