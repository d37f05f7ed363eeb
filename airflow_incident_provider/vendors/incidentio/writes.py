"""Writing to incident.io: the edit action (absolute values), create with the API's own idempotency
key, role assignments, and the refusals of what the API does not offer (notes, lifecycle moves)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate
from airflow_incident_provider.vendors.base import Request, vendor_field_items
from airflow_incident_provider.vendors.incidentio.api import NAME, incident_path
from airflow_incident_provider.vendors.incidentio.incidents import holder_matches, severity_id, status_id

VENDOR_FIELDS = (
    "incident_status_id",
    "call_url",
    "slack_channel_name_override",
    "custom_field_entries",
    "incident_timestamp_values",
)
"""Edit payload fields ``vendor_fields`` may set (``IncidentEditPayloadV2``); a status is given by the
id or name of one of the account's live statuses."""
CREATE_VENDOR_FIELDS = (*VENDOR_FIELDS[1:], "incident_status_id", "incident_type_id", "mode", "slack_team_id")
LIST_FIELDS = ("custom_field_entries", "incident_timestamp_values")
"""Fields that take a list of objects; every other vendor field takes a string."""
ARGUMENT_FIELDS: Mapping[str, str | None] = {
    "name": "title",
    "summary": "description",
    "severity_id": "severity",
    "incident_role_assignments": "assignees",
    "idempotency_key": None,
    "visibility": None,
}
MODES = ("standard", "retrospective", "test", "tutorial")


def notes_unsupported() -> UnsupportedOperationError:
    return UnsupportedOperationError(
        "incident.io's API has no endpoint to post an incident update or note (GET /v2/incident_updates "
        "only lists them): put the text in the incident's summary with "
        "UpdateIncidentOperator(description=...), or post it in the incident's Slack channel"
    )


def lifecycle_unsupported(what: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"incident.io's API moves an incident only between live (active) statuses; {what} it in the "
        "incident.io app or Slack (e.g. /inc resolve), or with an incident.io workflow"
    )


def validate_vendor_fields(
    fields: Mapping[str, Any], allowed: tuple[str, ...] = VENDOR_FIELDS
) -> dict[str, Any]:
    """``vendor_fields`` checked against the payload's fields, before any request."""
    items = vendor_field_items(
        fields, vendor=NAME, allowed=allowed, arguments=ARGUMENT_FIELDS, what="an incident.io incident field"
    )
    checked = dict(items)
    for key, value in checked.items():
        if key in LIST_FIELDS:
            if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
                raise IncidentValidationError(
                    f"vendor_fields.{key}", "must be a list of objects", vendor=NAME
                )
        elif not isinstance(value, str) or not value.strip():
            raise IncidentValidationError(f"vendor_fields.{key}", "must be a non-empty string", vendor=NAME)
    mode = checked.get("mode")
    if mode is not None and mode not in MODES:
        raise IncidentValidationError("vendor_fields.mode", f"must be one of {', '.join(MODES)}", vendor=NAME)
    return checked


def _text(value: str | None, field_name: str) -> str | None:
    if value is not None and not value.strip():
        raise IncidentValidationError(field_name, "must not be blank", vendor=NAME)
    return value


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything an update asks checked before any request; the edit payload fields it sets directly."""
    if update.note is not None or update.resolution is not None:
        raise notes_unsupported()
    fields = validate_vendor_fields(update.vendor_fields)
    payload: dict[str, Any] = {k: v for k, v in fields.items() if k != "incident_status_id"}
    if _text(update.title, "title") is not None:
        payload["name"] = update.title
    if update.description is not None:
        payload["summary"] = update.description
    return payload


def assignee_ref(user: str) -> dict[str, str]:
    """A user as the API takes one: an email (it has an ``@``) or an incident.io user id."""
    text = user.strip()
    if not text or any(ord(char) < 32 for char in text):
        raise IncidentValidationError("assignees", f"{user!r} is not a user id or email", vendor=NAME)
    return {"email": text} if "@" in text else {"id": text}


def role_assignment(role_id: str, assignees: tuple[str, ...]) -> dict[str, Any]:
    """One role's assignment: incident.io roles hold one person each; none clears the role."""
    if len(assignees) > 1:
        raise IncidentValidationError(
            "assignees",
            f"an incident.io incident role holds one person; got {len(assignees)} ({', '.join(assignees)})",
            vendor=NAME,
        )
    assignment: dict[str, Any] = {"incident_role_id": role_id}
    if assignees:
        assignment["assignee"] = assignee_ref(assignees[0])
    return assignment


def build_edit(ref: str, incident: Mapping[str, Any], *, notify: bool) -> Request:
    """``POST .../actions/edit``: absolute values, sent once (a lost answer is settled by reading back,
    so an incident channel told about the change is never told twice)."""
    body = {"incident": dict(incident), "notify_incident_channel": notify}
    return Request("POST", f"{incident_path(ref)}/actions/edit", json=body, write=True, idempotent=False)


def edit_landed(current: Mapping[str, Any], edit: Mapping[str, Any]) -> bool:
    """Whether the incident, as read now, already shows every value ``edit`` sets (those it can show)."""
    checks = {
        "name": lambda value: current.get("name") == value,
        "summary": lambda value: current.get("summary") == value,
        "call_url": lambda value: current.get("call_url") == value,
        "severity_id": lambda value: severity_id(current) == value,
        "incident_status_id": lambda value: status_id(current) == value,
    }
    for key, value in edit.items():
        if key == "incident_role_assignments":
            for assignment in value:
                user = assignment.get("assignee") or {}
                wanted = user.get("id") or user.get("email")
                if wanted and not holder_matches(current, assignment["incident_role_id"], wanted):
                    return False
        elif key not in checks or not checks[key](value):
            return False
    return True


def validate_create(create: IncidentCreate) -> dict[str, Any]:
    """The create payload's own fields, checked before any request (severity and roles come later)."""
    fields = validate_vendor_fields(create.vendor_fields, CREATE_VENDOR_FIELDS)
    payload: dict[str, Any] = {"name": _text(create.title, "title"), **fields}
    if create.description is not None:
        payload["summary"] = create.description
    if create.dedup_key is not None and not (0 < len(create.dedup_key.strip()) <= 255):
        raise IncidentValidationError("dedup_key", "must be 1 to 255 characters", vendor=NAME)
    return payload


def build_create(payload: Mapping[str, Any], idempotency_key: str, visibility: str) -> Request:
    """``POST /v2/incidents`` with the API's ``idempotency_key``: the same key never opens a second
    incident, so a lost answer may be resent as is."""
    body = {**payload, "idempotency_key": idempotency_key, "visibility": visibility}
    return Request("POST", "/v2/incidents", json=body, write=True, idempotent=False)
