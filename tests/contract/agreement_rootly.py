"""Rootly's part of the sandbox-agrees-with-spec test: how it refuses, and the writes the provider makes
there (``ENDPOINTS``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from airflow_incident_provider.sandbox.rootly.seed import ROLES, SEVERITIES
from airflow_incident_provider.sandbox.rootly.seed import USERS as ROOTLY_USERS
from airflow_incident_provider.sandbox.rootly.validation import UPDATE_ATTRIBUTES
from tests.contract.openapi_check import JsonObject, load_extract
from tests.contract.sandbox_agreement import (
    Endpoint,
    Strictness,
    Vendor,
    at,
    null_enums,
)
from tests.contract.spec_mutations import Hints
from tests.fixtures_rootly import RootlySandbox

ROOTLY = load_extract("rootly_schemas.json")


ROOTLY_STATES = {
    "cannot skip from in_triage to resolved": "the documented triage rule",
    "restart it": "a terminal incident needs /restart first",
    "Only a resolved incident can be closed": "closed only after resolved",
    "is not available for": "maintenance statuses only on scheduled maintenance, and the reverse",
    "mitigated_at must be greater than or equal to started_at": "the documented timestamp order",
    "is not a severity of this team": "a severity that does not exist",
    "is not a user of this team": "a user that does not exist",
    "is not an incident role": "an incident role that does not exist",
    "is not assigned as": "unassigning a role the user does not hold",
    "can be restarted": "restarting an incident that is not resolved, closed or cancelled",
    "is already": "moving an incident to the status it is in",
}
"""Rootly's 422 refusals about the incident's lifecycle (docs: incident status) or the team's data."""


def rootly_state_refusal(response: httpx.Response) -> str | None:
    if response.status_code != 422:
        return None
    details = " ".join(str(error.get("detail", "")) for error in response.json().get("errors", []))
    return next((kind for needle, kind in ROOTLY_STATES.items() if needle in details), None)


RL = Vendor(
    "Rootly", (400, 422), ROOTLY["schemas"]["errors_list"], rootly_state_refusal, ROOTLY, RootlySandbox
)


TIMES = [name for name, kind in UPDATE_ATTRIBUTES.items() if kind == "datetime"]


def not_a_time(value: Any) -> bool:
    """Text that is neither blank (null to Rails) nor an ISO 8601 date-time."""
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return True
    return False


