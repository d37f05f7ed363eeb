"""PagerDutyIncidentHook against the sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    ConflictError,
    IncidentNotFoundError,
    IncidentValidationError,
    RateLimitedError,
    UnsupportedOperationError,
    VendorError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import aget_incident_hook, get_incident_hook, transport
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.idempotency import idempotency_key, marker
from airflow_incident_provider.models import (
    Escalation,
    IncidentCreate,
    IncidentUpdate,
    Phase,
    Step,
    WriteOptions,
)
from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    EscalateIncidentOperator,
    ReassignIncidentOperator,
)
from airflow_incident_provider.vendors import pagerduty as pd_vendor
from airflow_incident_provider.vendors.base import Request, Response
from tests.fixtures import PD_CONN_ID, PD_TOKEN, Sandbox, connection_json
from tests.hooks.scripted import drive


def hook() -> PagerDutyIncidentHook:
    result = get_incident_hook(PD_CONN_ID)
    assert isinstance(result, PagerDutyIncidentHook)
    return result


def writes(pd: Sandbox) -> list[dict[str, Any]]:
    return [r for r in pd.requests() if r["method"] in ("PUT", "POST")]


def test_get_incident_is_normalized(pd: Sandbox) -> None:
    incident_id = pd.create(title="Queue backlog growing")
    incident = hook().get_incident(incident_id)
    assert incident.vendor == "pagerduty"
    assert incident.id == incident_id == incident.ref
    assert incident.title == "Queue backlog growing"
    assert incident.status == "triggered"
    assert incident.phase is Phase.OPEN
    assert incident.url
    assert incident_id in incident.url
    assert incident.raw is None
    assert hook().get_incident(incident_id, include_raw=True).raw is not None


def test_missing_incident_surfaces_pagerduty_message(pd: Sandbox) -> None:
    with pytest.raises(IncidentNotFoundError) as info:
        hook().get_incident("QNOPE404")
    assert info.value.status_code == 404
    assert info.value.code == "2100"
    assert "Not Found" in str(info.value)
    assert "GET /incidents/QNOPE404" in str(info.value)
    assert len(pd.requests()) == 1, "404 is never retried"


def test_connection_check(pd: Sandbox) -> None:
    ok, message = hook().test_connection()
    assert ok
    assert pd.server.vendor_url("pagerduty") in message


def test_update_title_status_and_note_in_one_call(pd: Sandbox) -> None:
    incident_id = pd.create()
    key = idempotency_key("dag", "run", "task")
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(title="Checkout: DB failover", status="acknowledged", note="Failing over"),
        WriteOptions(idempotency_key=key),
    )
    assert result.changed
    assert [(s.name, s.applied) for s in result.steps] == [("update", True), ("note", True)]
    assert result.incident.status == "acknowledged"
    assert result.incident.title == "Checkout: DB failover"
    remote = pd.incident(incident_id)
    assert remote["status"] == "acknowledged"
    assert remote["title"] == "Checkout: DB failover"
    assert pd.notes(incident_id) == [f"Failing over\n\n[{marker(key)}]"]
    xcom = result.to_xcom()
    assert xcom["changed"] is True
    assert xcom["phase"] == "acknowledged"
    assert xcom["ref"] == incident_id


def test_title_only_update_is_a_single_put(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.admin.delete("/_sandbox/requests")
    hook().update_incident(incident_id, IncidentUpdate(title="Renamed"))
    assert [(r["method"], r["path"]) for r in pd.requests()] == [("PUT", f"/incidents/{incident_id}")]


def test_severity_as_urgency_and_as_priority_name(pd: Sandbox) -> None:
    incident_id = pd.create(urgency="high")
    assert hook().update_incident(incident_id, IncidentUpdate(severity="low")).incident.severity == "low"
    priorities = pd.pd.get("/priorities").json()["priorities"]
    name = priorities[0]["name"]
    result = hook().update_incident(incident_id, IncidentUpdate(severity=name.lower()))
    assert result.incident.severity == name
    assert pd.incident(incident_id)["priority"]["id"] == priorities[0]["id"]
    with pytest.raises(IncidentValidationError, match="neither an urgency"):
        hook().update_incident(incident_id, IncidentUpdate(severity="sev-zero"))


def test_every_vendor_field_reaches_pagerduty(pd: Sandbox) -> None:
    incident_id = pd.create()
    users = pd.pd.get("/users").json()["users"]
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            assignees=(users[1]["id"],),
            vendor_fields={
                "escalation_level": 2,
                "conference_bridge": {"conference_url": "https://meet.example.com/x"},
                "urgency": "low",
                "incident_type": "major",
            },
        ),
    )
    assert result.incident.assignees == (users[1]["id"],)
    remote = pd.incident(incident_id)
    assert remote["urgency"] == "low"
    assert remote["escalation_level"] == 2
    assert remote["conference_bridge"]["conference_url"] == "https://meet.example.com/x"


def test_reopen_needs_allow_reopen_and_nothing_is_sent_without_it(pd: Sandbox) -> None:
    incident_id = pd.create()
    hook().resolve_incident(incident_id)
    before = len(writes(pd))
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().update_incident(incident_id, IncidentUpdate(status="acknowledged", note="reopening"))
    assert len(writes(pd)) == before
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="triggered"), WriteOptions(allow_reopen=True)
    )
    assert result.changed
    assert result.incident.status == "triggered"
    assert result.incident.resolved_at is None


def test_resolve_is_idempotent(pd: Sandbox) -> None:
    incident_id = pd.create()
    first = hook().resolve_incident(incident_id, resolution="Rolled back release 42")
    assert first.changed
    assert first.incident.phase is Phase.RESOLVED
    puts = len(writes(pd))
    second = hook().resolve_incident(incident_id, resolution="Rolled back release 42")
    assert not second.changed
    assert second.steps[0].detail == "already resolved"
    assert len(writes(pd)) == puts, "resolving a resolved incident sends no write"


def test_acknowledge_never_goes_backwards(pd: Sandbox) -> None:
    incident_id = pd.create()
    assert hook().acknowledge_incident(incident_id).changed
    assert not hook().acknowledge_incident(incident_id).changed
    hook().resolve_incident(incident_id)
    result = hook().acknowledge_incident(incident_id)
    assert not result.changed
    assert result.incident.status == "resolved"


def test_note_with_key_is_posted_once_but_other_tasks_post_theirs(pd: Sandbox) -> None:
    incident_id = pd.create()
    key_a = idempotency_key("dag", "run", "task_a")
    key_b = idempotency_key("dag", "run", "task_b")
    assert hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a)).changed
    assert not hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a)).changed
    assert hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_b)).changed
    assert len(pd.notes(incident_id)) == 2


def test_unsupported_and_invalid_input_fail_before_any_request(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UnsupportedOperationError, match="note="):
        hook().update_incident("Q1", IncidentUpdate(description="long text"))
    with pytest.raises(IncidentValidationError, match="mitigated"):
        hook().update_incident("Q1", IncidentUpdate(status="mitigated"))
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.urgent"):
        hook().update_incident("Q1", IncidentUpdate(vendor_fields={"urgent": True}))
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{PD_CONN_ID.upper()}",
        connection_json("pagerduty_incidents", pd.server.vendor_url("pagerduty"), PD_TOKEN),
    )
    with pytest.raises(IncidentValidationError, match="from_email"):
        hook().resolve_incident("Q1")
    assert pd.requests() == []


def test_list_reaches_past_the_default_month_and_pages(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    every = {incident["id"] for incident in pd.incidents()}
    recent = pd.pd.get("/incidents", params={"limit": 100}).json()["incidents"]
    assert len(recent) < len(every), "the sample data has an incident older than PagerDuty's default month"
    monkeypatch.setattr(pd_vendor, "LIST_PAGE_SIZE", 2)
    listed = hook().list_incidents()
    assert {incident.id for incident in listed} == every
    offsets = [dict(r["query"]).get("offset") for r in pd.requests() if r["path"] == "/incidents"]
    assert len(offsets) >= 3
    open_ones = hook().list_incidents(statuses=["open", "acknowledged"])
    assert open_ones
    assert all(incident.phase in (Phase.OPEN, Phase.ACKNOWLEDGED) for incident in open_ones)
    assert len(hook().list_incidents(limit=3)) == 3


def test_list_scoped_to_services_or_teams_returns_only_their_incidents(pd: Sandbox) -> None:
    by_service: dict[str, set[str]] = {}
    for item in pd.incidents():
        by_service.setdefault(item["service"]["id"], set()).add(item["id"])
    checkout, nightly = by_service["PSVC001"], by_service["PSVC002"]
    assert checkout, "the sample data has incidents on both services"
    assert nightly, "the sample data has incidents on both services"
    pd.clear_requests()
    assert {i.id for i in hook().list_incidents(services=["PSVC002"])} == nightly
    assert {r["query"]["service_ids[]"][0] for r in pd.requests()} == {"PSVC002"}
    pd.clear_requests()
    assert {i.id for i in hook().list_incidents(teams=["PTEAM01"])} == checkout  # the Payments team's service
    assert [r["query"]["team_ids[]"] for r in pd.requests()] == [["PTEAM01"]]
    assert {i.id for i in hook().list_incidents(teams=["PTEAM01", "PTEAM02"])} == checkout | nightly
    assert hook().list_incidents(services=["PSVC001"], teams=["PTEAM02"]) == [], "both scopes must match"
    resolved = hook().list_incidents(services=["PSVC001"], statuses=["resolved"])
    assert [i.title for i in resolved] == ["Payment webhook backlog growing"]

    async def scoped() -> set[str]:
        async_hook = await aget_incident_hook(PD_CONN_ID)
        return {i.id for i in await async_hook.alist_incidents(teams=["PTEAM02"])}

    assert asyncio.run(scoped()) == nightly


def test_client_side_limit_refuses_rather_than_exceeding_the_deadline(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{PD_CONN_ID.upper()}",
        connection_json(
            "pagerduty_incidents",
            pd.server.vendor_url("pagerduty"),
            PD_TOKEN,
            from_email=pd.from_email,
            rate_limit_per_minute=3,
            total_timeout=2,
        ),
    )
    incident_id = pd.create()
    pd.admin.delete("/_sandbox/requests")
    for _ in range(3):
        hook().get_incident(incident_id)
    with pytest.raises(RateLimitedError, match="3/min"):
        hook().get_incident(incident_id)
    assert len(pd.requests()) == 3, "the fourth request was never sent"


# --- create, escalate, reassign -------------------------------------------------------------------------

SERVICE = "PSVC002"
"""The sandbox's low-urgency service: an incident created on it starts at the bottom of the scale."""
PRIORITY_IDS = ("PPRIO01", "PPRIO02", "PPRIO03", "PPRIO04", "PPRIO05")
"""The sandbox account's priorities, most severe (P1) first, as ``GET /priorities`` lists them."""


