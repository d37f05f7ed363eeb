"""IncidentStatusTrigger run directly in an event loop against the sandbox, and its serialization."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import time
from typing import Any

import pytest

from airflow_incident_provider.exceptions import RateLimitedError
from airflow_incident_provider.hooks import transport
from airflow_incident_provider.triggers import IncidentStatusTrigger
from tests.fixtures import PD_TOKEN, UNLIMITED, Sandbox


def _trigger(ref: str, **kwargs: Any) -> IncidentStatusTrigger:
    options: dict[str, Any] = {"poll_interval": 0.2, "deadline": time.time() + 20}
    options.update(kwargs)
    return IncidentStatusTrigger(conn_id="pd_test", incident_ref=ref, **options)


async def _first_event(trigger: IncidentStatusTrigger) -> dict[str, Any]:
    event = await anext(trigger.run())
    assert isinstance(event.payload, dict)
    return event.payload


def test_serialize_round_trip_holds_only_primitives_and_no_secret() -> None:
    trigger = _trigger("Q1", target_statuses=["acknowledged"], failure_statuses=["resolved"])
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    text = json.dumps(kwargs)  # primitives only
    assert PD_TOKEN not in text
    assert set(kwargs) == {
        "conn_id",
        "incident_ref",
        "target_statuses",
        "failure_statuses",
        "changed_from",
        "poll_interval",
        "deadline",
    }


def test_waits_for_a_scheduled_transition(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.6)
    payload = asyncio.run(_first_event(_trigger(incident_id, target_statuses=["acknowledged"])))
    assert payload["status"] == "success"
    assert payload["incident"]["status"] == "acknowledged"
    assert "raw" not in payload["incident"]
    assert len([c for c in pd.calls() if c[0] == "GET"]) >= 2


def test_changed_from_fires_when_the_incident_leaves_the_status(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "resolved", 0.5)
    payload = asyncio.run(_first_event(_trigger(incident_id, target_statuses=[], changed_from=["triggered"])))
    assert (payload["status"], payload["incident"]["status"]) == ("success", "resolved")


def test_failure_status_ends_the_wait_as_failure(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.3)
    payload = asyncio.run(
        _first_event(_trigger(incident_id, target_statuses=["resolved"], failure_statuses=["acknowledged"]))
    )
    assert payload["status"] == "failure"
    assert "acknowledged" in payload["message"]


def test_own_deadline_yields_a_timeout_event(pd: Sandbox) -> None:
    incident_id = pd.create()
    started = time.monotonic()
    payload = asyncio.run(_first_event(_trigger(incident_id, deadline=time.time() + 0.8)))
    assert payload["status"] == "timeout"
    assert time.monotonic() - started < 10
    assert "resolved" in payload["message"]


def test_a_deadline_already_past_polls_nothing(pd: Sandbox) -> None:
    payload = asyncio.run(_first_event(_trigger(pd.create(), deadline=time.time() - 1)))
    assert payload["status"] == "timeout"
    assert not [c for c in pd.calls() if c[0] == "GET" and c[1].startswith("/incidents/")]


def test_missing_incident_is_an_error_not_a_wait(pd: Sandbox) -> None:
    payload = asyncio.run(_first_event(_trigger("PNOSUCH1")))
    assert payload["status"] == "error"
    assert "PNOSUCH1" in payload["message"]
    assert len([c for c in pd.calls() if "PNOSUCH1" in c[1]]) == 1


def test_refused_credentials_fail_fast_without_the_token(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "pd-wrong-token-5b2d9e7f1c"
    pd.use_connection(monkeypatch, key=wrong)
    started = time.monotonic()
    payload = asyncio.run(_first_event(_trigger(pd.create())))
    assert payload["status"] == "error"
    assert wrong not in json.dumps(payload)
    assert time.monotonic() - started < 5


def test_a_status_the_vendor_lacks_is_an_error_before_any_request(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.clear_requests()
    payload = asyncio.run(_first_event(_trigger(incident_id, target_statuses=["mitigated"])))
    assert payload["status"] == "error"
    assert "target_statuses" in payload["message"]
    assert "triggered, acknowledged, resolved" in payload["message"]
    assert pd.calls() == []


def test_429s_do_not_fail_the_wait(pd: Sandbox) -> None:
    """The vendor refuses most polls (2 requests a minute, bare 429s); the wait goes on until it can read."""
    incident_id = pd.create()
    pd.configure(rate_limit_per_minute=2, bare_429=True)
    pd.clear_requests()

    async def scenario() -> dict[str, Any]:
        task = asyncio.ensure_future(_first_event(_trigger(incident_id, target_statuses=["acknowledged"])))
        await asyncio.sleep(1.5)
        assert not task.done()
        await asyncio.to_thread(pd.server.schedule_status, "pagerduty", incident_id, "acknowledged", 0)
        await asyncio.to_thread(pd.configure, rate_limit_per_minute=UNLIMITED, bare_429=False)
        return await asyncio.wait_for(task, 15)

    payload = asyncio.run(scenario())
    assert payload["status"] == "success"
    statuses = [record["status"] for record in pd.requests() if record["method"] == "GET"]
    assert 429 in statuses, "the vendor did refuse some polls"


class _ThrottledHook:
    """Refuses the first reads as rate limited (a real 429 pauses the hook for a real minute); it has no
    change feed, so the trigger reads its own incident, as on a vendor without one."""

    supports_change_feed = False

    def __init__(self, real: Any, refusals: int) -> None:
        self.real = real
        self.vendor = real.vendor
        self.refusals = refusals
        self.calls: list[float] = []

    def hold_client(self) -> Any:
        return self.real.hold_client()

    async def aget_incident(self, ref: str) -> Any:
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.refusals:
            raise RateLimitedError(
                "pagerduty",
                method="GET",
                path=f"/incidents/{ref}",
                status_code=429,
                message="Rate Limit Exceeded",
            )
        return await self.real.aget_incident(ref)


def test_rate_limit_doubles_the_interval_up_to_its_cap(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0)
    hooks: list[_ThrottledHook] = []

    class Throttled(IncidentStatusTrigger):
        async def _hook(self) -> Any:
            hooks.append(_ThrottledHook(await super()._hook(), refusals=3))
            return hooks[-1]

    trigger = Throttled(
        conn_id="pd_test", incident_ref=incident_id, poll_interval=0.05, deadline=time.time() + 20
    )
    trigger.target_statuses = ("acknowledged",)
    payload = asyncio.run(_first_event(trigger))
    assert payload["status"] == "success"
    calls = hooks[0].calls
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert len(gaps) == 3
    assert gaps[0] >= 0.09, gaps  # 2x the interval
    assert gaps[1] >= 0.19, gaps  # 4x
    assert gaps[2] >= 0.39, gaps  # 8x: the cap


def test_many_triggers_share_one_client_and_all_fire(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Node {n} down") for n in range(25)]
    for incident_id in ids:
        pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.8)

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        tasks = [
            asyncio.ensure_future(_first_event(_trigger(i, target_statuses=["acknowledged"]))) for i in ids
        ]
        await asyncio.sleep(0.4)
        clients = transport.open_async_clients()
        return list(await asyncio.gather(*tasks)), clients

    payloads, clients = asyncio.run(scenario())
    assert clients == 1
    assert {p["status"] for p in payloads} == {"success"}
    assert {p["incident"]["id"] for p in payloads} == set(ids)
