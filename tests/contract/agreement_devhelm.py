"""DevHelm's part of the sandbox-agrees-with-spec test: how it refuses, and the writes the provider makes
there (``ENDPOINTS``)."""

from __future__ import annotations

from typing import Any

import httpx

from airflow_incident_provider.sandbox.devhelm.seed import API, DASHBOARD, WEBHOOKS
from tests.contract.openapi_check import load_extract
from tests.contract.sandbox_agreement import (
    Endpoint,
    Leniency,
    Strictness,
    Vendor,
    at,
    null_enums,
    without,
)
from tests.contract.spec_mutations import Hints
from tests.fixtures_devhelm import DEVHELM_PAGE_PATH, DevHelmSandbox

DEVHELM = load_extract("devhelm_schemas.json")


def devhelm_state_refusal(response: httpx.Response) -> str | None:
    """A component that is not on the incident's status page (the account's data, not the body's shape)."""
    if response.status_code != 400:
        return None
    entries = response.json().get("errors") or []
    on_page = [
        e
        for e in entries
        if e.get("field") == "affectedComponents" and "is not on status page" in e.get("message", "")
    ]
    return "a component that is not on the status page" if entries and on_page == entries else None


DH = Vendor("DevHelm", (400,), DEVHELM["error_response"], devhelm_state_refusal, DEVHELM, DevHelmSandbox)


DEVHELM_INCIDENTS = f"{DEVHELM_PAGE_PATH}/incidents"
COMPONENTS: Hints = {
    "affectedComponents.*.componentId": [API.id, DASHBOARD.id],
}


def devhelm_update(handle: DevHelmSandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.put(f"{DEVHELM_INCIDENTS}/{incident_id}", json=body)


def devhelm_timeline(handle: DevHelmSandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.post(f"{DEVHELM_INCIDENTS}/{incident_id}/updates", json=body)


def devhelm_create(handle: DevHelmSandbox, body: Any) -> httpx.Response:
    return handle.api.post(DEVHELM_INCIDENTS, json=body)


POSTMORTEM_URL_CLEARS = Leniency(
    "postmortemUrl '' clears the link, as the spec's description and DevHelm's update page say, though its "
    "pattern refuses ''",
    without("postmortemUrl", when=lambda value: value == ""),
)
EMPTY_TITLE = Strictness(
    "an empty title is refused: the request schema's minLength is 0, but the spec's incident schema "
    "(StatusPageIncidentDto.title, minLength 1) says no incident has one",
    lambda body: at(body, "title") == "",
)
SCHEDULED = Strictness(
    "scheduled: true is refused: scheduled maintenance is not emulated, and a normal incident in its place "
    "would mislead a test",
    lambda body: at(body, "scheduled") is True,
)

DEVHELM_UPDATE = Endpoint(
    "devhelm-update",
    DH,
    "PUT /api/v1/status-pages/{id}/incidents/{incidentId}",
    {
        "title": "Search results delayed",
        "status": "IDENTIFIED",
        "impact": "MAJOR",
        "affectedComponents": [{"componentId": WEBHOOKS.id, "status": "DEGRADED_PERFORMANCE"}],
        "postmortemBody": "## Timeline",
        "postmortemUrl": "https://status.example.com/postmortem",
    },
    devhelm_update,
    COMPONENTS,
    lenient=(POSTMORTEM_URL_CLEARS, null_enums(("status",), ("impact",))),
    stricter=(EMPTY_TITLE,),
)

DEVHELM_TIMELINE = Endpoint(
    "devhelm-timeline",
    DH,
    "POST /api/v1/status-pages/{id}/incidents/{incidentId}/updates",
    {
        "status": "IDENTIFIED",
        "body": "The index rebuild is slow.",
        "notifySubscribers": False,
        "affectedComponents": [{"componentId": WEBHOOKS.id, "status": "PARTIAL_OUTAGE"}],
    },
    devhelm_timeline,
    COMPONENTS,
)

DEVHELM_CREATE = Endpoint(
    "devhelm-create",
    DH,
    "POST /api/v1/status-pages/{id}/incidents",
    {
        "title": "Webhook deliveries delayed",
        "impact": "MINOR",
        "body": "We are investigating.",
        "status": "INVESTIGATING",
        "notifySubscribers": False,
        "affectedComponents": [{"componentId": WEBHOOKS.id, "status": "DEGRADED_PERFORMANCE"}],
    },
    devhelm_create,
    COMPONENTS,
    lenient=(null_enums(("status",)),),
    stricter=(EMPTY_TITLE, SCHEDULED),
)

ENDPOINTS = (DEVHELM_UPDATE, DEVHELM_TIMELINE, DEVHELM_CREATE)
