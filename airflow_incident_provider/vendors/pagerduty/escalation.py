"""Escalating: where an incident stands (urgency, priority, level) and the absolute target of one step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Escalation
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.pagerduty.api import NAME
from airflow_incident_provider.vendors.pagerduty.incidents import incident_from_json
from airflow_incident_provider.vendors.pagerduty.notes import validate_note
from airflow_incident_provider.vendors.pagerduty.severities import URGENCIES, is_urgency, severity_field
from airflow_incident_provider.vendors.pagerduty.updates import (
    assignments,
    check_one_severity,
    validate_assignees,
)


@dataclass(frozen=True)
class Standing:
    """What escalation reads from an incident: where it stands on each of PagerDuty's scales."""

    urgency: str
    priority_id: str | None
    escalation_level: int | None
    assignees: tuple[str, ...]


def parse_standing(response: Response) -> Standing:
    """The urgency, priority id, escalation level and assignees of a ``{"incident"}`` response."""
    data = response.body["incident"]
    priority = data.get("priority")
    level = data.get("escalation_level")
    return Standing(
        urgency=str(data.get("urgency") or "high").lower(),
        priority_id=str(priority["id"]) if isinstance(priority, Mapping) and "id" in priority else None,
        escalation_level=level if isinstance(level, int) and not isinstance(level, bool) else None,
        assignees=incident_from_json(data).assignees,
    )


def validate_escalation(escalation: Escalation) -> None:
    """Everything about an escalation that can be checked without the incident or the network."""
    if escalation.severity is not None:
        check_one_severity(escalation.severity, {})
    if escalation.assignees is not None:
        validate_assignees(escalation.assignees)
        if escalation.escalation_level is not None:
            raise IncidentValidationError(
                "assignees",
                "an escalation_level assigns that level of the escalation policy; give assignees or "
                "escalation_level, not both",
                vendor=NAME,
            )
    if escalation.note is not None:
        validate_note(escalation.note)


def escalation_needs_priorities(escalation: Escalation, standing: Standing) -> bool:
    """Whether the target depends on the account's priorities (a priority name, or a step past high)."""
    if escalation.severity is not None:
        return not is_urgency(escalation.severity)
    return escalation.one_step and URGENCIES.index(_rung(standing.urgency)) == len(URGENCIES) - 1


def _rung(urgency: str) -> str:
    return urgency if urgency in URGENCIES else URGENCIES[-1]


def one_step_target(standing: Standing, priorities: Sequence[Mapping[str, str]]) -> dict[str, Any] | None:
    """The absolute field one step above ``standing``, or None at the top of the scale.

    low urgency -> high; then no priority -> the least severe priority -> ... -> the most severe, which
    is the top (so is high urgency on an account without priorities).
    """
    rung = URGENCIES.index(_rung(standing.urgency))
    if rung + 1 < len(URGENCIES):
        return {"urgency": URGENCIES[rung + 1]}
    ids = [priority["id"] for priority in priorities]
    if standing.priority_id is None:
        return {"priority": {"id": ids[-1], "type": "priority_reference"}} if ids else None
    if standing.priority_id not in ids:
        raise IncidentValidationError(
            "severity",
            f"the incident's priority {standing.priority_id} is not among the account's priorities; "
            "escalate to a named severity instead",
            vendor=NAME,
        )
    position = ids.index(standing.priority_id)
    return {"priority": {"id": ids[position - 1], "type": "priority_reference"}} if position else None


def escalation_fields(
    escalation: Escalation, standing: Standing, priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any] | None:
    """The absolute fields an escalation sets, leaving out what the incident already has.

    None means one step was asked for and the incident is at the top of the scale.
    """
    fields: dict[str, Any] = {}
    if escalation.one_step:
        target = one_step_target(standing, priorities or ())
        if target is None:
            return None
        fields.update(target)
    if escalation.severity is not None:
        fields.update(severity_field(escalation.severity, priorities))
    if escalation.escalation_level is not None:
        fields["escalation_level"] = escalation.escalation_level
    if escalation.assignees is not None:
        fields["assignments"] = assignments(escalation.assignees)
    return not_lower(without_current(fields, standing), standing, priorities or ())


def not_lower(
    fields: Mapping[str, Any], standing: Standing, priorities: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """``fields`` minus any that would lower the incident: an escalation never goes backwards.

    A scheduled escalation to a fixed target must not undo a human's higher urgency, priority or level.
    """
    ids = [priority["id"] for priority in priorities]
    result = dict(fields)
    urgency = result.get("urgency")
    if urgency is not None and URGENCIES.index(urgency) < URGENCIES.index(_rung(standing.urgency)):
        del result["urgency"]
    priority = result.get("priority")
    target = priority["id"] if priority is not None else None
    current = standing.priority_id
    if target in ids and current in ids and ids.index(target) > ids.index(current):  # most severe first
        del result["priority"]
    level = result.get("escalation_level")
    if level is not None and standing.escalation_level is not None and level < standing.escalation_level:
        del result["escalation_level"]
    return result


def without_current(fields: Mapping[str, Any], standing: Standing) -> dict[str, Any]:
    """``fields`` minus those the incident already has (so an escalation already made sends nothing)."""
    current: dict[str, Any] = {
        "urgency": standing.urgency,
        "priority": standing.priority_id,
        "escalation_level": standing.escalation_level,
        "assignments": sorted(standing.assignees),
    }
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "priority":
            comparable: Any = value["id"]
        elif key == "assignments":
            comparable = sorted(item["assignee"]["id"] for item in value)
        else:
            comparable = value
        if current.get(key) != comparable:
            result[key] = value
    return result


def describe(fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None) -> str:
    """A short account of what a write set, for the step's detail (priority names, user ids)."""
    names = {priority["id"]: priority["name"] for priority in priorities or ()}
    parts: list[str] = []
    for key, value in fields.items():
        if key == "priority":
            parts.append(f"priority {names.get(value['id'], value['id'])}")
        elif key == "assignments":
            parts.append("assignees " + ", ".join(item["assignee"]["id"] for item in value))
        elif key != "status":
            parts.append(f"{key} {value}")
    return ", ".join(parts)
