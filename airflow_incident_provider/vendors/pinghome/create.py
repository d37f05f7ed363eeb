"""Creating an incident: checking an ``IncidentCreate``, its body with the dedup marker a retried create
is found by, and the create request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.idempotency import mark
from airflow_incident_provider.models import IncidentCreate
from airflow_incident_provider.vendors.base import Request, Response, path_segment
from airflow_incident_provider.vendors.pinghome.body import (
    ARGUMENT_FIELDS,
    CREATE_URGENCY,
    assignee_objects,
    checked_name,
    checked_urgency,
    validate_vendor_fields,
)
from airflow_incident_provider.vendors.pinghome.replace import has_note
from airflow_incident_provider.vendors.pinghome.services import CMD, NAME

CREATE_ATTEMPTS = 3
"""How often a create whose answer was lost is posted, each retry only after its dedup marker was
looked for and not found."""


_CREATE_ARGUMENT_FIELDS = {key: value for key, value in ARGUMENT_FIELDS.items() if key != "status"}
"""A new incident starts open: ``status`` is not a create field, so it is refused as unknown."""


def validate_create(create: IncidentCreate) -> dict[str, Any]:
    """The ``POST`` body of a new incident, checked without the network; the dedup marker comes later.

    ``assignees`` and ``actions`` are sent only when given (the create page marks assignees optional).
    """
    body: dict[str, Any] = {
        "name": checked_name(create.title),
        "description": create.description or "",
        "urgency": checked_urgency(create.severity, "severity")
        if create.severity is not None
        else CREATE_URGENCY,
    }
    if create.assignees is not None:
        body["assignees"] = assignee_objects(create.assignees)
    body.update(validate_vendor_fields(create.vendor_fields, _CREATE_ARGUMENT_FIELDS))
    return body


def created_description(description: str, dedup_key: str | None) -> str:
    """The description of a new incident, ending with the dedup marker line when there is a key."""
    if not dedup_key:
        return description
    return mark(description, dedup_key) if description.strip() else mark("", dedup_key).lstrip()


def carries_dedup_key(data: Mapping[str, Any], dedup_key: str) -> bool:
    """Whether an incident was created with ``dedup_key`` (its marker is in the description)."""
    return has_note(str(data.get("description") or ""), dedup_key)


def build_create(team: str, body: Mapping[str, Any]) -> Request:
    """``POST {cmd}/v1/team/{teamId}/incident``: not idempotent, a lost answer is checked, not resent."""
    path = f"/team/{path_segment(team, 'team_id', NAME)}/incident"
    return Request("POST", path, json=dict(body), write=True, idempotent=False, service=CMD)


def parse_created(response: Response) -> str:
    """The new incident's id: ``id`` at the top level, or under ``incident`` or ``data``."""
    body = response.body
    if isinstance(body, Mapping):
        for candidate in (body, body.get("incident"), body.get("data")):
            if isinstance(candidate, Mapping) and isinstance(candidate.get("id"), str | int):
                return str(candidate["id"])
    raise ValueError("the Pinghome create response carries no incident id")
