"""Rootly's severities: the account's list, ids by slug or name, and the scale a one-step escalate climbs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    NAME,
    next_page,
    paging_params,
    resources_of,
)


def build_severities(page: int) -> Request:
    return Request("GET", "/v1/severities", params=paging_params(page, LIST_PAGE_SIZE))


def _position(value: Any) -> str:
    """A ``position`` as text ("" when absent), so a severity stays a ``dict[str, str]``."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def parse_severities(response: Response) -> tuple[list[dict[str, str]], int | None]:
    """Severities as ``{"id", "slug", "name", "position"}`` and the next page number."""
    severities = []
    for item in resources_of(response):
        found = item.get("attributes")
        attributes: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        if "id" in item:
            severities.append(
                {
                    "id": str(item["id"]),
                    "slug": str(attributes.get("slug") or ""),
                    "name": str(attributes.get("name") or ""),
                    "position": _position(attributes.get("position")),
                }
            )
    return severities, next_page(response)


def severity_id(value: str, severities: Sequence[Mapping[str, str]]) -> str:
    """The id of the severity named by ``value``: its id, slug or name (case-insensitive)."""
    wanted = value.strip()
    for severity in severities:
        if severity["id"] == wanted or wanted.lower() in (severity["slug"].lower(), severity["name"].lower()):
            return severity["id"]
    names = ", ".join(f"{s['name']} ({s['slug']})" for s in severities) or "none defined"
    raise IncidentValidationError(
        "severity", f"{value!r} is not a Rootly severity id, slug or name; severities: {names}", vendor=NAME
    )


def severity_scale(severities: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """Rootly's severities from least to most severe: the one place their order is decided.

    Rootly orders severities by ``position``, most severe first (its default ``SEV0`` leads); so the
    scale is ``position`` descending. Severities without a position rank below every positioned one,
    the first listed by ``GET /v1/severities`` being the more severe.
    """
    positioned = [s for s in severities if s.get("position", "")]
    unpositioned = [s for s in severities if not s.get("position", "")]
    ordered = sorted(positioned, key=lambda s: int(s["position"]), reverse=True)
    return [*reversed(unpositioned), *ordered]


def next_severity(current: str | None, severities: Sequence[Mapping[str, str]]) -> str | None:
    """The id one step more severe than ``current`` (an id), or None at the top of the scale.

    An incident without a severity (or with one no longer defined) steps onto the least severe one.
    """
    scale = [s["id"] for s in severity_scale(severities)]
    if not scale:
        raise IncidentValidationError(
            "severity", "the Rootly account defines no severities to escalate through", vendor=NAME
        )
    if current not in scale:
        return scale[0]
    index = scale.index(current)
    return scale[index + 1] if index + 1 < len(scale) else None


def is_lower(target: str, current: str | None, severities: Sequence[Mapping[str, str]]) -> bool:
    """Whether ``target`` is less severe than ``current``: an escalation never lowers a severity."""
    scale = [s["id"] for s in severity_scale(severities)]
    return current in scale and target in scale and scale.index(target) < scale.index(current)


def severity_label(severity: str | None, severities: Sequence[Mapping[str, str]]) -> str:
    """A severity id as its name, for step details."""
    found = next((s for s in severities if s["id"] == severity), None)
    return (found["name"] or found["slug"] or found["id"]) if found else "none"


def current_severity_id(response: Response) -> str | None:
    """The id of the incident's severity (``data.attributes.severity.data.id``), None when unset."""
    body = response.body if isinstance(response.body, Mapping) else {}
    data = body.get("data")
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    severity = attributes.get("severity") if isinstance(attributes, Mapping) else None
    inner = severity.get("data", severity) if isinstance(severity, Mapping) else None
    value = inner.get("id") if isinstance(inner, Mapping) else None
    return str(value) if value else None


def refuse_escalation_level() -> UnsupportedOperationError:
    return UnsupportedOperationError(
        "Rootly has no escalation levels (escalation_level is PagerDuty's): pass severity=... to set a "
        "Rootly severity, or no target to raise the incident one step up its severities"
    )
