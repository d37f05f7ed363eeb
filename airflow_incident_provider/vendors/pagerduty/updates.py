"""Updating incidents: checking an ``IncidentUpdate``, the update body and request, and the bulk update
of many incidents' status in one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Incident, IncidentUpdate
from airflow_incident_provider.vendors.base import Request, Response, bounded_text, path_segment
from airflow_incident_provider.vendors.pagerduty.api import NAME, TITLE_MAX_LENGTH, incident_id_from_ref
from airflow_incident_provider.vendors.pagerduty.fields import validate_vendor_fields
from airflow_incident_provider.vendors.pagerduty.incidents import incident_from_json, to_vendor_status
from airflow_incident_provider.vendors.pagerduty.notes import validate_note
from airflow_incident_provider.vendors.pagerduty.severities import priority_reference, severity_field


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field PagerDuty cannot take.
    """
    if update.description is not None:
        raise UnsupportedOperationError(
            "PagerDuty incidents have no description field: pass the text as note=... to add it as an "
            "incident note"
        )
    if update.title is not None:
        validate_title(update.title)
    if update.status is not None:
        to_vendor_status(update.status)
    if update.note is not None:
        validate_note(update.note)
    if update.resolution is not None and (
        update.status is None or to_vendor_status(update.status) != "resolved"
    ):
        raise IncidentValidationError(
            "resolution", "PagerDuty uses a resolution only when the status is set to resolved", vendor=NAME
        )
    if update.assignees is not None:
        validate_assignees(update.assignees)
    fields = validate_vendor_fields(update.vendor_fields)
    check_one_severity(update.severity, fields)
    return fields


def validate_title(title: str) -> None:
    bounded_text(title, "title", TITLE_MAX_LENGTH, NAME)


def validate_assignees(assignees: Sequence[str]) -> None:
    """Assignees are PagerDuty user ids: at least one, each usable as an id."""
    if not assignees:
        raise IncidentValidationError("assignees", "must name at least one PagerDuty user id", vendor=NAME)
    for assignee in assignees:
        path_segment(assignee, "assignees", NAME)


def assignments(assignees: Sequence[str]) -> list[dict[str, Any]]:
    """``assignments`` for these user ids, each once, in the order given."""
    users = dict.fromkeys(user.strip() for user in assignees)
    return [{"assignee": {"id": user, "type": "user_reference"}} for user in users]


def check_one_severity(severity: str | None, fields: Mapping[str, Any]) -> None:
    if severity is None:
        return
    if not severity.strip():
        raise IncidentValidationError(
            "severity", "must be an urgency (low, high) or a priority name", vendor=NAME
        )
    if "urgency" in fields or "priority" in fields:
        raise IncidentValidationError(
            "severity", "give either severity or vendor_fields urgency/priority, not both", vendor=NAME
        )


def update_fields(
    update: IncidentUpdate, *, current: Incident | None, priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The ``incident`` body fields for an update, leaving out a status the incident already has."""
    fields = validate_update(update)
    body: dict[str, Any] = {}
    if update.title is not None:
        body["title"] = update.title
    if update.status is not None:
        status = to_vendor_status(update.status)
        if current is None or current.status != status:
            body["status"] = status
            if status == "resolved" and update.resolution:
                body["resolution"] = update.resolution
    if update.assignees is not None:
        body["assignments"] = assignments(update.assignees)
    if update.severity is not None:
        body.update(severity_field(update.severity, priorities))
    body.update(resolved_priority(fields, priorities))
    return body


def resolved_priority(
    fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The validated vendor fields with a priority given by name turned into its reference."""
    result = dict(fields)
    if isinstance(result.get("priority"), str):
        result["priority"] = priority_reference(
            result["priority"], priorities or (), "vendor_fields.priority"
        )
    return result


def build_update(ref: str, fields: Mapping[str, Any]) -> Request:
    """``PUT /incidents/{id}`` with the fields wrapped as PagerDuty expects."""
    return Request(
        "PUT",
        f"/incidents/{incident_id_from_ref(ref)}",
        json={"incident": {"type": "incident_reference", **fields}},
        write=True,
    )


BULK_LIMIT = 250
"""Incidents one ``PUT /incidents`` may update; PagerDuty answers 413 to more."""
BULK_STATUSES = ("acknowledged", "resolved")
"""The statuses the bulk transition moves incidents to (forward only; triggered would reopen)."""


def validate_bulk_status(status: str) -> str:
    """The PagerDuty status for a bulk transition: acknowledged or resolved (a word or phase)."""
    vendor_status = to_vendor_status(status)
    if vendor_status not in BULK_STATUSES:
        raise IncidentValidationError(
            "status", f"{status!r} is not one of {', '.join(BULK_STATUSES)}", vendor=NAME
        )
    return vendor_status


def build_bulk_update(items: Sequence[tuple[str, Mapping[str, Any]]]) -> Request:
    """``PUT /incidents`` updating each ``(id, fields)`` pair: 1 to :data:`BULK_LIMIT` incidents.

    The fields are absolute targets (a status, not a step), so sending the request twice is harmless.
    """
    if not items:
        raise IncidentValidationError("incidents", "must name at least one incident", vendor=NAME)
    if len(items) > BULK_LIMIT:
        raise IncidentValidationError(
            "incidents",
            f"PagerDuty updates at most {BULK_LIMIT} incidents per request (got {len(items)})",
            vendor=NAME,
        )
    incidents = []
    for ref, fields in items:
        path_segment(ref, "incident_id", NAME)  # the same checks as an id in a path
        incidents.append({"id": ref.strip(), "type": "incident_reference", **fields})
    return Request("PUT", "/incidents", json={"incidents": incidents}, write=True, idempotent=True)


def parse_bulk(response: Response, *, include_raw: bool = False) -> list[Incident]:
    """The ``{"incidents": [...]}`` body of ``PUT /incidents``: each incident after the update."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("incidents"), list):
        raise ValueError("PagerDuty response has no 'incidents' list")
    return [incident_from_json(item, include_raw=include_raw) for item in body["incidents"]]