def task_context(task_id: str) -> Any:
    """The part of an Airflow context the operators read: the task instance that derives keys."""
    return {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=-1)}


def lose_response(monkeypatch: pytest.MonkeyPatch, method: str, path: str, times: int = 1) -> list[Request]:
    """Let the first ``times`` matching requests land at the sandbox but answer them with a 502, as a
    gateway that lost the response would; returns every matching request as it was sent."""
    real = transport.send
    sent: list[Request] = []

    def send(
        client: httpx.Client, vendor: str, request: Request, url: str, headers: Any, deadline: float
    ) -> Response:
        response = real(client, vendor, request, url, headers, deadline)
        if (request.method, request.path) == (method, path):
            sent.append(request)
            if len(sent) <= times:
                return Response(502, {}, {"error": {"message": "Bad Gateway", "code": 0}})
        return response

    monkeypatch.setattr(transport, "send", send)
    return sent


def fast_hook() -> PagerDutyIncidentHook:
    """A hook whose retries back off in milliseconds."""
    result = hook()
    result.backoff_base = 0.001
    return result


def by_key(pd: Sandbox, key: str) -> list[dict[str, Any]]:
    return pd.incidents(incident_key=key)


def test_create_posts_once_and_a_second_call_returns_the_first(pd: Sandbox) -> None:
    create = IncidentCreate(
        title="Nightly export stalled",
        description="The export job has written nothing for 2 hours.",
        severity="low",
        vendor_fields={"service": SERVICE},
        dedup_key="export-2026-11-22",
    )
    first = hook().create_incident(create)
    assert first.changed
    assert [(s.name, s.applied) for s in first.steps] == [("create", True)]
    assert first.incident.title == "Nightly export stalled"
    assert first.incident.severity == "low"
    remote = pd.pd.get(f"/incidents/{first.incident.id}", params={"include[]": "body"}).json()["incident"]
    assert remote["incident_key"] == "export-2026-11-22"
    assert remote["service"]["id"] == SERVICE
    assert remote["body"]["details"] == "The export job has written nothing for 2 hours."
    second = hook().create_incident(create)
    assert not second.changed
    assert second.steps == (Step(name="create", applied=False, detail="already created"),)
    assert second.incident.id == first.incident.id
    assert len(by_key(pd, "export-2026-11-22")) == 1
    assert [call for call in pd.writes() if call == ("POST", "/incidents")] == [("POST", "/incidents")]


