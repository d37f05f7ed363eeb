"""Creating an incident: checking an ``IncidentCreate``, its body, and finding a retried create by its
``incident_key``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, VendorError
from airflow_incident_provider.models import Incident, IncidentCreate
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.pagerduty.api import INCIDENT_KEY_MAX_LENGTH, NAME
from airflow_incident_provider.vendors.pagerduty.fields import (
    CREATE_ARGUMENT_FIELDS,
    CREATE_VENDOR_FIELDS,
    reference_object,
    validate_vendor_fields,
)
from airflow_incident_provider.vendors.pagerduty.incidents import parse_list
from airflow_incident_provider.vendors.pagerduty.severities import severity_field
from airflow_incident_provider.vendors.pagerduty.updates import (
    assignments,
    check_one_severity,
    resolved_priority,
    validate_assignees,
    validate_title,
)


def validate_create(create: IncidentCreate, *, default_service: str | None) -> dict[str, Any]:
    """Everything about a create that can be checked without the network; the vendor fields in the
    spec's shapes, ``service`` always among them.

    PagerDuty requires a service: ``vendor_fields["service"]``, else the connection's
    ``default_service_id``. Assignments and an escalation policy exclude each other (the spec says so).
    """
    validate_title(create.title)
    if create.assignees is not None:
        validate_assignees(create.assignees)
    if create.dedup_key is not None and not (0 < len(create.dedup_key.strip()) <= INCIDENT_KEY_MAX_LENGTH):
        raise IncidentValidationError(
            "dedup_key", f"must be 1 to {INCIDENT_KEY_MAX_LENGTH} characters", vendor=NAME
        )
    if create.description is not None and not create.description.strip():
        raise IncidentValidationError("description", "must be non-empty text when given", vendor=NAME)
    fields = validate_vendor_fields(
        create.vendor_fields, allowed=CREATE_VENDOR_FIELDS, arguments=CREATE_ARGUMENT_FIELDS
    )
    check_one_severity(create.severity, fields)
    if "service" not in fields:
        if not default_service:
            raise IncidentValidationError(
                "vendor_fields.service",
                "PagerDuty creates an incident on a service: pass vendor_fields={'service': '<id>'} or "
                "set default_service_id in the connection",
                vendor=NAME,
            )
        fields["service"] = reference_object(str(default_service), "service", "service_reference")
    if create.assignees is not None and "escalation_policy" in fields:
        raise IncidentValidationError(
            "assignees",
            "PagerDuty takes assignees or vendor_fields.escalation_policy on create, not both",
            vendor=NAME,
        )
    return fields


def create_body(
    create: IncidentCreate, fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The ``incident`` object of ``POST /incidents``; ``fields`` come from :func:`validate_create`.

    The description goes in ``body.details`` as text, as PagerDuty's own example and web UI do (the
    spec's schema calls ``details`` an object); the dedup key is the ``incident_key``.
    """
    body: dict[str, Any] = {"type": "incident", "title": create.title}
    if create.severity is not None:
        body.update(severity_field(create.severity, priorities))
    body.update(resolved_priority(fields, priorities))
    if create.description is not None:
        body["body"] = {"type": "incident_body", "details": create.description}
    if create.dedup_key is not None:
        body["incident_key"] = create.dedup_key.strip()
    if create.assignees is not None:
        body["assignments"] = assignments(create.assignees)
    return body


def build_create(body: Mapping[str, Any]) -> Request:
    """``POST /incidents``; not idempotent, so callers look for the ``incident_key`` before a retry."""
    return Request("POST", "/incidents", json={"incident": dict(body)}, write=True, idempotent=False)


def build_find_by_key(incident_key: str, service_id: str) -> Request:
    """The newest incident of the service carrying ``incident_key``, in any status and of any age.

    PagerDuty scopes an ``incident_key`` to its service, so the search is scoped the same way.
    """
    params = (
        ("incident_key", incident_key),
        ("service_ids[]", service_id),
        ("date_range", "all"),
        ("sort_by", "created_at:desc"),
        ("limit", "1"),
    )
    return Request("GET", "/incidents", params=params)


def parse_found(response: Response, *, include_raw: bool = False) -> Incident | None:
    """The incident :func:`build_find_by_key` found, or None."""
    incidents, _more = parse_list(response, include_raw=include_raw)
    return incidents[0] if incidents else None


def is_duplicate_key(error: VendorError) -> bool:
    """Whether PagerDuty refused a create because an open incident already has its ``incident_key``.

    It answers 400, code 2001, with a message saying the incident "already exists".
    """
    words = " ".join((error.vendor_message or "", *error.details)).lower()
    return error.status_code == 400 and error.code == "2001" and "already exists" in words
