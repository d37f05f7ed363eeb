"""Updating an incident: checking an ``IncidentUpdate`` and ``vendor_fields``, the patch, resolve and
timeline-update requests, and a note's idempotency marker."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import uptimeio as connection
from airflow_incident_provider.idempotency import mark_hidden
from airflow_incident_provider.models import Incident, IncidentUpdate
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import Request, vendor_field_items
from airflow_incident_provider.vendors.uptimeio.api import NAME, Scope
from airflow_incident_provider.vendors.uptimeio.incidents import RESOLVED, to_vendor_status
from airflow_incident_provider.vendors.uptimeio.severities import severity

TITLE_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 5000
"""Incident ``message``, update ``message`` and resolve ``message`` are all 1-5000 characters."""

MARKER_STYLES = connection.NOTE_MARKERS
NOTE_MARKER = connection.NOTE_MARKER
"""How a note carries its idempotency key: ``hidden`` = a Markdown comment, ``none`` = no marker."""

VENDOR_FIELDS = ("affected_monitor_ids",)
"""``PATCH`` body fields reachable through ``vendor_fields`` (the others have their own argument)."""
_ARGUMENT_FIELDS = {"title": "title", "message": "description", "status": "status", "severity": "severity"}


def _text(value: Any, field_name: str, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    if len(value) > maximum:
        raise IncidentValidationError(
            field_name, f"must be 1 to {maximum} characters (got {len(value)})", vendor=NAME
        )
    return value


def validate_message(text: str, field_name: str) -> str:
    """A message of an update, a note or a resolution: 1 to 5000 characters."""
    return _text(text, field_name, MESSAGE_MAX_LENGTH)


def _monitor_ids(value: Any) -> list[str]:
    field_name = "vendor_fields.affected_monitor_ids"
    if not isinstance(value, list | tuple) or not value:
        raise IncidentValidationError(field_name, "must be a list of at least one monitor id", vendor=NAME)
    ids: list[str] = []
    for item in value:
        try:
            ids.append(str(uuid.UUID(item.strip())))
        except (AttributeError, ValueError):
            raise IncidentValidationError(
                field_name, f"{item!r} is not a monitor UUID", vendor=NAME
            ) from None
    return list(dict.fromkeys(ids))


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``vendor_fields`` checked against UptimeIO's ``PATCH`` body: only ``affected_monitor_ids``."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="an UptimeIO status-page incident field",
    ):
        result[key] = _monitor_ids(value)
    return result


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field UptimeIO cannot take.
    """
    if update.assignees is not None:
        raise pages.no_assignees(NAME)
    if update.title is not None:
        _text(update.title, "title", TITLE_MAX_LENGTH)
    if update.description is not None:
        validate_message(update.description, "description")
    if update.severity is not None:
        severity(update.severity)
    if update.status is not None:
        to_vendor_status(update.status)
    if update.resolution is not None:
        validate_message(update.resolution, "resolution")
        if update.status is None or to_vendor_status(update.status) != RESOLVED:
            raise IncidentValidationError(
                "resolution", "is the resolve message: give it together with status='resolved'", vendor=NAME
            )
    if update.note is not None:
        validate_message(update.note, "note")
    return validate_vendor_fields(update.vendor_fields)


def patch_body(
    update: IncidentUpdate, fields: Mapping[str, Any], *, current: Incident | None
) -> dict[str, Any]:
    """The ``PATCH`` body: what differs from ``current``; a move to resolved goes to the resolve endpoint."""
    body: dict[str, Any] = {}
    if update.title is not None and (current is None or current.title != update.title):
        body["title"] = update.title
    if update.description is not None:
        body["message"] = update.description
    if update.severity is not None:
        body["severity"] = severity(update.severity)
    if update.status is not None:
        status = to_vendor_status(update.status)
        if status != RESOLVED and (current is None or current.status != status):
            body["status"] = status
    body.update(fields)
    return body


def build_update(scope: Scope, body: Mapping[str, Any]) -> Request:
    """``PATCH .../incidents/{id}``: absolute values, so safe to send again."""
    return Request("PATCH", scope.path, json=dict(body), write=True)


def build_resolve(scope: Scope, message: str | None) -> Request:
    """``POST .../resolve``: it adds a public resolution update, so it is not resent blindly."""
    body = {} if message is None else {"message": validate_message(message, "resolution")}
    return Request("POST", f"{scope.path}/resolve", json=body, write=True, idempotent=False)


def note_content(text: str, idempotency_key: str | None, marker_style: str) -> str:
    """The message posted for a note: the marker in a Markdown comment, so readers never see it."""
    validate_message(text, "note")
    content = mark_hidden(text, idempotency_key) if idempotency_key and marker_style == "hidden" else text
    if len(content) > MESSAGE_MAX_LENGTH:
        raise IncidentValidationError(
            "note",
            f"is {len(content)} characters with its idempotency marker; UptimeIO takes at most "
            f"{MESSAGE_MAX_LENGTH}",
            vendor=NAME,
        )
    return content


def build_add_update(scope: Scope, message: str, status: str) -> Request:
    """``POST .../updates`` with both required fields; not idempotent, so marked and checked first."""
    body = {"message": validate_message(message, "note"), "status": to_vendor_status(status)}
    return Request("POST", f"{scope.path}/updates", json=body, write=True, idempotent=False)
