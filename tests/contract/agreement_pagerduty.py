"""PagerDuty's part of the sandbox-agrees-with-spec test: how it refuses, and the writes the provider
makes there (``ENDPOINTS``)."""

from __future__ import annotations

from typing import Any

import httpx

from airflow_incident_provider.sandbox.pagerduty.seed import ESCALATION_POLICY, PRIORITIES, SERVICES, USERS
from tests.contract.openapi_check import load_extract
from tests.contract.sandbox_agreement import (
    Endpoint,
    Leniency,
    Strictness,
    Vendor,
    at,
    is_null,
    without,
)
from tests.contract.spec_mutations import Hints
from tests.fixtures import Sandbox

PAGERDUTY = load_extract("pagerduty_schemas.json")


PD_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "code"],
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}
"""PagerDuty's error body (developer docs, Errors; the spec's ``responses/Conflict``)."""

PD_STATE_CODES = {
    1001: "resolving an incident that is already resolved",
    1006: "escalating a resolved incident",
    1011: "reassigning a resolved incident",
    1014: "an escalation policy that does not exist",
    1020: "a priority that does not exist",
}
"""PagerDuty's documented error codes for refusals that depend on the incident or the account."""
PD_REFERENCES = {
    "is not a user on this account": "an assignee that does not exist",
    "is not a service on this account": "a service that does not exist",
    "escalation_level must be between": "a level the escalation policy does not have",
    "already exists on this service": "an open incident with the same incident_key (documented on it)",
    "cannot be given together with incident.escalation_policy": (
        "assignments with an escalation policy (the spec's description of assignments forbids it)"
    ),
}
"""Invalid Input (2001) refusals about the account's data, by the message naming them."""


def pd_state_refusal(response: httpx.Response) -> str | None:
    if response.status_code not in (400, 404):
        return None
    error = response.json().get("error", {})
    if response.status_code == 404 and error.get("code") == 2100:
        return "an incident that does not exist (a bulk update names its incidents in the body)"
    if error.get("code") in PD_STATE_CODES:
        return PD_STATE_CODES[error["code"]]
    if error.get("code") == 2001:
        text = " ".join(error.get("errors", []))
        return next((kind for needle, kind in PD_REFERENCES.items() if needle in text), None)
    return None


PD = Vendor("PagerDuty", (400,), PD_ERROR, pd_state_refusal, PAGERDUTY, Sandbox)


def pd_update(handle: Sandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.pd.put(f"/incidents/{incident_id}", json=body)


def pd_note(handle: Sandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.pd.post(f"/incidents/{incident_id}/notes", json=body)


PD_HINTS: Hints = {
    "incident.priority": [PRIORITIES[1].name],
    "incident.priority.id": [PRIORITIES[0].id],
    "incident.assignments.*.assignee.id": [USERS[1].id],
    "incident.escalation_policy.id": [ESCALATION_POLICY.id],
    "incident.service.id": [SERVICES[1].id],
    "incident.escalation_level": [2, 3],
}

UNNAMED_ASSIGNEE = Strictness(
    "an assignment must be an object naming its assignee: the spec's item schema leaves both the "
    "object type and assignee optional, and such an item assigns nobody",
    lambda body: (
        isinstance(at(body, "incident", "assignments"), list)
        and any(
            not isinstance(item, dict) or "assignee" not in item for item in body["incident"]["assignments"]
        )
    ),
)

PD_UPDATE = Endpoint(
    "pagerduty-update",
    PD,
    "PUT /incidents/{id}",
    {
        "incident": {
            "type": "incident_reference",
            "status": "acknowledged",
            "title": "Checkout latency above SLO",
            "urgency": "high",
            "resolution": "Rolled back the deploy.",
            "priority": {"id": PRIORITIES[2].id, "type": "priority_reference"},
            "assignments": [{"assignee": {"id": USERS[2].id, "type": "user_reference"}}],
            "conference_bridge": {
                "conference_number": "+1 555 0100",
                "conference_url": "https://meet.example.com/x",
            },
            "incident_type": {"name": "major_incident"},
        }
    },
    pd_update,
    PD_HINTS,
    lenient=(
        Leniency(
            "priority: null clears the incident's priority (the spec does not mark it nullable)",
            without("incident", "priority", when=is_null),
        ),
        Leniency(
            "conference_bridge: null clears the bridge (the spec does not mark it nullable)",
            without("incident", "conference_bridge", when=is_null),
        ),
    ),
    stricter=(UNNAMED_ASSIGNEE,),
)


def pd_create(handle: Sandbox, body: Any) -> httpx.Response:
    return handle.pd.post("/incidents", json=body)


PD_CREATE = Endpoint(
    "pagerduty-create",
    PD,
    "POST /incidents",
    {
        "incident": {
            "type": "incident",
            "title": "Checkout latency above SLO",
            "service": {"id": SERVICES[0].id, "type": "service_reference"},
            "urgency": "low",
            "priority": {"id": PRIORITIES[3].id, "type": "priority_reference"},
            "body": {"type": "incident_body", "details": {"host": "db-1"}},
            "assignments": [{"assignee": {"id": USERS[1].id, "type": "user_reference"}}],
            "incident_type": {"name": "major_incident"},
            "conference_bridge": {"conference_number": "+1 555 0100"},
        }
    },
    pd_create,
    PD_HINTS,
    lenient=(
        Leniency(
            "body.details may be text, as the spec's own example and PagerDuty's web UI have it (its schema "
            "says object); the provider sends the description that way",
            without("incident", "body", "details", when=lambda value: isinstance(value, str)),
        ),
    ),
    stricter=(UNNAMED_ASSIGNEE,),
)

THIS_INCIDENT = "{incident}"
"""The id in the bulk base body; the send puts the id of the incident it made in its place."""


def pd_bulk(handle: Sandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    items = at(body, "incidents")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("id") == THIS_INCIDENT:
            item["id"] = incident_id
    return handle.pd.put("/incidents", json=body)


def per_item(leniency: Leniency) -> Leniency:
    """A single update's leniency, applied to each item of a bulk update."""

    def normalize(body: Any) -> Any:
        items = at(body, "incidents")
        if not isinstance(items, list):
            return body
        kept = [
            leniency.normalize({"incident": item})["incident"] if isinstance(item, dict) else item
            for item in items
        ]
        return {**body, "incidents": kept}

    return Leniency(leniency.reason, normalize)


PD_BULK = Endpoint(
    "pagerduty-bulk-update",
    PD,
    "PUT /incidents",
    {"incidents": [{"id": THIS_INCIDENT, **PD_UPDATE.base["incident"]}]},
    pd_bulk,
    {key.replace("incident.", "incidents.*.", 1): values for key, values in PD_HINTS.items()},
    lenient=tuple(per_item(leniency) for leniency in PD_UPDATE.lenient),
    stricter=(
        Strictness(
            "each item is an incident object: the spec's item schema does not declare the object type",
            lambda body: (
                isinstance(at(body, "incidents"), list)
                and any(not isinstance(item, dict) for item in body["incidents"])
            ),
        ),
        Strictness(
            UNNAMED_ASSIGNEE.reason,
            lambda body: (
                isinstance(at(body, "incidents"), list)
                and any(UNNAMED_ASSIGNEE.applies({"incident": item}) for item in body["incidents"])
            ),
        ),
    ),
)

PD_NOTE = Endpoint(
    "pagerduty-note",
    PD,
    "POST /incidents/{id}/notes",
    {"note": {"content": "Firefighters are on the scene."}},
    pd_note,
)

ENDPOINTS = (PD_UPDATE, PD_CREATE, PD_BULK, PD_NOTE)
