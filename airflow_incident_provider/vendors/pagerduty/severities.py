"""Severity at PagerDuty: an urgency (low, high) or one of the account's priorities, looked up by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate
from airflow_incident_provider.vendors.base import Request, Response, one_of
from airflow_incident_provider.vendors.pagerduty.api import NAME

URGENCIES = ("low", "high")
"""PagerDuty's urgencies, least urgent first: the first rungs of the escalation scale.

One step of escalation (:func:`one_step_target`) climbs this tuple, then the account's priorities from
the least to the most severe (``GET /priorities`` lists them most severe first); the most severe
priority at high urgency is the top.
"""


def build_priorities() -> Request:
    return Request("GET", "/priorities", params=(("limit", "100"),))


def parse_priorities(response: Response) -> list[dict[str, str]]:
    """Priorities as ``{"id", "name"}``, in the order PagerDuty returns them (most severe first)."""
    body = response.body if isinstance(response.body, Mapping) else {}
    return [
        {"id": str(item["id"]), "name": str(item.get("name") or item.get("summary") or "")}
        for item in body.get("priorities") or ()
        if isinstance(item, Mapping) and "id" in item
    ]


def checked_urgency(value: Any, field_name: str) -> str:
    return one_of(value, URGENCIES, field_name, "an urgency", NAME)


def is_urgency(severity: str) -> bool:
    return severity.strip().lower() in URGENCIES


def needs_priorities(update: IncidentUpdate | IncidentCreate) -> bool:
    """Whether building this write needs ``GET /priorities`` (a severity or priority given by name)."""
    if update.severity is not None and not is_urgency(update.severity):
        return True
    return isinstance(update.vendor_fields.get("priority"), str)


def severity_field(severity: str, priorities: Sequence[Mapping[str, str]] | None) -> dict[str, Any]:
    """The body field a normalized severity sets: ``urgency`` for low/high, else a priority by name."""
    if is_urgency(severity):
        return {"urgency": severity.strip().lower()}
    return {"priority": priority_reference(severity, priorities or (), "severity")}


def priority_reference(name: str, priorities: Sequence[Mapping[str, str]], field_name: str) -> dict[str, str]:
    """The priority named ``name`` (case-insensitive), as a reference; the error lists the names."""
    wanted = name.strip().lower()
    for priority in priorities:
        if priority["name"].lower() == wanted or priority["id"] == name:
            return {"id": priority["id"], "type": "priority_reference"}
    names = ", ".join(priority["name"] for priority in priorities) or "none (priorities are disabled)"
    raise IncidentValidationError(
        field_name,
        f"{name!r} is neither an urgency (low, high) nor a priority; priorities: {names}",
        vendor=NAME,
    )
