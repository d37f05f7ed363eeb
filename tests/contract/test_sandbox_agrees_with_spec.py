"""The sandbox takes what the vendors' specs take: edits of valid write bodies, generated from each spec's own
schema (``spec_mutations``), are sent over HTTP to the sandbox against a real incident, and the OAS30
validator of the spec extract is the judge.

- A body the spec accepts is answered 2xx, or refused for the incident's state or a reference that does
  not exist in the account, as the vendor documents (each vendor's ``state_refusal`` names those kinds,
  by code or message; nothing else passes).
- A body the spec refuses is answered 400/422 in the vendor's error format.
- Where the sandbox deliberately differs from the spec, the endpoint lists the choice with its reason;
  the vendor's page in ``docs/`` says the same.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.devhelm.seed import API, DASHBOARD, WEBHOOKS
from airflow_incident_provider.sandbox.pagerduty.seed import ESCALATION_POLICY, PRIORITIES, SERVICES, USERS
from airflow_incident_provider.sandbox.rootly.seed import ROLES, SEVERITIES
from airflow_incident_provider.sandbox.rootly.seed import USERS as ROOTLY_USERS
from airflow_incident_provider.sandbox.rootly.validation import UPDATE_ATTRIBUTES
from tests.contract.openapi_check import JsonObject, load_extract, schema_errors
from tests.contract.spec_mutations import Edit, Hints, apply, edits, value_at
from tests.fixtures import UNLIMITED, Sandbox
from tests.fixtures_devhelm import DEVHELM_PAGE_PATH, DevHelmSandbox
from tests.fixtures_rootly import RootlySandbox

PAGERDUTY = load_extract("pagerduty_schemas.json")
ROOTLY = load_extract("rootly_schemas.json")
DEVHELM = load_extract("devhelm_schemas.json")


@dataclass
class Handles:
    """One sandbox, seen as each vendor's client sees it."""

    pd: Sandbox
    rootly: RootlySandbox
    devhelm: DevHelmSandbox


@pytest.fixture(scope="module")
def handles(sandbox: SandboxServer) -> Iterator[Handles]:
    """Fresh sample data and no rate limit for the whole module; every example makes its own incident."""
    result = Handles(Sandbox(sandbox), RootlySandbox(sandbox), DevHelmSandbox(sandbox))
    result.pd.reset()  # resets every vendor, and its settings: the others' rate limits are lifted after
    result.rootly.configure(rate_limit_per_minute=UNLIMITED)
    result.devhelm.configure(rate_limit_per_minute=UNLIMITED)
    yield result
    for handle in (result.pd, result.rootly, result.devhelm):
        handle.close()


# ---------------------------------------------------------------- how each vendor refuses


@dataclass(frozen=True)
class Vendor:
    """How a vendor answers a body it refuses: the statuses, the error body's shape, and which refusals are
    about the incident's state or the account's data rather than the body's shape."""

    name: str
    refusal_statuses: tuple[int, ...]
    error_schema: JsonObject
    state_refusal: Callable[[httpx.Response], str | None]
    """What kind of documented state or reference refusal a response is, or None if it is not one."""

    def format_problems(self, response: httpx.Response) -> list[str]:
        try:
            document = response.json()
        except ValueError:
            return [f"{self.name}: the error body is not JSON: {response.text[:200]!r}"]
        return schema_errors(document, self.error_schema, f"{self.name} error body")


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


PD = Vendor("PagerDuty", (400,), PD_ERROR, pd_state_refusal)
RL = Vendor("Rootly", (400, 422), ROOTLY["schemas"]["errors_list"], rootly_state_refusal)
DH = Vendor("DevHelm", (400,), DEVHELM["error_response"], devhelm_state_refusal)


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Leniency:
    """Bodies the spec refuses that the sandbox deliberately accepts, and why."""

    reason: str
    normalize: Callable[[Any], Any]
    """The body as the spec would have it: the part the sandbox is lenient about taken out."""


@dataclass(frozen=True)
class Strictness:
    """Bodies the spec accepts that the sandbox deliberately refuses, and why."""

    reason: str
    applies: Callable[[Any], bool]


@dataclass(frozen=True)
class Endpoint:
    """A write the provider makes: a valid base body, the ids the account has, and how to send it."""

    id: str
    vendor: Vendor
    operation: str
    base: JsonObject
    send: Callable[[Handles, Any], httpx.Response]
    hints: Hints = field(default_factory=dict)
    lenient: tuple[Leniency, ...] = ()
    stricter: tuple[Strictness, ...] = ()

    @property
    def schema(self) -> JsonObject:
        extract = {"PagerDuty": PAGERDUTY, "Rootly": ROOTLY, "DevHelm": DEVHELM}[self.vendor.name]
        schema: JsonObject = extract["operations"][self.operation]["request_body"]["schema"]
        return schema

    @cached_property
    def catalogue(self) -> list[Edit]:
        return edits(self.base, self.schema, self.hints)