def rootly_update(handle: RootlySandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.put(f"/v1/incidents/{incident_id}", json=body)


def rootly_event(handle: RootlySandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.post(f"/v1/incidents/{incident_id}/events", json=body)


ROOTLY_UPDATE = Endpoint(
    "rootly-update",
    RL,
    "PUT /v1/incidents/{id}",
    {
        "data": {
            "type": "incidents",
            "attributes": {
                "title": "Queue consumers lagging",
                "summary": "Consumers fell behind after the deploy.",
                "status": "mitigated",
                "severity_id": SEVERITIES[1].id,
                "service_ids": ["svc-checkout"],
                "labels": {"team": "payments"},
                "private": False,
                "mitigation_message": "Scaled the consumers.",
                "started_at": "2026-05-04T03:02:01Z",
            },
        }
    },
    rootly_update,
    {"data.attributes.severity_id": [SEVERITIES[0].id]},
    lenient=(null_enums(("data", "attributes", "kind"), ("data", "attributes", "status")),),
    stricter=(
        Strictness(
            "a date-time attribute that is not ISO 8601 is refused (422): the spec types them as plain "
            "strings and Rails would store null for such text, silently erasing the time a typo meant to set",
            lambda body: any(not_a_time(at(body, "data", "attributes", name)) for name in TIMES),
        ),
    ),
)


def rootly_transition(
    action: str, *, after: str | None = None
) -> Callable[[RootlySandbox, Any], httpx.Response]:
    """Send to ``/v1/incidents/{id}/<action>`` on a started incident (first moved by ``after``, if given)."""

    def send(handle: RootlySandbox, body: Any) -> httpx.Response:
        incident_id = handle.create(title="Sandbox agreement check")
        if after is not None:
            moved = handle.api.put(f"/v1/incidents/{incident_id}/{after}", json=ROOTLY_MOVE)
            moved.raise_for_status()
        return handle.api.put(f"/v1/incidents/{incident_id}/{action}", json=body)

    return send


ROOTLY_MOVE = {"data": {"type": "incidents", "attributes": {}}}


def rootly_message(action: str, key: str, *, after: str | None = None) -> Endpoint:
    """A transition endpoint whose one attribute is its message."""
    return Endpoint(
        f"rootly-{action}",
        RL,
        f"PUT /v1/incidents/{{id}}/{action}",
        {"data": {"type": "incidents", "attributes": {key: "Done."}}},
        rootly_transition(action, after=after),
    )


def rootly_create(handle: RootlySandbox, body: Any) -> httpx.Response:
    return handle.api.post("/v1/incidents", json=body)


ROOTLY_CREATE = Endpoint(
    "rootly-create",
    RL,
    "POST /v1/incidents",
    {
        "data": {
            "type": "incidents",
            "attributes": {
                "title": "Queue consumers lagging",
                "summary": "Consumers fell behind after the deploy.",
                "status": "started",
                "severity_id": SEVERITIES[2].id,
                "labels": {"team": "payments"},
                "notify_emails": ["oncall@example.com"],
                "started_at": "2026-05-04T03:02:01Z",
            },
        }
    },
    rootly_create,
    {"data.attributes.severity_id": [SEVERITIES[0].id]},
    lenient=ROOTLY_UPDATE.lenient,
    stricter=ROOTLY_UPDATE.stricter,
)


ROOTLY_ROLE_HINTS: Hints = {
    "data.attributes.user_id": [ROOTLY_USERS[1].id],
    "data.attributes.incident_role_id": [ROLES[1].id],
}
ROLE_NAMED = Strictness(
    "an assignment names its user and role: the spec declares neither attribute required, but without "
    "them the call assigns nobody",
    lambda body: (
        not all(
            isinstance(at(body, "data", "attributes"), dict) and key in body["data"]["attributes"]
            for key in ("user_id", "incident_role_id")
        )
    ),
)


def rootly_role_body(role_id: str) -> JsonObject:
    attributes = {"user_id": ROOTLY_USERS[1].id, "incident_role_id": role_id}
    return {"data": {"type": "incidents", "attributes": attributes}}


def rootly_assign(handle: RootlySandbox, body: Any) -> httpx.Response:
    incident_id = handle.create(title="Sandbox agreement check")
    return handle.api.post(f"/v1/incidents/{incident_id}/assign_role_to_user", json=body)


def rootly_unassign(handle: RootlySandbox, body: Any) -> httpx.Response:
    """Both roles are first given to the user the base body names, so only the body decides."""
    incident_id = handle.create(title="Sandbox agreement check")
    for role in ROLES:
        assign = f"/v1/incidents/{incident_id}/assign_role_to_user"
        handle.api.post(assign, json=rootly_role_body(role.id)).raise_for_status()
    return handle.api.request("DELETE", f"/v1/incidents/{incident_id}/unassign_role_from_user", json=body)


ROOTLY_ASSIGN = Endpoint(
    "rootly-assign-role",
    RL,
    "POST /v1/incidents/{id}/assign_role_to_user",
    rootly_role_body(ROLES[0].id),
    rootly_assign,
    ROOTLY_ROLE_HINTS,
    stricter=(ROLE_NAMED,),
)
ROOTLY_UNASSIGN = Endpoint(
    "rootly-unassign-role",
    RL,
    "DELETE /v1/incidents/{id}/unassign_role_from_user",
    rootly_role_body(ROLES[0].id),
    rootly_unassign,
    ROOTLY_ROLE_HINTS,
    stricter=(ROLE_NAMED,),
)
ROOTLY_IN_TRIAGE = Endpoint(
    "rootly-in-triage",
    RL,
    "PUT /v1/incidents/{id}/in_triage",
    {"data": {"type": "incidents"}},
    rootly_transition("in_triage"),
)
ROOTLY_RESTART = Endpoint(
    "rootly-restart",
    RL,
    "PUT /v1/incidents/{id}/restart",
    {"data": {"type": "incidents", "attributes": {}}},
    rootly_transition("restart", after="cancel"),
)

ROOTLY_EVENT = Endpoint(
    "rootly-event",
    RL,
    "POST /v1/incidents/{incident_id}/events",
    {
        "data": {
            "type": "incident_events",
            "attributes": {"event": "Paged the database team.", "visibility": "external"},
        }
    },
    rootly_event,
)

ENDPOINTS = (
    ROOTLY_UPDATE,
    ROOTLY_CREATE,
    rootly_message("resolve", "resolution_message"),
    rootly_message("mitigate", "mitigation_message"),
    rootly_message("cancel", "cancellation_message"),
    ROOTLY_IN_TRIAGE,
    ROOTLY_RESTART,
    ROOTLY_EVENT,
    ROOTLY_ASSIGN,
    ROOTLY_UNASSIGN,
)
