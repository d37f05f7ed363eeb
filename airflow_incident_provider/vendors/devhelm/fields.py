"""What a write may carry: impacts, titles, timeline messages, affected components and postmortems,
checked before any request."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.idempotency import mark_hidden
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import bounded_text, one_of, vendor_field_items
from airflow_incident_provider.vendors.devhelm.api import NAME, uuid_id

IMPACTS = pages.IMPACTS
"""DevHelm's impacts (upper-case on the wire) are a status page's."""
DEFAULT_IMPACT = "none"
"""The impact of a created incident that names no severity (DevHelm requires one): the mildest, so the
provider never overstates an outage to customers; escalation raises it from there."""
COMPONENT_STATUSES = tuple(status.upper() for status in pages.COMPONENT_STATUSES)

TITLE_MAX_LENGTH = 500
POSTMORTEM_URL_MAX_LENGTH = 2048
POSTMORTEM_URL = re.compile(r"^https?://")
"""The spec's ``postmortemUrl`` pattern ``^https?://.*`` (``""`` clears it instead)."""

STATUS_MESSAGES: Mapping[str, str] = {
    "investigating": "We are investigating this issue.",
    "identified": "The issue has been identified and a fix is being implemented.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
}
"""The customer message of a status change made without a note or resolution (a timeline update needs
a body)."""

VENDOR_FIELDS = ("affectedComponents", "postmortemBody", "postmortemUrl")
"""Body fields of ``PUT .../incidents/{incidentId}`` reachable through ``vendor_fields``."""
CREATE_VENDOR_FIELDS = ("affectedComponents",)
"""Body fields of ``POST .../incidents`` reachable through ``vendor_fields`` (scheduled maintenance, the
create body's other fields, is not offered)."""
CLEARABLE_FIELDS = ("postmortemBody", "postmortemUrl")
"""Fields an empty string clears (in DevHelm's PUT, ``null`` preserves a field)."""
_ARGUMENT_FIELDS = {
    "title": "title",
    "status": "status",
    "impact": "severity",
    "body": "note",
    "notifySubscribers": "notify_subscribers",
}
CREATE_ARGUMENT_FIELDS = {
    "title": "title",
    "status": None,
    "impact": "severity",
    "body": "description",
    "notifySubscribers": "notify_subscribers",
}


def to_impact(value: object, field_name: str = "severity") -> str:
    """DevHelm's impact (``NONE``/``MINOR``/``MAJOR``/``CRITICAL``) for a severity in any case."""
    return one_of(value, IMPACTS, field_name, "an impact", NAME).upper()


def validate_title(title: object) -> str:
    """A customer-facing title: 1 to 500 characters, not blank."""
    return bounded_text(title, "title", TITLE_MAX_LENGTH, NAME)


def validate_message(text: object, field_name: str = "note") -> str:
    """A timeline update body: non-empty Markdown (the spec's ``minLength: 1``)."""
    if not isinstance(text, str) or not text.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    return text


def join_message(*parts: str | None) -> str | None:
    """Several texts as one customer message (e.g. a resolution and a note), or None if none given."""
    given = [part.strip() for part in parts if part is not None]
    return "\n\n".join(given) if given else None


def mark_message(text: str, key: str | None) -> str:
    """The message with its idempotency marker hidden in a Markdown comment (status pages are public)."""
    return mark_hidden(text, key) if key else text


def checked_components(value: Any) -> list[dict[str, str]]:
    where = "vendor_fields.affectedComponents"
    if not isinstance(value, list | tuple):
        raise IncidentValidationError(
            where, "must be a list of {'componentId': <uuid>, 'status': <component status>}", vendor=NAME
        )
    result: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {"componentId", "status"}:
            raise IncidentValidationError(
                f"{where}[{index}]", "must be exactly {'componentId': <uuid>, 'status': ...}", vendor=NAME
            )
        status = item["status"]
        if not isinstance(status, str) or status.strip().upper() not in COMPONENT_STATUSES:
            raise IncidentValidationError(
                f"{where}[{index}].status",
                f"{status!r} is not a component status; allowed: {', '.join(COMPONENT_STATUSES)}",
                vendor=NAME,
            )
        component_id = uuid_id(item["componentId"], f"{where}[{index}].componentId")
        result.append({"componentId": component_id, "status": status.strip().upper()})
    return result


def _postmortem_url(value: str) -> str:
    if value and not POSTMORTEM_URL.match(value):
        raise IncidentValidationError(
            "vendor_fields.postmortemUrl", "must start with http:// or https:// ('' clears it)", vendor=NAME
        )
    if len(value) > POSTMORTEM_URL_MAX_LENGTH:
        raise IncidentValidationError(
            "vendor_fields.postmortemUrl",
            f"is longer than {POSTMORTEM_URL_MAX_LENGTH} characters",
            vendor=NAME,
        )
    return value


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``vendor_fields`` against DevHelm's PUT body and return them in the spec's shapes."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="a DevHelm status-page incident field",
    ):
        if value is None:
            hint = "'' clears it" if key in CLEARABLE_FIELDS else "give a list"
            raise IncidentValidationError(
                f"vendor_fields.{key}",
                f"null keeps the current value, so leave the key out ({hint})",
                vendor=NAME,
            )
        if key == "affectedComponents":
            result[key] = checked_components(value)
            continue
        if not isinstance(value, str):
            raise IncidentValidationError(f"vendor_fields.{key}", "must be a string", vendor=NAME)
        result[key] = _postmortem_url(value) if key == "postmortemUrl" else value
    return result
