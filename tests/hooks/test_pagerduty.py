"""PagerDutyIncidentHook against the sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_incident_provider.exceptions import (
    AuthenticationError,
    IncidentNotFoundError,
    IncidentValidationError,
    RateLimitedError,
    UnsupportedOperationError,
)
from airflow_incident_provider.hooks import aget_incident_hook, get_incident_hook, transport
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.idempotency import idempotency_key, marker
from airflow_incident_provider.models import IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.vendors import pagerduty as pd_vendor
from tests.fixtures import PD_CONN_ID, PD_TOKEN, Sandbox, connection_json


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


def test_wrong_token_fails_fast_without_leaking_it(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{PD_CONN_ID.upper()}",
        connection_json(
            "pagerduty_incidents",
            pd.server.vendor_url("pagerduty"),
            "wrong-token-5b9d0e77",
            from_email=pd.from_email,
        ),
    )
    with pytest.raises(AuthenticationError) as info:
        hook().get_incident("Q1")
    assert info.value.code == "2006"
    assert "wrong-token-5b9d0e77" not in str(info.value)
    assert PD_TOKEN not in str(info.value)
    assert len(pd.requests()) == 1, "401 is never retried"
    ok, message = hook().test_connection()
    assert not ok
    assert "Authentication" in message
    assert "wrong-token" not in message


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


def test_async_twins_share_the_flows_and_close_their_clients(pd: Sandbox) -> None:
    incident_id = pd.create()

    async def scenario() -> tuple[str, str, bool, int, int]:
        async_hook = await aget_incident_hook(PD_CONN_ID)
        got = await async_hook.aget_incident(incident_id)
        acked = await async_hook.aacknowledge_incident(
            incident_id,
            note="async ack",
            options=WriteOptions(idempotency_key=idempotency_key("d", "r", "t")),
        )
        resolved = await async_hook.aresolve_incident(incident_id)
        listed = await async_hook.alist_incidents(statuses=["resolved"])
        return (
            got.status,
            acked.incident.status,
            resolved.changed,
            len(listed),
            transport.open_async_clients(),
        )

    status, acked, changed, resolved_count, open_clients = asyncio.run(scenario())
    assert (status, acked, changed) == ("triggered", "acknowledged", True)
    assert resolved_count >= 1
    assert open_clients == 0
    assert pd.incident(incident_id)["status"] == "resolved"
