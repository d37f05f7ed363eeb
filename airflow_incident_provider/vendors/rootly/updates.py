"""Updating an incident: checking an ``IncidentUpdate``, planning its lifecycle transitions, and the
update, transition and timeline-event requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import mark, mark_hidden
from airflow_incident_provider.models import FromTriage, Incident, IncidentUpdate
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    NAME,
    incident_path,
    jsonapi_document,
    next_page,
    paging_params,
    resources_of,
)
from airflow_incident_provider.vendors.rootly.fields import validate_vendor_fields
from airflow_incident_provider.vendors.rootly.lifecycle import (
    MAINTENANCE_STATUSES,
    MESSAGE_ATTRIBUTES,
    RESTART,
    RESTARTED_STATUS,
    TERMINAL_STATUSES,
    TRIAGE,
    Transition,
    to_vendor_status,
    transition_to,
)


def validate_note(note: str) -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError("note", "must be non-empty text", vendor=NAME)


def validate_message(message: str | None, field_name: str) -> None:
    if message is not None and not isinstance(message, str):
        raise IncidentValidationError(field_name, "must be text", vendor=NAME)


_MESSAGE_TARGETS = ("resolved", "closed", "cancelled", "mitigated")


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field Rootly cannot take.
    """
    if update.assignees is not None:
        raise UnsupportedOperationError(
            "Rootly incidents have no assignee field: responders hold incident roles "
            "(POST /v1/incidents/{id}/assign_role_to_user); use ReassignIncidentOperator "
            "(hook.reassign_incident), which fills the connection's assignee_role, the incident "
            "commander by default"
        )
    if update.title is not None and not update.title.strip():
        raise IncidentValidationError("title", "must not be empty", vendor=NAME)
    if update.status is not None:
        target = to_vendor_status(update.status)
        if update.resolution is not None and target not in _MESSAGE_TARGETS:
            raise IncidentValidationError(
                "resolution",
                f"Rootly takes a message only when the status becomes {', '.join(_MESSAGE_TARGETS)}",
                vendor=NAME,
            )
    elif update.resolution is not None:
        raise IncidentValidationError(
            "resolution", "give a status (resolved, closed, cancelled or mitigated) with it", vendor=NAME
        )
    validate_message(update.resolution, "resolution")
    if update.severity is not None and not update.severity.strip():
        raise IncidentValidationError("severity", "must be a severity id, slug or name", vendor=NAME)
    if update.note is not None:
        validate_note(update.note)
    return validate_vendor_fields(update.vendor_fields)


def update_attributes(
    update: IncidentUpdate, fields: Mapping[str, Any], *, severity: str | None, current: Incident | None
) -> dict[str, Any]:
    """The attributes for ``PUT /v1/incidents/{id}`` (status aside), leaving out a title already set."""
    attributes: dict[str, Any] = {}
    if update.title is not None and (current is None or current.title != update.title):
        attributes["title"] = update.title
    if update.description is not None:
        attributes["summary"] = update.description
    if severity is not None:
        attributes["severity_id"] = severity
    attributes.update(fields)
    return attributes


def transition_plan(
    current: str, target: str, *, allow_reopen: bool, from_triage: FromTriage
) -> list[Transition]:
    """The requests that move an incident from ``current`` to ``target`` status, in order.

    Rootly refuses in_triage -> resolved (the incident is started first, cancelled, or the call fails,
    per ``from_triage``); resolved, closed and cancelled are final unless restarted, which needs
    ``allow_reopen``; closed comes only after resolved.
    """
    if current == target:
        return []
    if current in MAINTENANCE_STATUSES:
        raise UnsupportedOperationError(
            f"the incident is scheduled maintenance ({current}); its statuses (scheduled, in_progress, "
            "completed) are only read by this provider: change it in Rootly"
        )
    if current in TERMINAL_STATUSES:
        if current == "resolved" and target == "closed":
            return [transition_to("closed")]
        if target == "resolved":
            return []  # closed and cancelled are already past resolved
        if not allow_reopen:
            raise IncidentValidationError(
                "status",
                f"{target!r} would reopen an incident that is {current}; pass allow_reopen=True to restart "
                "it (PUT /v1/incidents/{id}/restart) on purpose",
                vendor=NAME,
            )
        return [
            RESTART,
            *transition_plan(RESTARTED_STATUS, target, allow_reopen=False, from_triage=from_triage),
        ]
    if target == "resolved":
        if current != TRIAGE:
            return [transition_to("resolved")]
        if from_triage == "fail":
            raise IncidentValidationError(
                "from_triage",
                "the incident is in_triage and Rootly refuses in_triage -> resolved; use from_triage='start' "
                "(start it, then resolve) or 'cancel' (cancel it with the resolution as the reason)",
                vendor=NAME,
            )
        if from_triage == "cancel":
            return [transition_to("cancelled")]
        return [transition_to("started"), transition_to("resolved")]
    if target == "closed":
        plan = transition_plan(current, "resolved", allow_reopen=allow_reopen, from_triage=from_triage)
        if plan[-1].status != "resolved":
            raise IncidentValidationError(
                "from_triage",
                "'cancel' cannot close an incident: only a resolved incident is closed",
                vendor=NAME,
            )
        return [*plan, transition_to("closed")]
    return [transition_to(target)]


def build_update(ref: str, attributes: Mapping[str, Any]) -> Request:
    """``PUT /v1/incidents/{id}`` with the attributes in a JSON:API document."""
    return Request("PUT", incident_path(ref), json=jsonapi_document("incidents", attributes), write=True)


def build_transition(ref: str, transition: Transition, message: str | None = None) -> Request:
    """The request of one transition: its endpoint with its message attribute, or a ``PUT`` of status."""
    if transition.by_status_put:
        return build_update(ref, {"status": transition.status})
    attributes: dict[str, Any] | None = {}
    if transition.action == "in_triage":
        attributes = None  # the spec's in_triage body has no attributes
    elif transition.action in MESSAGE_ATTRIBUTES and message is not None:
        attributes = {MESSAGE_ATTRIBUTES[transition.action]: message}
    return Request(
        "PUT",
        incident_path(ref, f"/{transition.action}"),
        json=jsonapi_document("incidents", attributes),
        write=True,
    )


def event_text(text: str, idempotency_key: str | None, *, public: bool) -> str:
    """The event with its idempotency marker: visible on internal events, hidden in external ones."""
    if not idempotency_key:
        return text
    return mark_hidden(text, idempotency_key) if public else mark(text, idempotency_key)


def build_event(ref: str, text: str, *, public: bool) -> Request:
    """``POST /v1/incidents/{id}/events``: internal unless ``public``; not idempotent, so marked."""
    validate_note(text)
    attributes = {"event": text, "visibility": "external" if public else "internal"}
    return Request(
        "POST",
        incident_path(ref, "/events"),
        json=jsonapi_document("incident_events", attributes),
        write=True,
        idempotent=False,
    )


def build_list_events(ref: str, page: int) -> Request:
    return Request("GET", incident_path(ref, "/events"), params=paging_params(page, LIST_PAGE_SIZE))


def parse_events(response: Response) -> tuple[list[str], int | None]:
    """The text of each event on the page and the next page number."""
    events = []
    for item in resources_of(response):
        attributes = item.get("attributes")
        if isinstance(attributes, Mapping):
            events.append(str(attributes.get("event") or ""))
    return events, next_page(response)
