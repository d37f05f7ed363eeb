"""The incident attributes ``vendor_fields`` may set, and how each value is checked before a request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.vendors.base import vendor_field_items
from airflow_incident_provider.vendors.rootly.api import NAME, iso_time
from airflow_incident_provider.vendors.rootly.lifecycle import KINDS

VENDOR_FIELDS: Mapping[str, str] = {
    "kind": "kind",
    "parent_incident_id": "string",
    "duplicate_incident_id": "string",
    "private": "boolean",
    "public_title": "string",
    "alert_ids": "ids",
    "environment_ids": "ids",
    "incident_type_ids": "ids",
    "service_ids": "ids",
    "functionality_ids": "ids",
    "muted_service_ids": "ids",
    "group_ids": "ids",
    "cause_ids": "ids",
    "labels": "labels",
    "slack_channel_id": "string",
    "slack_channel_name": "string",
    "slack_channel_url": "string",
    "slack_channel_archived": "boolean",
    "google_drive_parent_id": "string",
    "google_drive_url": "string",
    "jira_issue_key": "string",
    "jira_issue_id": "string",
    "jira_issue_url": "string",
    "scheduled_for": "datetime",
    "scheduled_until": "datetime",
    "in_triage_at": "datetime",
    "started_at": "datetime",
    "detected_at": "datetime",
    "acknowledged_at": "datetime",
    "mitigated_at": "datetime",
    "resolved_at": "datetime",
    "closed_at": "datetime",
    "cancelled_at": "datetime",
    "mitigation_message": "string",
    "resolution_message": "string",
    "cancellation_message": "string",
}
"""Attributes of ``PUT /v1/incidents/{id}`` reachable through ``vendor_fields``, each with the type of
value it takes; the spec makes every one nullable, so ``None`` clears it (but see ``NOT_NULLABLE``)."""
NOT_NULLABLE = frozenset({"kind"})
"""Attributes whose spec schema is an enum without null: OpenAPI 3.0 validators refuse null there."""
ARGUMENT_FIELDS: Mapping[str, str] = {
    "title": "title",
    "summary": "description",
    "status": "status",
    "severity_id": "severity",
}


def _datetime(value: Any, field_name: str) -> str:
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, str):
        try:
            return iso_time(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise IncidentValidationError(field_name, f"{value!r} is not an ISO 8601 date-time", vendor=NAME)


def vendor_value(key: str, kind: str, value: Any) -> Any:
    field_name = f"vendor_fields.{key}"
    if value is None and key not in NOT_NULLABLE:
        return None
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "kind" and isinstance(value, str) and value.strip().lower() in KINDS:
        return value.strip().lower()
    if kind == "datetime":
        return _datetime(value, field_name)
    if (
        kind == "ids"
        and isinstance(value, list | tuple)
        and all(isinstance(item, str) and item.strip() for item in value)
    ):
        return [item.strip() for item in value]
    if (
        kind == "labels"
        and isinstance(value, Mapping)
        and all(isinstance(k, str) and k and isinstance(v, str) for k, v in value.items())
    ):
        return dict(value)
    expected = {
        "string": "a string",
        "boolean": "true or false",
        "kind": f"one of {', '.join(KINDS)}",
        "ids": "a list of non-empty id strings",
        "labels": "a dict of string keys to string values",
    }[kind]
    nullable = "" if key in NOT_NULLABLE else " or None"
    raise IncidentValidationError(
        field_name, f"must be {expected}{nullable} (got {value!r:.80})", vendor=NAME
    )


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``vendor_fields`` against the attributes of ``PUT /v1/incidents/{id}``; return them as sent."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=ARGUMENT_FIELDS,
        what="a Rootly incident attribute",
    ):
        result[key] = vendor_value(key, VENDOR_FIELDS[key], value)
    started, mitigated = result.get("started_at"), result.get("mitigated_at")
    if started and mitigated and datetime.fromisoformat(mitigated) < datetime.fromisoformat(started):
        raise IncidentValidationError(
            "vendor_fields.mitigated_at", "Rootly requires mitigated_at >= started_at", vendor=NAME
        )
    return result
