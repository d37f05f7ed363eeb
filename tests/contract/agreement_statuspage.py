"""Statuspage's part of the sandbox-agrees-with-spec test: how it refuses, and the writes the provider
makes there (``ENDPOINTS``)."""

from __future__ import annotations

from typing import Any

import httpx

from airflow_incident_provider.sandbox.statuspage import COMPONENTS
from airflow_incident_provider.sandbox.statuspage.validation import COMPONENT_STATUSES, FIELDS
from tests.contract.openapi_check import JsonObject, load_extract
from tests.contract.sandbox_agreement import Endpoint, Strictness, Vendor, at
from tests.fixtures_statuspage import STATUSPAGE_PAGE_PATH, StatuspageSandbox

STATUSPAGE = load_extract("statuspage_schemas.json")
INCIDENTS = f"{STATUSPAGE_PAGE_PATH}/incidents"
API, WEB, PAYMENTS = COMPONENTS

STATES = {
    "is not a status of this incident": "a status of the other kind (realtime or maintenance)",
    "not found": "a component the page does not have",
}
"""Statuspage's 422 refusals about the incident's kind or the page's data, by their words."""


def statuspage_state_refusal(response: httpx.Response) -> str | None:
    """A 422 whose every problem is about the incident's kind or the page's components."""
    if response.status_code != 422:
        return None
    problems = response.json().get("error") or []
    kinds = {next((kind for needle, kind in STATES.items() if needle in str(p)), None) for p in problems}
    return next(iter(kinds)) if problems and None not in kinds and len(kinds) == 1 else None


SP = Vendor(
    "Statuspage",
    (400, 422),
    STATUSPAGE["error_response"],
    statuspage_state_refusal,
    STATUSPAGE,
    StatuspageSandbox,
)


def incident_fields(body: Any) -> dict[str, Any]:
    fields = at(body, "incident")
    return fields if isinstance(fields, dict) else {}


WRAPPED = Strictness(
    "the body must hold an 'incident' object (400 otherwise): the schema leaves it optional, but every "
    "field is inside it, and Statuspage's API requires it",
    lambda body: not isinstance(at(body, "incident"), dict),
)
NOT_EMULATED = Strictness(
    "fields of scheduled maintenances, tweets, reminders and backfills, and unknown keys, are refused "
    "(422 naming them): they are not emulated, and a sandbox dropping them silently would let a test pass "
    "that asked for something no incident shows",
    lambda body: any(key not in FIELDS for key in incident_fields(body)),
)
BLANK_NAME = Strictness(
    "a blank name is refused ('Name can't be blank', as Statuspage's Rails API validates presence): the "
    "schema gives the name no minLength",
    lambda body: (
        isinstance(incident_fields(body).get("name"), str) and not incident_fields(body)["name"].strip()
    ),
)
COMPONENT_WORDS = Strictness(
    "a component status must be one of the five component statuses, whatever the component id: the schema "
    "names a single example id, and lists '' among the statuses without saying what it does",
    lambda body: (
        isinstance(incident_fields(body).get("components"), dict)
        and any(value not in COMPONENT_STATUSES for value in incident_fields(body)["components"].values())
    ),
)
METADATA_OBJECTS = Strictness(
    "metadata's top-level values must be objects, as the spec's description says (its schema does not)",
    lambda body: (
        isinstance(incident_fields(body).get("metadata"), dict)
        and any(not isinstance(value, dict) for value in incident_fields(body)["metadata"].values())
    ),
)
CHOICES = (WRAPPED, NOT_EMULATED, BLANK_NAME, COMPONENT_WORDS, METADATA_OBJECTS)

BASE: JsonObject = {
    "incident": {
        "name": "Search results delayed",
        "status": "identified",
        "impact_override": "major",
        "body": "The index rebuild is slow.",
        "deliver_notifications": False,
        "components": {API: "degraded_performance"},
        "component_ids": [API],
        "metadata": {"airflow": {"key": "dag/run/task/-1"}},
    }
}
HINTS = {"incident.component_ids.*": [WEB, PAYMENTS]}


def statuspage_update(handle: StatuspageSandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.patch(f"{INCIDENTS}/{incident_id}", json=body)


def statuspage_create(handle: StatuspageSandbox, body: Any) -> httpx.Response:
    return handle.api.post(INCIDENTS, json=body)


ENDPOINTS = (
    Endpoint(
        "statuspage-update",
        SP,
        "PATCH /pages/{page_id}/incidents/{incident_id}",
        BASE,
        statuspage_update,
        HINTS,
        stricter=CHOICES,
    ),
    Endpoint(
        "statuspage-create",
        SP,
        "POST /pages/{page_id}/incidents",
        {"incident": {**BASE["incident"], "status": "investigating"}},
        statuspage_create,
        HINTS,
        stricter=CHOICES,
    ),
)