def judge(endpoint: Endpoint, body: Any, response: httpx.Response) -> str | None:
    """What is wrong with the sandbox's answer to ``body``, or None when it agrees with the spec."""
    as_spec_reads_it = body
    for leniency in endpoint.lenient:
        as_spec_reads_it = leniency.normalize(as_spec_reads_it)
    problems = schema_errors(as_spec_reads_it, endpoint.schema, "body")
    stricter = [choice.reason for choice in endpoint.stricter if choice.applies(body)]
    status = response.status_code
    answer = f"{status} {response.text[:300]}"
    if problems or stricter:
        if 200 <= status < 300:
            return f"accepted a body the spec refuses ({problems or stricter}): {answer}"
        if status not in endpoint.vendor.refusal_statuses:
            return f"refused with {status}, not {endpoint.vendor.refusal_statuses}: {answer}"
        bad_format = endpoint.vendor.format_problems(response)
        return f"refused outside {endpoint.vendor.name}'s error format {bad_format}" if bad_format else None
    if 200 <= status < 300 or endpoint.vendor.state_refusal(response) is not None:
        return None
    return f"refused a body the spec accepts: {answer}"


def at(body: Any, *path: str) -> Any:
    """The value at ``path`` in ``body``, or None when any step is missing."""
    return value_at(body, path)


