"""Updating an incident: the plan of an ``IncidentUpdate`` (fields, status, a public timeline message),
its requests, and the escalation's absolute impact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Incident, IncidentUpdate
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.devhelm.api import NAME, IncidentRef
from airflow_incident_provider.vendors.devhelm.fields import (
    STATUS_MESSAGES,
    join_message,
    to_impact,
    validate_message,
    validate_title,
    validate_vendor_fields,
)
from airflow_incident_provider.vendors.devhelm.incidents import to_vendor_status, wire_status


@dataclass(frozen=True)
class UpdatePlan:
    """An update checked in full: the PUT body, the target status, and the texts of its customer message."""

    fields: Mapping[str, Any]
    status: str | None
    note: str | None
    resolution: str | None

    @property
    def posts(self) -> bool:
        """Whether the update may post a timeline update (a customer message)."""
        return self.status is not None or self.note is not None

    def message(self, status_changes: bool) -> str | None:
        """The message body: with a status change, the resolution and note (or the status's default text);
        without one, the note alone (a resolution only accompanies a change to resolved)."""
        if not status_changes:
            return self.note
        assert self.status is not None
        return join_message(self.resolution, self.note) or STATUS_MESSAGES[self.status]


def plan_update(update: IncidentUpdate) -> UpdatePlan:
    """Everything about an update that can be checked without the incident or the network.

    Raises before any request for a field DevHelm cannot take, naming what to use instead.
    """
    if update.description is not None:
        raise UnsupportedOperationError(
            "DevHelm status-page incidents have no description field: pass the text as note=... "
            "(a public timeline update, with public=True), or as vendor_fields={'postmortemBody': ...} "
            "for a postmortem"
        )
    if update.assignees is not None:
        raise pages.no_assignees(NAME)
    fields: dict[str, Any] = {}
    if update.title is not None:
        fields["title"] = validate_title(update.title)
    status = to_vendor_status(update.status) if update.status is not None else None
    if update.severity is not None:
        fields["impact"] = to_impact(update.severity)
    if update.note is not None:
        validate_message(update.note, "note")
    if update.resolution is not None:
        if status != "resolved":
            raise IncidentValidationError(
                "resolution", "DevHelm uses a resolution only when the status is set to resolved", vendor=NAME
            )
        validate_message(update.resolution, "resolution")
    fields.update(validate_vendor_fields(update.vendor_fields))
    return UpdatePlan(fields=fields, status=status, note=update.note, resolution=update.resolution)


def unchanged_fields(fields: Mapping[str, Any], current: Incident) -> set[str]:
    """The PUT fields the incident already has (only title and impact can be compared)."""
    same = set()
    if "title" in fields and fields["title"] == current.title:
        same.add("title")
    if "impact" in fields and current.severity is not None and fields["impact"].lower() == current.severity:
        same.add("impact")
    return same


def build_update(ref: IncidentRef, fields: Mapping[str, Any]) -> Request:
    """``PUT .../incidents/{incidentId}`` with only the named fields (DevHelm's null preserves the rest)."""
    return Request("PUT", ref.path, json=dict(fields), write=True)


def build_status(ref: IncidentRef, status: str) -> Request:
    """A PUT that sets only the status: used when a timeline update did not move it."""
    return build_update(ref, {"status": wire_status(status)})


def build_timeline_update(ref: IncidentRef, *, status: str, body: str, notify_subscribers: bool) -> Request:
    """``POST .../updates``: a customer message at ``status``; not idempotent, so it carries a marker.

    ``notifySubscribers`` is always sent: DevHelm's default is to email every subscriber.
    """
    return Request(
        "POST",
        f"{ref.path}/updates",
        json={
            "status": wire_status(status),
            "body": validate_message(body, "note"),
            "notifySubscribers": bool(notify_subscribers),
        },
        write=True,
        idempotent=False,
    )


def build_escalation(ref: IncidentRef, impact: str) -> Request:
    """The PUT of one absolute impact: idempotent, so a retry can never escalate twice."""
    return build_update(ref, {"impact": to_impact(impact)})
