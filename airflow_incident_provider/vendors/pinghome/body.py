"""The incident body an update or an escalation writes: urgency, assignees, actions and the checks of
``IncidentUpdate`` and ``vendor_fields`` before any request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Escalation, IncidentUpdate
from airflow_incident_provider.vendors.base import bounded_text, one_of, path_segment, vendor_field_items
from airflow_incident_provider.vendors.pinghome.incidents import (
    ASSIGNEE_TYPES,
    DEFAULT_ASSIGNEE_TYPE,
    to_vendor_status,
)
from airflow_incident_provider.vendors.pinghome.services import NAME

URGENCIES = ("low", "medium", "high")
"""docs.pinghome.io create-incident: "its urgency level (e.g., low, medium, high)".

Lowest first: this order is also the escalation scale (one step up is the next word)."""
CREATE_URGENCY = "medium"
"""The urgency of a created incident when the caller names no severity (the docs give no default):
the middle of the scale, so a one-step escalation still has somewhere to go."""
NOTE_MAX_LENGTH = 5000
"""Pinghome documents no limit on the description; this keeps one appended note reasonable."""
NAME_MAX_LENGTH = 255
"""Pinghome documents no maximum for a name; longer ones are refused before sending (a 255-character
column is the common limit, and the sandbox keeps it) rather than risked at the vendor."""
RESOLUTION_PREFIX = "Resolution: "

BODY_FIELDS = ("name", "description", "urgency", "assignees", "actions")
"""The documented fields of ``PUT /incident/{id}``: it replaces the incident, so each is always sent."""
VENDOR_FIELDS = ("actions",)
"""Body fields reachable only through ``vendor_fields``."""
ARGUMENT_FIELDS = {
    "name": "title",
    "description": "description",
    "urgency": "severity",
    "assignees": "assignees",
    "status": "status",
}


def checked_urgency(value: Any, field_name: str) -> str:
    return one_of(value, URGENCIES, field_name, "an urgency", NAME)


def assignee_objects(assignees: Sequence[str]) -> list[dict[str, str]]:
    """``"id"`` (a user) or ``"team:id"``/``"user:id"`` as Pinghome assignee objects."""
    result = []
    for assignee in assignees:
        kind, typed, ident = assignee.strip().partition(":")
        kind, ident = (kind.strip().lower(), ident) if typed else (DEFAULT_ASSIGNEE_TYPE, kind)
        if kind not in ASSIGNEE_TYPES:
            raise IncidentValidationError(
                "assignees",
                f"{assignee!r}: type {kind!r} is not one of {', '.join(ASSIGNEE_TYPES)} (write 'team:<id>' "
                "for a team, a plain id for a user)",
                vendor=NAME,
            )
        path_segment(ident, "assignees", NAME)
        result.append({"type": kind, "id": ident.strip()})
    return result


def _actions(value: Any) -> list[dict[str, Any]]:
    field = "vendor_fields.actions"
    if not isinstance(value, list):
        raise IncidentValidationError(field, "must be a list of action objects", vendor=NAME)
    for index, action in enumerate(value):
        if not isinstance(action, Mapping) or not isinstance(action.get("type"), str) or not action["type"]:
            raise IncidentValidationError(f"{field}[{index}]", "must be an object with a 'type'", vendor=NAME)
        settings = action.get("settings", [])
        if not isinstance(settings, list) or not all(isinstance(item, Mapping) for item in settings):
            raise IncidentValidationError(
                f"{field}[{index}].settings", "must be a list of objects", vendor=NAME
            )
    return [dict(action) for action in value]


def validate_vendor_fields(
    fields: Mapping[str, Any], arguments: Mapping[str, str | None] = ARGUMENT_FIELDS
) -> dict[str, Any]:
    """``vendor_fields`` as body fields; a key with its own argument (in ``arguments``) is refused."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=arguments,
        what="a Pinghome incident field",
    ):
        result[key] = _actions(value)
    return result


def validate_note(note: str, field_name: str = "note") -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    if len(note) > NOTE_MAX_LENGTH:
        raise IncidentValidationError(field_name, f"is longer than {NOTE_MAX_LENGTH} characters", vendor=NAME)


def checked_name(title: str) -> str:
    """The ``name`` body field of a title, checked."""
    return bounded_text(title, "title", NAME_MAX_LENGTH, NAME)


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """The body fields an update changes, checked without the incident or the network.

    ``note`` and ``resolution`` are not body fields: they are appended to the description.
    """
    changes: dict[str, Any] = {}
    if update.title is not None:
        changes["name"] = checked_name(update.title)
    if update.description is not None:
        changes["description"] = update.description
    if update.severity is not None:
        changes["urgency"] = checked_urgency(update.severity, "severity")
    if update.assignees is not None:
        changes["assignees"] = assignee_objects(update.assignees)
    if update.status is not None:
        changes["status"] = to_vendor_status(update.status)
    if update.note is not None:
        validate_note(update.note)
    if update.resolution is not None:
        if changes.get("status") != "resolved":
            raise IncidentValidationError(
                "resolution", "Pinghome takes a resolution only together with status resolved", vendor=NAME
            )
        validate_note(update.resolution, "resolution")
    if update.description is not None and (update.note is not None or update.resolution is not None):
        raise UnsupportedOperationError(
            "Pinghome stores notes in the description: give either description=... (replacing it) or "
            "note=.../resolution=... (appended to it), not both in one update"
        )
    changes.update(validate_vendor_fields(update.vendor_fields))
    return changes


def validate_escalation(escalation: Escalation) -> dict[str, Any]:
    """The body fields an escalation names (empty for one step), checked without the network."""
    if escalation.escalation_level is not None:
        raise UnsupportedOperationError(
            "Pinghome has no escalation levels (escalation_level): pass severity= (urgency "
            f"{', '.join(URGENCIES)}), assignees= to hand the incident on, or neither for one urgency "
            "step up"
        )
    changes: dict[str, Any] = {}
    if escalation.severity is not None:
        changes["urgency"] = checked_urgency(escalation.severity, "severity")
    if escalation.assignees is not None:
        changes["assignees"] = validate_assignees(escalation.assignees)
    if escalation.note is not None:
        validate_note(escalation.note)
    return changes


def lowers_urgency(target: str, data: Mapping[str, Any]) -> bool:
    """Whether ``target`` is below the incident's urgency: an escalation never lowers it."""
    current = str(data.get("urgency") or "").strip().lower()
    return current in URGENCIES and target in URGENCIES and URGENCIES.index(target) < URGENCIES.index(current)


def next_urgency(data: Mapping[str, Any]) -> str | None:
    """One step up :data:`URGENCIES` from the incident's urgency, as an absolute word; None at the top."""
    current = str(data.get("urgency") or "").strip().lower()
    if current not in URGENCIES:
        raise IncidentValidationError(
            "severity",
            f"the incident's urgency {current!r} is not on the scale {', '.join(URGENCIES)}, so one step "
            "up is unknown: pass severity= explicitly",
            vendor=NAME,
        )
    index = URGENCIES.index(current)
    return URGENCIES[index + 1] if index + 1 < len(URGENCIES) else None


def validate_assignees(assignees: Sequence[str]) -> list[dict[str, str]]:
    """Assignee objects for a reassignment: at least one, each a user id or ``team:<id>``."""
    if not assignees:
        raise IncidentValidationError("assignees", "must name at least one assignee", vendor=NAME)
    return assignee_objects(assignees)