def test_create_finds_its_key_in_any_status(pd: Sandbox) -> None:
    create = IncidentCreate(title="Disk full", vendor_fields={"service": SERVICE}, dedup_key="disk-full")
    first = hook().create_incident(create)
    hook().resolve_incident(first.incident.id)
    again = hook().create_incident(create)
    assert not again.changed
    assert again.incident.id == first.incident.id
    assert again.incident.status == "resolved"


def test_create_without_a_key_always_creates(pd: Sandbox) -> None:
    create = IncidentCreate(title="Flaky check", vendor_fields={"service": SERVICE})
    assert hook().create_incident(create).incident.id != hook().create_incident(create).incident.id
    assert not any(r["path"] == "/incidents" and r["method"] == "GET" for r in pd.requests())


def test_create_uses_the_connection_default_service_and_assigns(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    pd.use_connection(monkeypatch, default_service_id="PSVC001")
    result = hook().create_incident(
        IncidentCreate(title="Checkout errors", severity="P2", assignees=("PUSER02",), dedup_key="co-5xx")
    )
    remote = pd.incident(result.incident.id)
    assert remote["service"]["id"] == "PSVC001"
    assert remote["priority"]["id"] == "PPRIO02"
    assert result.incident.assignees == ("PUSER02",)


def test_create_after_a_lost_response_finds_the_key_and_does_not_post_again(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = lose_response(monkeypatch, "POST", "/incidents")
    result = fast_hook().create_incident(
        IncidentCreate(title="Queue stuck", vendor_fields={"service": SERVICE}, dedup_key="queue-stuck")
    )
    assert len(posts) == 1, "the landed POST is not sent again"
    assert result.changed
    assert result.steps == (Step(name="create", applied=True, detail="created (response lost)"),)
    assert [i["id"] for i in by_key(pd, "queue-stuck")] == [result.incident.id]


def test_create_without_a_key_surfaces_a_lost_response(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    lose_response(monkeypatch, "POST", "/incidents")
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        fast_hook().create_incident(IncidentCreate(title="Queue stuck", vendor_fields={"service": SERVICE}))


def test_create_racing_another_worker_reads_pagerdutys_refusal_as_already_created(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search finds nothing, another worker creates the incident, and PagerDuty refuses the POST."""
    real = transport.send
    other: list[str] = []

    def send(
        client: httpx.Client, vendor: str, request: Request, url: str, headers: Any, deadline: float
    ) -> Response:
        response = real(client, vendor, request, url, headers, deadline)
        if request.method == "GET" and request.path == "/incidents" and not other:
            body = {"incident": {**request_body(request), "type": "incident"}}
            other.append(pd.pd.post("/incidents", json=body).json()["incident"]["id"])
        return response

    def request_body(request: Request) -> dict[str, Any]:
        key = dict(request.params)["incident_key"]
        return {"title": "Created elsewhere", "service": {"id": SERVICE, "type": "service_reference"},
                "incident_key": key}  # fmt: skip

    monkeypatch.setattr(transport, "send", send)
    result = hook().create_incident(
        IncidentCreate(title="Queue stuck", vendor_fields={"service": SERVICE}, dedup_key="raced")
    )
    assert not result.changed
    assert result.steps[0].detail == "already created"
    assert result.incident.id == other[0]
    assert len(by_key(pd, "raced")) == 1


def new_low_incident(pd: Sandbox) -> str:
    """An incident at the bottom of the scale: low urgency, no priority."""
    return pd.create(urgency="low")


def standing(pd: Sandbox, incident_id: str) -> tuple[str, str | None]:
    remote = pd.incident(incident_id)
    return remote["urgency"], (remote["priority"] or {}).get("id")


def test_one_step_climbs_urgency_then_priorities_to_the_top(pd: Sandbox) -> None:
    incident_id = new_low_incident(pd)
    expected = [("high", None), *[("high", pid) for pid in reversed(PRIORITY_IDS)]]
    for rung in expected:
        result = hook().escalate_incident(incident_id)
        assert result.changed
        assert standing(pd, incident_id) == rung
    assert standing(pd, incident_id) == ("high", "PPRIO01")
    top = hook().escalate_incident(incident_id)
    assert not top.changed
    assert top.steps == (Step(name="escalate", applied=False, detail="already at the top"),)
    assert standing(pd, incident_id) == ("high", "PPRIO01")


def test_each_step_is_one_absolute_put(pd: Sandbox) -> None:
    incident_id = new_low_incident(pd)
    pd.clear_requests()
    result = hook().escalate_incident(incident_id)
    assert result.steps[0].detail == "urgency high"
    assert pd.calls() == [("GET", f"/incidents/{incident_id}"), ("PUT", f"/incidents/{incident_id}")]
    assert hook().escalate_incident(incident_id).steps[0].detail == "priority P5"


def test_a_retried_escalation_carries_the_same_absolute_target(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = new_low_incident(pd)
    hook().escalate_incident(incident_id)  # now high urgency, no priority: the next step is P5
    puts = lose_response(monkeypatch, "PUT", f"/incidents/{incident_id}")
    result = fast_hook().escalate_incident(incident_id)
    assert len(puts) == 2, "the PUT whose response was lost is retried"
    target = {"type": "incident_reference", "priority": {"id": "PPRIO05", "type": "priority_reference"}}
    assert [put.json["incident"] for put in puts] == [target, target]
    assert result.changed
    assert standing(pd, incident_id) == ("high", "PPRIO05"), "one step, not two"


def test_explicit_severity_is_set_as_given(pd: Sandbox) -> None:
    incident_id = new_low_incident(pd)
    result = hook().escalate_incident(incident_id, Escalation(severity="p2"))
    assert result.changed
    assert result.incident.severity == "P2"
    assert standing(pd, incident_id) == ("low", "PPRIO02")
    again = hook().escalate_incident(incident_id, Escalation(severity="P2"))
    assert not again.changed
    assert again.steps[0].detail == "already as requested"
    assert hook().escalate_incident(incident_id, Escalation(severity="high")).changed
    assert standing(pd, incident_id) == ("high", "PPRIO02")
    with pytest.raises(IncidentValidationError, match="neither an urgency"):
        hook().escalate_incident(incident_id, Escalation(severity="sev0"))


def test_an_explicit_target_never_lowers_urgency_priority_or_level(pd: Sandbox) -> None:
    incident_id = new_low_incident(pd)
    hook().escalate_incident(incident_id, Escalation(severity="P1"))
    hook().escalate_incident(incident_id, Escalation(severity="high"))
    hook().escalate_incident(incident_id, Escalation(escalation_level=3))
    before = len(writes(pd))
    for lower in (Escalation(severity="P3"), Escalation(severity="low"), Escalation(escalation_level=1)):
        result = hook().escalate_incident(incident_id, lower)
        assert not result.changed, lower
    assert len(writes(pd)) == before, "a scheduled escalation to a fixed target never undoes a higher one"
    assert standing(pd, incident_id) == ("high", "PPRIO01")


def test_escalation_level_assignees_and_note(pd: Sandbox) -> None:
    incident_id = pd.create()
    key = idempotency_key("dag", "run", "escalate")
    options = WriteOptions(idempotency_key=key)
    result = hook().escalate_incident(
        incident_id, Escalation(escalation_level=2, note="Paging level 2"), options
    )
    assert [(s.name, s.applied) for s in result.steps] == [("escalate", True), ("note", True)]
    assert pd.incident(incident_id)["escalation_level"] == 2
    again = hook().escalate_incident(
        incident_id, Escalation(escalation_level=2, note="Paging level 2"), options
    )
    assert not again.changed
    assert pd.notes(incident_id) == [f"Paging level 2\n\n[{marker(key)}]"]
    moved = hook().escalate_incident(incident_id, Escalation(severity="P1", assignees=("PUSER04",)))
    assert moved.incident.assignees == ("PUSER04",)
    assert standing(pd, incident_id)[1] == "PPRIO01"


def test_a_resolved_incident_is_escalated_only_when_reopening_is_allowed(pd: Sandbox) -> None:
    incident_id = new_low_incident(pd)
    hook().resolve_incident(incident_id)
    pd.clear_requests()
    with pytest.raises(IncidentValidationError, match=r"is resolved.*allow_reopen=True"):
        hook().escalate_incident(incident_id)
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().reassign_incident(incident_id, ("PUSER02",))
    assert pd.writes() == []
    result = hook().escalate_incident(incident_id, options=WriteOptions(allow_reopen=True))
    assert result.incident.status == "triggered"
    assert standing(pd, incident_id) == ("high", None)


def test_reassign_replaces_assignees_and_is_idempotent(pd: Sandbox) -> None:
    incident_id = pd.create()
    result = hook().reassign_incident(incident_id, ("PUSER02", "PUSER03"))
    assert result.changed
    assert result.steps[0].detail == "assignees PUSER02, PUSER03"
    assert set(result.incident.assignees) == {"PUSER02", "PUSER03"}
    pd.clear_requests()
    again = hook().reassign_incident(incident_id, ("PUSER03", "PUSER02"))
    assert not again.changed
    assert again.steps[0].detail == "already assigned"
    assert pd.writes() == []
    with pytest.raises(VendorValidationError, match="not a user"):
        hook().reassign_incident(incident_id, ("PNOBODY",))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.create_incident(IncidentCreate(title="x")), r"vendor_fields\.service"),
        (lambda h: h.create_incident(IncidentCreate(title=" ", vendor_fields={"service": SERVICE})), "title"),
        (
            lambda h: h.create_incident(
                IncidentCreate(title="x", vendor_fields={"service": SERVICE, "escalation_level": 2})
            ),
            r"vendor_fields\.escalation_level",
        ),
        (
            lambda h: h.create_incident(
                IncidentCreate(title="x", vendor_fields={"service": SERVICE, "incident_key": "k"})
            ),
            "dedup_key",
        ),
        (
            lambda h: h.create_incident(
                IncidentCreate(
                    title="x",
                    assignees=("PUSER01",),
                    vendor_fields={"service": SERVICE, "escalation_policy": "P1"},
                )
            ),
            "assignees",
        ),
        (
            lambda h: h.create_incident(
                IncidentCreate(
                    title="x", severity="high", vendor_fields={"service": SERVICE, "urgency": "low"}
                )
            ),
            "severity",
        ),
        (
            lambda h: h.escalate_incident("Q1", Escalation(escalation_level=2, assignees=("PUSER01",))),
            "assignees",
        ),
        (lambda h: h.escalate_incident("Q1", Escalation(severity=" ")), "severity"),
        (lambda h: h.escalate_incident("Q1", Escalation(note=" ")), "note"),
        (lambda h: h.reassign_incident("Q1", ()), "assignees"),
        (lambda h: h.reassign_incident("Q1", ("PUSER01",), note=""), "note"),
    ],
)
def test_create_escalate_reassign_validate_before_any_request(
    pd: Sandbox, call: Callable[[PagerDutyIncidentHook], object], field: str
) -> None:
    with pytest.raises(IncidentValidationError, match=field):
        call(hook())
    assert pd.requests() == []


def test_operators_create_escalate_and_reassign(pd: Sandbox) -> None:
    create = CreateIncidentOperator(
        task_id="open", conn_id=PD_CONN_ID, title="Backfill failed", vendor_fields={"service": SERVICE}
    )
    first = create.execute(task_context("open"))
    assert first["changed"] is True
    assert create.incident_url == first["url"]
    assert create.execute(task_context("open"))["changed"] is False, "a task retry creates nothing"
    assert create.execute(task_context("other"))["id"] != first["id"], "another task creates its own"

    escalate = EscalateIncidentOperator(task_id="up", conn_id=PD_CONN_ID, incident_id=first)
    assert escalate.execute(task_context("up"))["steps"] == [
        {"name": "escalate", "applied": True, "detail": "urgency high"}
    ]
    named = EscalateIncidentOperator(task_id="p1", conn_id=PD_CONN_ID, incident_id=first["id"], severity="P1")
    assert named.execute(task_context("p1"))["severity"] == "P1"
    top = escalate.execute(task_context("up"))
    assert top["changed"] is False
    assert top["steps"][0]["detail"] == "already at the top"

    reassign = ReassignIncidentOperator(
        task_id="mv", conn_id=PD_CONN_ID, incident_id=first, assignees="PUSER03", note="Handing over"
    )
    moved = reassign.execute(task_context("mv"))
    assert moved["assignees"] == ["PUSER03"]
    assert [step["name"] for step in moved["steps"]] == ["reassign", "note"]
    assert reassign.execute(task_context("mv"))["changed"] is False
    assert len(pd.notes(first["id"])) == 1


# --- bulk transition ---------------------------------------------------------------------------------------


def bulk_puts(pd: Sandbox) -> list[dict[str, Any]]:
    return [r for r in pd.requests() if (r["method"], r["path"]) == ("PUT", "/incidents")]


def test_bulk_resolve_sends_300_incidents_in_two_puts_and_reads_nothing(pd: Sandbox) -> None:
    refs = [pd.create(title=f"Disk full on db-{n}") for n in range(300)]
    pd.clear_requests()
    results = hook().bulk_transition(list(reversed(refs)), "resolved", resolution="Disks cleaned")
    assert pd.calls() == [("PUT", "/incidents"), ("PUT", "/incidents")]
    assert [r.incident.id for r in results] == list(reversed(refs))
    assert all(r.changed and r.incident.phase is Phase.RESOLVED for r in results)
    assert results[0].steps == (Step(name="resolved", applied=True),)
    still_open = pd.incidents(**{"statuses[]": ["triggered", "acknowledged"]})
    assert set(refs).isdisjoint(item["id"] for item in still_open)


def test_bulk_resolve_again_is_idempotent(pd: Sandbox) -> None:
    refs = [pd.create() for _ in range(3)]
    first = hook().bulk_transition(refs, "resolved")
    again = hook().bulk_transition([*refs, refs[0]], "resolved")
    assert [r.incident.id for r in again] == [*refs, refs[0]]
    assert all(r.incident.status == "resolved" for r in [*first, *again])
    assert all(r.changed for r in first)
    assert len(bulk_puts(pd)) == 2
    assert all(pd.incident(ref)["status"] == "resolved" for ref in refs)


def test_async_bulk_transition_is_the_same_flow(pd: Sandbox) -> None:
    refs = [pd.create() for _ in range(260)]
    pd.clear_requests()

    async def scenario() -> tuple[list[str], int]:
        async_hook = await aget_incident_hook(PD_CONN_ID)
        results = await async_hook.abulk_transition(refs, "resolved")
        return [r.incident.status for r in results], transport.open_async_clients()

    statuses, open_clients = asyncio.run(scenario())
    assert statuses == ["resolved"] * 260
    assert open_clients == 0
    assert pd.calls() == [("PUT", "/incidents"), ("PUT", "/incidents")]


def test_bulk_acknowledge_reads_first_and_never_reopens(pd: Sandbox) -> None:
    open_, acked, done = pd.create(), pd.create(), pd.create()
    hook().acknowledge_incident(acked)
    hook().resolve_incident(done)
    pd.clear_requests()
    results = hook().bulk_transition([open_, acked, done], "acknowledged")
    assert [(r.incident.status, r.changed) for r in results] == [
        ("acknowledged", True),
        ("acknowledged", False),
        ("resolved", False),
    ]
    assert results[2].steps == (Step(name="acknowledged", applied=False, detail="already resolved"),)
    assert [call[0] for call in pd.calls()] == ["GET", "GET", "GET", "PUT"]
    assert pd.incident(done)["status"] == "resolved"


def test_bulk_acknowledge_with_allow_reopen_sends_without_reading(pd: Sandbox) -> None:
    done = pd.create()
    hook().resolve_incident(done)
    pd.clear_requests()
    (result,) = hook().bulk_transition([done], "acknowledged", options=WriteOptions(allow_reopen=True))
    assert (result.incident.status, result.changed) == ("acknowledged", True)
    assert pd.calls() == [("PUT", "/incidents")]


def test_bulk_transition_checks_its_input_before_any_request(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.clear_requests()
    with pytest.raises(IncidentValidationError, match="acknowledged, resolved"):
        hook().bulk_transition([incident_id], "triggered")
    with pytest.raises(IncidentValidationError, match="resolution"):
        hook().bulk_transition([incident_id], "acknowledged", resolution="Fixed")
    with pytest.raises(IncidentValidationError, match="incident_id"):
        hook().bulk_transition([incident_id, " "], "resolved")
    assert hook().bulk_transition([], "resolved") == []
    assert pd.calls() == []


def test_bulk_transition_with_an_unknown_id_fails_with_pagerdutys_404(pd: Sandbox) -> None:
    incident_id = pd.create()
    with pytest.raises(IncidentNotFoundError) as info:
        hook().bulk_transition([incident_id, "QNOPE404"], "resolved")
    assert "QNOPE404" in str(info.value)
    assert pd.incident(incident_id)["status"] == "triggered"


def incident_body(incident_id: str, status: str) -> dict[str, Any]:
    return {"id": incident_id, "type": "incident", "title": "Disk full", "status": status}


def test_bulk_response_leaving_incidents_out_is_an_error_naming_them(pd: Sandbox) -> None:
    flow = hook().bulk_transition_flow(["Q1", "Q2", "Q3"], "resolved", None, WriteOptions())
    body = {"incidents": [incident_body("Q2", "resolved")]}
    with pytest.raises(VendorError, match="leaves out 2 incident\\(s\\) sent: Q1, Q3"):
        drive(flow, lambda request: Response(200, {}, body))


def test_bulk_resolve_refused_with_1001_reads_each_and_sends_the_rest(pd: Sandbox) -> None:
    conflict = ConflictError(
        "pagerduty", method="PUT", path="/incidents", status_code=400, message="Already", code="1001"
    )
    puts: list[list[str]] = []

    def answer(request: Request) -> Response | Exception:
        if request.method == "GET":
            incident_id = request.path.rsplit("/", 1)[1]
            status = "resolved" if incident_id == "Q1" else "acknowledged"
            return Response(200, {}, {"incident": incident_body(incident_id, status)})
        ids = [item["id"] for item in request.json["incidents"]]
        puts.append(ids)
        if len(puts) == 1:
            return conflict
        return Response(200, {}, {"incidents": [incident_body(i, "resolved") for i in ids]})

    flow = hook().bulk_transition_flow(["Q1", "Q2"], "resolved", None, WriteOptions())
    results, _requests = drive(flow, answer)
    assert puts == [["Q1", "Q2"], ["Q2"]]
    assert [(r.incident.id, r.changed) for r in results] == [("Q1", False), ("Q2", True)]
