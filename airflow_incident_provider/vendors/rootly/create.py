"""Creating an incident: checking an ``IncidentCreate``, its attributes, and the dedup label a retried
create is found by."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, IncidentCreate
from airflow_incident_provider.vendors.base import Request, Response, vendor_field_items
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    NAME,
    jsonapi_document,
    next_page,
    paging_params,
    resources_of,
)
from airflow_incident_provider.vendors.rootly.fields import (
    ARGUMENT_FIELDS,
    VENDOR_FIELDS,
    validate_vendor_fields,
    vendor_value,
)
from airflow_incident_provider.vendors.rootly.incidents import incident_from_json
from airflow_incident_provider.vendors.rootly.lifecycle import MESSAGE_ATTRIBUTES
from airflow_incident_provider.vendors.rootly.updates import validate_message

CREATE_STATUS = "started"
"""The status a new incident is created in: the provider opens incidents that are being worked on."""
DEDUP_LABEL = "airflow-dedup"
"""The label key a create's dedup key is stored under: ``labels: {"airflow-dedup": <key>}``."""
DEDUP_SCAN_PAGES = 3
"""How many pages (newest first) of the ``filter[labels]`` listing are searched for a dedup key. The
spec declares ``filter[labels]`` without a format; the provider sends ``<key>:<value>`` and checks
each incident's labels itself, so a server that ignored the filter would cost at most these pages."""
_DEDUP_KEY = re.compile(r"[A-Za-z0-9._~/@+=-]{1,128}")
"""Dedup keys are stored as a label value and sent in ``filter[labels]``: no ``:`` or ``,`` (the
filter's separators), no spaces."""
CREATE_VENDOR_FIELDS: Mapping[str, str] = {
    key: kind for key, kind in VENDOR_FIELDS.items() if key not in MESSAGE_ATTRIBUTES.values()
}
"""``vendor_fields`` a create takes: the update attributes the spec's ``new_incident`` also has (not the
three transition messages)."""
_CREATE_ARGUMENT_FIELDS: Mapping[str, str | None] = {**ARGUMENT_FIELDS, "status": None}


def validate_dedup_key(key: str) -> str:
    if not isinstance(key, str) or not _DEDUP_KEY.fullmatch(key):
        raise IncidentValidationError(
            "dedup_key",
            f"{str(key)[:80]!r} must be 1 to 128 letters, digits or . _ ~ / @ + = - (it is stored as a "
            f"Rootly label value and looked up with filter[labels])",
            vendor=NAME,
        )
    return key


def validate_assignees(assignees: Sequence[str]) -> tuple[str, ...]:
    """Rootly user ids: at least one, each a non-empty string without spaces."""
    users = tuple(assignees)
    if not users or not all(
        isinstance(user, str) and user.strip() and " " not in user.strip() for user in users
    ):
        raise IncidentValidationError(
            "assignees", f"must be one or more Rootly user ids (got {users!r:.80})", vendor=NAME
        )
    return tuple(dict.fromkeys(user.strip() for user in users))


def validate_create(create: IncidentCreate) -> dict[str, Any]:
    """Everything about a create that can be checked without the network; returns the vendor fields."""
    if not isinstance(create.title, str) or not create.title.strip():
        raise IncidentValidationError("title", "must be non-empty text", vendor=NAME)
    validate_message(create.description, "description")
    if create.severity is not None and not create.severity.strip():
        raise IncidentValidationError("severity", "must be a severity id, slug or name", vendor=NAME)
    if create.assignees is not None:
        validate_assignees(create.assignees)
    if create.dedup_key is not None:
        validate_dedup_key(create.dedup_key)
    fields: dict[str, Any] = {}
    for key, value in vendor_field_items(
        create.vendor_fields,
        vendor=NAME,
        allowed=CREATE_VENDOR_FIELDS,
        arguments=_CREATE_ARGUMENT_FIELDS,
        what="a Rootly new-incident attribute",
    ):
        fields[key] = vendor_value(key, CREATE_VENDOR_FIELDS[key], value)
    if DEDUP_LABEL in (fields.get("labels") or {}):
        raise IncidentValidationError(
            f"vendor_fields.labels.{DEDUP_LABEL}",
            "is set by the provider: use the dedup_key argument",
            vendor=NAME,
        )
    return validate_vendor_fields(fields)


def create_attributes(
    create: IncidentCreate, fields: Mapping[str, Any], *, severity: str | None
) -> dict[str, Any]:
    """The attributes of ``POST /v1/incidents``; the dedup key joins the caller's labels."""
    attributes: dict[str, Any] = {"title": create.title, "status": CREATE_STATUS}
    if create.description is not None:
        attributes["summary"] = create.description
    if severity is not None:
        attributes["severity_id"] = severity
    attributes.update(fields)
    if create.dedup_key is not None:
        attributes["labels"] = {**(attributes.get("labels") or {}), DEDUP_LABEL: create.dedup_key}
    return attributes


def build_create(attributes: Mapping[str, Any]) -> Request:
    """``POST /v1/incidents``: not idempotent, so a dedup key is looked for before it is sent again."""
    return Request(
        "POST", "/v1/incidents", json=jsonapi_document("incidents", attributes), write=True, idempotent=False
    )


def build_find_dedup(key: str, page: int) -> Request:
    """A page of the incidents labelled with ``key``, newest first."""
    params = (
        *paging_params(page, LIST_PAGE_SIZE),
        ("sort", "-created_at"),
        ("filter[labels]", f"{DEDUP_LABEL}:{key}"),
    )
    return Request("GET", "/v1/incidents", params=params)


def parse_dedup_matches(
    response: Response, key: str, *, include_raw: bool = False
) -> tuple[list[Incident], int | None]:
    """The incidents of a page whose labels really carry ``key``, and the next page number."""
    found = []
    for item in resources_of(response):
        attributes = item.get("attributes")
        labels = attributes.get("labels") if isinstance(attributes, Mapping) else None
        if isinstance(labels, Mapping) and labels.get(DEDUP_LABEL) == key:
            found.append(incident_from_json(item, include_raw=include_raw))
    return found, next_page(response)
