"""Creating an incident: its body, and the hidden dedup marker a retried create is found by."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.idempotency import mark_hidden
from airflow_incident_provider.models import IncidentCreate
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import Request, vendor_field_items
from airflow_incident_provider.vendors.devhelm.api import NAME, PAGES_PATH, uuid_id
from airflow_incident_provider.vendors.devhelm.fields import (
    CREATE_ARGUMENT_FIELDS,
    CREATE_VENDOR_FIELDS,
    DEFAULT_IMPACT,
    STATUS_MESSAGES,
    checked_components,
    mark_message,
    to_impact,
    validate_message,
    validate_title,
)
from airflow_incident_provider.vendors.devhelm.incidents import (
    LIST_PAGE_SIZE,
    UNRESOLVED_STATUSES,
    build_list,
    wire_status,
)

DEDUP_KEY = re.compile(r"[A-Za-z0-9._:/@+=-]{1,128}")
"""A dedup key as the hidden marker carries it: no spaces or ``>``, so it cannot end the comment early."""


def plan_create(create: IncidentCreate, *, notify_subscribers: bool) -> dict[str, Any]:
    """The ``POST .../incidents`` body for ``create``, checked in full (the marker is added when sent).

    The initial timeline update's body is the description, or the investigating status's default text
    (DevHelm requires one); the status is always ``INVESTIGATING`` (later statuses are updates).
    ``notifySubscribers`` is always sent: DevHelm's default is to email every subscriber.
    """
    if create.assignees is not None:
        raise pages.no_assignees(NAME)
    body: dict[str, Any] = {
        "title": validate_title(create.title),
        "impact": to_impact(create.severity if create.severity is not None else DEFAULT_IMPACT),
        "body": (
            validate_message(create.description, "description")
            if create.description is not None
            else STATUS_MESSAGES["investigating"]
        ),
        "status": wire_status("investigating"),
        "notifySubscribers": bool(notify_subscribers),
    }
    for key, value in vendor_field_items(
        create.vendor_fields,
        vendor=NAME,
        allowed=CREATE_VENDOR_FIELDS,
        arguments=CREATE_ARGUMENT_FIELDS,
        what="a field DevHelm takes when creating a status-page incident",
    ):
        body[key] = checked_components(value)
    if create.dedup_key is not None:
        check_dedup_key(create.dedup_key)
    return body


def check_dedup_key(key: str) -> str:
    """A dedup key the hidden marker can carry (see ``DEDUP_KEY``)."""
    if not DEDUP_KEY.fullmatch(key):
        raise IncidentValidationError(
            "dedup_key", "must be 1 to 128 letters, digits or . _ : / @ + = -", vendor=NAME
        )
    return key


def hidden_marker(key: str) -> str:
    """The whole Markdown comment a create with ``key`` ends with: matched in full, so a key is never
    found inside a longer one (``alert-1`` in ``alert-10``)."""
    return mark_hidden("", key).strip()


def carries_key(bodies: Sequence[str], key: str) -> bool:
    """Whether any of an incident's timeline bodies ends a create made with ``key``."""
    marker = hidden_marker(key)
    return any(marker in body for body in bodies)


def build_create(page_id: str, body: Mapping[str, Any], dedup_key: str | None) -> Request:
    """``POST /api/v1/status-pages/{pageId}/incidents``; not idempotent, so the body carries the dedup
    key's hidden marker, looked for before creating and after a lost response."""
    payload = dict(body)
    if dedup_key is not None:
        payload["body"] = mark_message(str(body["body"]), check_dedup_key(dedup_key))
    return Request(
        "POST",
        f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}/incidents",
        json=payload,
        write=True,
        idempotent=False,
    )


def build_dedup_search(page_id: str, page: int) -> Request:
    """One page of the page's unresolved incidents: where a dedup key is looked for."""
    return build_list(page_id, statuses=UNRESOLVED_STATUSES, page=page, size=LIST_PAGE_SIZE)
