"""Writing: what an update, a create or an escalation may carry (checked before any request), and the
one ``PATCH`` or ``POST`` body each becomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import (
    Request,
    bounded_text,
    one_of,
    path_segment,
    vendor_field_items,
)
from airflow_incident_provider.vendors.statuspage.api import NAME, IncidentRef, page_path
from airflow_incident_provider.vendors.statuspage.incidents import (
    KEPT_KEYS,
    METADATA_KEY,
    Read,
    to_vendor_status,
)

IMPACTS = pages.IMPACTS
"""``impact_override`` values, lowest first."""
COMPONENT_STATUSES = pages.COMPONENT_STATUSES
NAME_MAX_LENGTH = 255
BODY_MAX_LENGTH = 25000
"""The spec's limits, stated in the descriptions of ``incident[name]`` and ``incident[body]``."""
VENDOR_FIELDS = ("components", "component_ids")
"""``components`` (component id -> its status) and ``component_ids`` (the affected components)."""
_ARGUMENT_FIELDS = {
    "name": "title",
    "status": "status",
    "impact_override": "severity",
    "body": "note",
    "deliver_notifications": "notify_subscribers",
    "metadata": None,
}


def impact(value: object, field_name: str = "severity") -> str:
    """An ``impact_override`` for a severity in any case."""
    return one_of(value, IMPACTS, field_name, "an impact", NAME)


def message(**parts: str | None) -> str | None:
    """The texts given, each checked under its own name, as one customer message (``incident[body]``)."""
    given = {
        name: bounded_text(text, name, BODY_MAX_LENGTH, NAME).strip()
        for name, text in parts.items()
        if text is not None
    }
    if not given:
        return None
    return bounded_text("\n\n".join(given.values()), " and ".join(given), BODY_MAX_LENGTH, NAME)


def _id(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise IncidentValidationError(
            where, f"must be a component id string, got {type(value).__name__}", vendor=NAME
        )
    path_segment(value, where, NAME)
    return value.strip()


def _components(value: Any) -> dict[str, str]:
    where = "vendor_fields.components"
    if not isinstance(value, Mapping) or not value:
        raise IncidentValidationError(where, "must map component ids to component statuses", vendor=NAME)
    result: dict[str, str] = {}
    for component, status in value.items():
        component = _id(component, f"{where} (component id)")
        if not isinstance(status, str) or status not in COMPONENT_STATUSES:
            raise IncidentValidationError(
                f"{where}.{component}", f"allowed: {', '.join(COMPONENT_STATUSES)}", vendor=NAME
            )
        result[component] = status
    return result


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``vendor_fields``: ``components`` and ``component_ids``, in the spec's shapes."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="a Statuspage incident field",
    ):
        if key == "components":
            result[key] = _components(value)
        elif not isinstance(value, list | tuple) or not value:
            raise IncidentValidationError(
                f"vendor_fields.{key}", "must be a list of component ids", vendor=NAME
            )
        else:
            result[key] = list(dict.fromkeys(_id(item, f"vendor_fields.{key}") for item in value))
    return result


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything an update can be checked for without the incident; the fields of its body."""
    if update.description is not None:
        raise UnsupportedOperationError(
            f"{NAME}: Statuspage incidents have no description: pass the text as note=... (the customer "
            "message, incident[body], with public=True)"
        )
    if update.assignees is not None:
        raise pages.no_assignees(NAME)
    fields = validate_vendor_fields(update.vendor_fields)
    if update.title is not None:
        fields["name"] = bounded_text(update.title, "title", NAME_MAX_LENGTH, NAME)
    if update.severity is not None:
        fields["impact_override"] = impact(update.severity)
    status = to_vendor_status(update.status) if update.status is not None else None
    if update.resolution is not None and status not in ("resolved", "completed"):
        raise IncidentValidationError(
            "resolution",
            "is the closing message: give it with status='resolved' (or 'completed')",
            vendor=NAME,
        )
    message(resolution=update.resolution, note=update.note)
    return fields


def with_key(current: Read | None, key: str | None) -> dict[str, Any]:
    """The ``metadata`` that records ``key`` (the incident's own metadata kept): nothing without a key."""
    if key is None:
        return {}
    kept = [*(current.keys if current is not None else ()), key][-KEPT_KEYS:]
    metadata = dict(current.metadata) if current is not None else {}
    return {"metadata": {**metadata, METADATA_KEY: {"writes": kept}}}


def build_update(ref: IncidentRef, fields: Mapping[str, Any], *, notify: bool, idempotent: bool) -> Request:
    """``PATCH .../incidents/{id}``; ``deliver_notifications`` always sent (Statuspage defaults to true).

    A write that posts an incident update (a status change or a body) is not idempotent."""
    body = {"incident": {**fields, "deliver_notifications": notify}}
    return Request("PATCH", ref.path, json=body, write=True, idempotent=idempotent)


def build_create(page_id: str, create: IncidentCreate, key: str | None, *, notify: bool) -> Request:
    """``POST /pages/{page_id}/incidents``: a realtime incident, investigating, its dedup key in metadata."""
    fields = validate_vendor_fields(create.vendor_fields)
    incident: dict[str, Any] = {
        "name": bounded_text(create.title, "title", NAME_MAX_LENGTH, NAME),
        "status": "investigating",
    }
    if create.severity is not None:
        incident["impact_override"] = impact(create.severity)
    body_text = message(description=create.description)
    if body_text is not None:
        incident["body"] = body_text
    if create.assignees is not None:
        raise pages.no_assignees(NAME)
    incident |= fields | with_key(None, key) | {"deliver_notifications": notify}
    return Request(
        "POST", f"{page_path(page_id)}/incidents", json={"incident": incident}, write=True, idempotent=False
    )