def without(*path: str, when: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """A normalizer dropping the key at ``path`` when its value passes ``when``."""

    def normalize(body: Any) -> Any:
        parent = at(body, *path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent or not when(parent[path[-1]]):
            return body
        result = copy.deepcopy(body)
        del at(result, *path[:-1])[path[-1]]
        return result

    return normalize


def is_null(value: Any) -> bool:
    return value is None


def null_enums(*paths: tuple[str, ...]) -> Leniency:
    """``null`` for the nullable enums at ``paths``, which OAS 3.0.3 refuses unless the enum lists it."""
    normalizers = [without(*path, when=is_null) for path in paths]

    def normalize(body: Any) -> Any:
        for normalizer in normalizers:
            body = normalizer(body)
        return body

    names = ", ".join(path[-1] for path in paths)
    return Leniency(
        f"null for {names}: the spec marks them nullable (null keeps the value), but OAS 3.0.3 also wants "
        "null among an enum's members, which the spec leaves out",
        normalize,
    )


# --- PagerDuty


def pd_update(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.pd.create(title="Sandbox agreement check")
    return handles.pd.pd.put(f"/incidents/{incident_id}", json=body)


def pd_note(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.pd.create(title="Sandbox agreement check")
    return handles.pd.pd.post(f"/incidents/{incident_id}/notes", json=body)


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


def pd_create(handles: Handles, body: Any) -> httpx.Response:
    return handles.pd.pd.post("/incidents", json=body)


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


def pd_bulk(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.pd.create(title="Sandbox agreement check")
    items = at(body, "incidents")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("id") == THIS_INCIDENT:
            item["id"] = incident_id
    return handles.pd.pd.put("/incidents", json=body)


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


# --- Rootly


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


def rootly_update(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.rootly.create(title="Sandbox agreement check")
    return handles.rootly.api.put(f"/v1/incidents/{incident_id}", json=body)


def rootly_event(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.rootly.create(title="Sandbox agreement check")
    return handles.rootly.api.post(f"/v1/incidents/{incident_id}/events", json=body)


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


def rootly_transition(action: str, *, after: str | None = None) -> Callable[[Handles, Any], httpx.Response]:
    """Send to ``/v1/incidents/{id}/<action>`` on a started incident (first moved by ``after``, if given)."""

    def send(handles: Handles, body: Any) -> httpx.Response:
        incident_id = handles.rootly.create(title="Sandbox agreement check")
        if after is not None:
            moved = handles.rootly.api.put(f"/v1/incidents/{incident_id}/{after}", json=ROOTLY_MOVE)
            moved.raise_for_status()
        return handles.rootly.api.put(f"/v1/incidents/{incident_id}/{action}", json=body)

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


def rootly_create(handles: Handles, body: Any) -> httpx.Response:
    return handles.rootly.api.post("/v1/incidents", json=body)


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


def rootly_assign(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.rootly.create(title="Sandbox agreement check")
    return handles.rootly.api.post(f"/v1/incidents/{incident_id}/assign_role_to_user", json=body)


def rootly_unassign(handles: Handles, body: Any) -> httpx.Response:
    """Both roles are first given to the user the base body names, so only the body decides."""
    incident_id = handles.rootly.create(title="Sandbox agreement check")
    for role in ROLES:
        assign = f"/v1/incidents/{incident_id}/assign_role_to_user"
        handles.rootly.api.post(assign, json=rootly_role_body(role.id)).raise_for_status()
    return handles.rootly.api.request(
        "DELETE", f"/v1/incidents/{incident_id}/unassign_role_from_user", json=body
    )


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


# --- DevHelm

DEVHELM_INCIDENTS = f"{DEVHELM_PAGE_PATH}/incidents"
COMPONENTS: Hints = {
    "affectedComponents.*.componentId": [API.id, DASHBOARD.id],
}


def devhelm_update(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.devhelm.create(title="Sandbox agreement check")
    return handles.devhelm.api.put(f"{DEVHELM_INCIDENTS}/{incident_id}", json=body)


def devhelm_timeline(handles: Handles, body: Any) -> httpx.Response:
    incident_id = handles.devhelm.create(title="Sandbox agreement check")
    return handles.devhelm.api.post(f"{DEVHELM_INCIDENTS}/{incident_id}/updates", json=body)


def devhelm_create(handles: Handles, body: Any) -> httpx.Response:
    return handles.devhelm.api.post(DEVHELM_INCIDENTS, json=body)


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

ENDPOINTS = (
    PD_UPDATE,
    PD_CREATE,
    PD_BULK,
    PD_NOTE,
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
    DEVHELM_UPDATE,
    DEVHELM_TIMELINE,
    DEVHELM_CREATE,
)


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_base_bodies_are_spec_valid_and_accepted(handles: Handles, endpoint: Endpoint) -> None:
    """The edits start from a body the spec and the sandbox both accept, else nothing is tested."""
    assert schema_errors(endpoint.base, endpoint.schema, "body") == []
    response = endpoint.send(handles, endpoint.base)
    assert 200 <= response.status_code < 300, response.text
    assert len(endpoint.catalogue) > 10


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
@given(data=st.data())
def test_sandbox_agrees_with_the_spec(handles: Handles, endpoint: Endpoint, data: st.DataObject) -> None:
    changes = data.draw(st.lists(st.sampled_from(endpoint.catalogue), min_size=1, max_size=3), label="edits")
    body = apply(endpoint.base, changes)
    problem = judge(endpoint, body, endpoint.send(handles, body))
    assert problem is None, f"{endpoint.id} after {[str(change) for change in changes]}: {problem}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_every_choice_concerns_some_generated_body(endpoint: Endpoint) -> None:
    """A leniency or strictness no generated body reaches would excuse nothing: each one is live."""
    bodies = [apply(endpoint.base, [change]) for change in endpoint.catalogue]
    for leniency in endpoint.lenient:
        assert any(leniency.normalize(body) != body for body in bodies), leniency.reason
    for strictness in endpoint.stricter:
        assert any(strictness.applies(body) for body in bodies), strictness.reason


def pd_answer(status: int, document: Any) -> httpx.Response:
    return httpx.Response(status, json=document)


INVALID_INPUT = {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["incident.title"]}}


@pytest.mark.parametrize(
    ("body", "answer", "flagged"),
    [
        ({"incident": {"type": "incident_reference", "title": ""}}, pd_answer(400, INVALID_INPUT), True),
        ({"incident": {"type": "incident_reference", "x": 1}}, pd_answer(200, {"incident": {}}), False),
        ({"incident": {"type": "nope"}}, pd_answer(200, {"incident": {}}), True),
        ({"incident": {"type": "nope"}}, pd_answer(400, {"errors": ["not PagerDuty's shape"]}), True),
        ({"incident": {"type": "nope"}}, pd_answer(422, INVALID_INPUT), True),
        ({"incident": {"type": "nope"}}, pd_answer(400, INVALID_INPUT), False),
        (
            {"incident": {"type": "incident", "status": "resolved"}},
            pd_answer(400, {"error": {"message": "Incident Already Resolved", "code": 1001}}),
            False,
        ),
        (
            {"incident": {"type": "incident", "escalation_level": 9}},
            pd_answer(
                400, {"error": {**INVALID_INPUT["error"], "errors": ["escalation_level must be between"]}}
            ),
            False,
        ),
        ({"incident": {"type": "incident", "priority": None}}, pd_answer(200, {"incident": {}}), False),
        ({"incident": {"type": "incident", "priority": 5}}, pd_answer(200, {"incident": {}}), True),
        ({"incident": {"type": "incident", "assignments": [{}]}}, pd_answer(200, {"incident": {}}), True),
    ],
)
def test_the_judge_flags_every_kind_of_disagreement(body: Any, answer: httpx.Response, flagged: bool) -> None:
    """Negative controls: a refused valid body, an accepted invalid one, a refusal in another format or
    status; and no flag for a documented state refusal, a leniency or an expected refusal."""
    assert (judge(PD_UPDATE, body, answer) is not None) == flagged
