"""incident.io's part of the sandbox-agrees-with-spec test: how it refuses, and the writes the provider
makes there (``ENDPOINTS``)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from airflow_incident_provider.sandbox.incidentio import ROLES, SEVERITIES, STATUSES, USERS
from tests.contract.openapi_check import JsonObject, load_extract
from tests.contract.sandbox_agreement import Endpoint, Strictness, Vendor, at
from tests.fixtures_incidentio import IncidentIOSandbox

INCIDENTIO = load_extract("incidentio_schemas.json")

ERROR: JsonObject = {
    "type": "object",
    "required": ["type", "status", "errors"],
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "source": {"type": "object", "properties": {"field": {"type": "string"}}},
                },
            },
        },
    },
}
"""incident.io's error body, as its API reference's "Errors" section shows it (the spec declares no error
responses, so the extract has none)."""

STATE_CODES = {
    "not_found": "a severity, status, role or user the account does not have",
    "invalid_status_transition": "a lifecycle change the API leaves to the app (only live to live)",
}


def incidentio_state_refusal(response: httpx.Response) -> str | None:
    """A 422 whose errors are all about the account's data or the incident's lifecycle."""
    if response.status_code != 422:
        return None
    codes = {str(error.get("code")) for error in response.json().get("errors") or ()}
    return STATE_CODES[codes.pop()] if len(codes) == 1 and codes <= set(STATE_CODES) else None


IO = Vendor("incident.io", (400, 422), ERROR, incidentio_state_refusal, INCIDENTIO, IncidentIOSandbox)

LIVE = next(status for status in STATUSES if status.category == "live")
ASSIGNMENTS = [{"incident_role_id": ROLES[0].id, "assignee": {"id": USERS[0].id}}]
HINTS = {
    "severity_id": [severity.id for severity in SEVERITIES],
    "incident_status_id": [LIVE.id],
    "incident_role_assignments.*.incident_role_id": [role.id for role in ROLES],
    "incident_role_assignments.*.assignee.id": [user.id for user in USERS],
    "incident_role_assignments.*.assignee.email": [user.email for user in USERS],
}

BASE_KEY = "sandbox-agreement"
"""The idempotency key of the create base body; each send puts a fresh one in its place."""
_keys = itertools.count(1)

CREATE_BASE: JsonObject = {
    "idempotency_key": BASE_KEY,
    "visibility": "public",
    "mode": "standard",
    "name": "Queue consumers lagging",
    "summary": "Consumers fell behind after the deploy.",
    "severity_id": SEVERITIES[0].id,
    "incident_role_assignments": ASSIGNMENTS,
}
EDIT_BASE: JsonObject = {
    "incident": {
        "name": "Queue consumers lagging",
        "summary": "Consumers fell behind after the deploy.",
        "severity_id": SEVERITIES[1].id,
        "incident_role_assignments": ASSIGNMENTS,
    },
    "notify_incident_channel": False,
}


def incidentio_create(handle: IncidentIOSandbox, body: Any) -> httpx.Response:
    if isinstance(body, dict) and body.get("idempotency_key") == BASE_KEY:
        body = {**body, "idempotency_key": f"{BASE_KEY}-{next(_keys)}"}
    return handle.api.post("/v2/incidents", json=body)


def incidentio_edit(handle: IncidentIOSandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check", category="live")
    return handle.api.post(f"/v2/incidents/{incident_id}/actions/edit", json=body)


def unknown_keys(allowed: frozenset[str], path: tuple[str, ...] = ()) -> Strictness:
    """Keys the request does not declare, at ``path``, are refused (422 ``unknown_field``)."""
    return Strictness(
        "a key the request does not declare is refused (422 unknown_field, naming it): a typo in a field "
        "name would otherwise be dropped silently, and the spec does not say what the API does with one",
        lambda body: isinstance(at(body, *path), dict) and any(key not in allowed for key in at(body, *path)),
    )


def declared(operation: str, *path: str) -> frozenset[str]:
    schema = INCIDENTIO["operations"][operation]["request_body"]["schema"]
    for key in path:
        schema = schema["properties"][key]
    return frozenset(schema["properties"])


CREATE = "POST /v2/incidents"
EDIT = "POST /v2/incidents/{id}/actions/edit"

ENDPOINTS = (
    Endpoint(
        "incidentio-create",
        IO,
        CREATE,
        CREATE_BASE,
        incidentio_create,
        HINTS,
        stricter=(unknown_keys(declared(CREATE)),),
    ),
    Endpoint(
        "incidentio-edit",
        IO,
        EDIT,
        EDIT_BASE,
        incidentio_edit,
        {f"incident.{path}": values for path, values in HINTS.items()},
        stricter=(
            unknown_keys(declared(EDIT)),
            unknown_keys(declared(EDIT, "incident"), ("incident",)),
        ),
    ),
)
