"""The incident fields ``vendor_fields`` may set on an update or a create, checked in the spec's shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.vendors.base import vendor_field_items
from airflow_incident_provider.vendors.pagerduty.api import NAME
from airflow_incident_provider.vendors.pagerduty.severities import checked_urgency

VENDOR_FIELDS = (
    "priority",
    "escalation_policy",
    "escalation_level",
    "conference_bridge",
    "incident_type",
    "service",
    "urgency",
)
"""Body fields of ``PUT /incidents/{id}`` reachable through ``vendor_fields``."""
_ARGUMENT_FIELDS = {
    "title": "title",
    "status": "status",
    "assignments": "assignees",
    "resolution": "resolution",
    "type": None,
}
CREATE_VENDOR_FIELDS = (
    "service",
    "priority",
    "urgency",
    "escalation_policy",
    "incident_type",
    "conference_bridge",
)
"""Body fields of ``POST /incidents`` reachable through ``vendor_fields`` (``service`` is required)."""
CREATE_ARGUMENT_FIELDS = {
    "title": "title",
    "body": "description",
    "incident_key": "dedup_key",
    "assignments": "assignees",
    "type": None,
}


class _Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    type: str


class _ConferenceBridge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conference_number: str | None = None
    conference_url: str | None = Field(default=None, pattern=r"^https?://")


class _IncidentType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)


def reference_object(value: Any, field_name: str, ref_type: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {"id": value, "type": ref_type}
    try:
        ref = _Reference.model_validate(value)
    except ValidationError as exc:
        raise IncidentValidationError(
            f"vendor_fields.{field_name}",
            f"must be an id string or {{'id': ..., 'type': '{ref_type}'}} ({_first_error(exc)})",
            vendor=NAME,
        ) from None
    if ref.type != ref_type:
        raise IncidentValidationError(
            f"vendor_fields.{field_name}", f"type must be '{ref_type}'", vendor=NAME
        )
    return ref.model_dump()


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def validate_vendor_fields(
    fields: Mapping[str, Any],
    *,
    allowed: Sequence[str] = VENDOR_FIELDS,
    arguments: Mapping[str, str | None] = _ARGUMENT_FIELDS,
) -> dict[str, Any]:
    """Check ``vendor_fields`` against PagerDuty's update body (or, with the create tables, its create
    body) and return them in the spec's shapes.

    ``priority`` may be a priority id (``{"id": ..., "type": "priority_reference"}``) or a name, which
    is looked up later; ids of services and escalation policies may be given as plain strings.
    """
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=allowed,
        arguments=arguments,
        what="a PagerDuty incident field",
    ):
        if key == "priority":
            if isinstance(value, str):
                result[key] = value
            else:
                result[key] = reference_object(value, key, "priority_reference")
        elif key == "escalation_policy":
            result[key] = reference_object(value, key, "escalation_policy_reference")
        elif key == "service":
            result[key] = reference_object(value, key, "service_reference")
        elif key == "escalation_level":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IncidentValidationError(f"vendor_fields.{key}", "must be an integer >= 1", vendor=NAME)
            result[key] = value
        elif key == "urgency":
            result[key] = checked_urgency(value, f"vendor_fields.{key}")
        elif key == "conference_bridge":
            try:
                result[key] = _ConferenceBridge.model_validate(value).model_dump(exclude_none=True)
            except ValidationError as exc:
                raise IncidentValidationError(
                    f"vendor_fields.{key}", _first_error(exc), vendor=NAME
                ) from None
        elif key == "incident_type":
            value = {"name": value} if isinstance(value, str) else value
            try:
                result[key] = _IncidentType.model_validate(value).model_dump()
            except ValidationError as exc:
                raise IncidentValidationError(
                    f"vendor_fields.{key}", _first_error(exc), vendor=NAME
                ) from None
    return result
