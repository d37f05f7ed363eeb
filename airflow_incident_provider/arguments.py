"""Checks of task arguments that operators, the sensor and the notifier share.

Each runs at DAG parse time where the value is already known, and again once templates are rendered;
a bad value fails with an ``IncidentValidationError`` that names the argument.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import XComArg

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import IncidentUpdate
from airflow_incident_provider.vendors import known_status_words

IncidentRef = str | Mapping[str, Any] | XComArg
"""An incident id, an ``Incident.ref``, or the incident dict (or XComArg) of an upstream operator."""


def is_template(value: object) -> bool:
    """Whether a value still holds Jinja (it can only be checked once rendered)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def check_status_word(value: object, field_name: str) -> None:
    """Reject, at DAG parse time, a status that no vendor knows and no phase names ("resovled")."""
    if value is None or is_template(value):
        return
    if not isinstance(value, str):
        raise IncidentValidationError(field_name, f"must be a status word, got {type(value).__name__}")
    words = known_status_words()
    if value.strip().lower() in words:
        return
    close = difflib.get_close_matches(value.strip().lower(), sorted(words), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise IncidentValidationError(
        field_name,
        f"{value!r} is no vendor's status and no phase; "
        f"phases are open, acknowledged, mitigated, resolved.{hint}",
    )


def resolve_ref(value: object, field_name: str = "incident_id") -> str:
    """The vendor reference from an id, a ref string or an incident dict (its ``ref``)."""
    if isinstance(value, Mapping):
        value = value.get("ref") or value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise IncidentValidationError(
            field_name, "must be an incident id, a ref, or an incident dict with 'ref'"
        )
    return value.strip()


def as_tuple(value: object, field_name: str) -> tuple[str, ...] | None:
    """A list argument that may arrive as a list or, from a template, as a comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise IncidentValidationError(field_name, "must be a list of strings or a comma-separated string")


def has_template(value: object) -> bool:
    """Whether a string, or any string of a list, still holds Jinja."""
    if isinstance(value, str):
        return is_template(value)
    return isinstance(value, Sequence) and any(is_template(item) for item in value)


def rendered_update(
    *,
    title: str | None,
    description: str | None,
    status: str | None,
    severity: str | None,
    assignees: object,
    note: str | None,
    vendor_fields: object,
) -> IncidentUpdate:
    """The normalized update from an operator's rendered arguments (status and vendor_fields re-checked)."""
    check_status_word(status, "status")
    if vendor_fields is not None and not isinstance(vendor_fields, dict):
        raise IncidentValidationError("vendor_fields", "must render to a dict of vendor body fields")
    return IncidentUpdate(
        title=title,
        description=description,
        status=status,
        severity=severity,
        assignees=as_tuple(assignees, "assignees"),
        note=note,
        vendor_fields=vendor_fields or {},
    )
