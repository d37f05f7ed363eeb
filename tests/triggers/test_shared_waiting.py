"""Status triggers on one PagerDuty connection share one poller of the account log (the sandbox, over
real HTTP): what they cost, what wakes them, and what never does."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.triggers import IncidentStatusTrigger, change_poller
from airflow_incident_provider.triggers.change_poller import poller_for
from airflow_incident_provider.vendors import pagerduty
from airflow_incident_provider.vendors.base import Request, Response
from tests.fixtures import Sandbox

CONN_ID = "pd_test"
INTERVAL = 0.2


def _trigger(ref: str, seconds: float = 20, **kwargs: Any) -> IncidentStatusTrigger:
    options: dict[str, Any] = {"poll_interval": INTERVAL, "deadline": time.time() + seconds}
    options.update(kwargs)
    return IncidentStatusTrigger(conn_id=CONN_ID, incident_ref=ref, **options)


async def _payload(trigger: IncidentStatusTrigger) -> dict[str, Any]:
    event = await trigger.wait()
    assert isinstance(event.payload, dict)
    return event.payload


async def _polls_pass(count: int) -> None:
    """Until the running loop's poller has read the log ``count`` more times."""
    poller = poller_for(CONN_ID)
    while poller is None:
        await asyncio.sleep(0.01)
        poller = poller_for(CONN_ID)
    target = poller.polls + count
    while poller.polls < target:
        await asyncio.sleep(0.01)


def _gets(pd: Sandbox) -> tuple[list[str], list[str]]:
    """Paths of the single-incident reads, and of the account-log reads, the sandbox served."""
    calls = [path for method, path in pd.calls() if method == "GET"]
    return [p for p in calls if p.startswith("/incidents/")], [p for p in calls if p == "/log_entries"]


def test_triggers_read_their_incident_once_then_only_the_log(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Node {n} down") for n in range(30)]
    changed = ids[:10]
    for incident_id in changed:
        pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.8)

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        fired = [
            asyncio.ensure_future(_payload(_trigger(i, target_statuses=["acknowledged"]))) for i in changed
        ]
        quiet = [
            asyncio.ensure_future(_payload(_trigger(i, seconds=2.5, target_statuses=["acknowledged"])))
            for i in ids[10:]
        ]
        await asyncio.sleep(0.05)
        poller = poller_for(CONN_ID)
        assert poller is not None
        payloads = list(await asyncio.gather(*fired, *quiet))
        return payloads, poller.polls

    payloads, polls = asyncio.run(scenario())
    outcomes = [(p["status"], p["incident"]["status"]) for p in payloads[:10]]
    assert outcomes == [("success", "acknowledged")] * 10
    assert {p["incident_ref"] for p in payloads[:10]} == set(changed)
    assert [p["status"] for p in payloads[10:]] == ["timeout"] * 20  # no false fire
    singles, logs = _gets(pd)
    assert sorted(singles) == sorted(f"/incidents/{i}" for i in ids)  # each read once, at its start
    assert 1 <= len(logs) <= polls + 1  # one log read a poll (one cut short at the end), not 30


def test_a_change_landing_between_two_pages_is_seen(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Shard {n} lagging") for n in range(60)]
    target = ids[0]
    window = pd.pd.get("/log_entries", params={"total": "true", "since": "2000-01-01T00:00:00Z"}).json()
    assert window["total"] > pagerduty.LIST_PAGE_SIZE  # the log takes more than one page
    landed: list[float] = []

    class MidPage(IncidentStatusTrigger):
        async def _hook(self) -> IncidentHook:
            hook = await super()._hook()
            real = hook.asend

            async def asend(request: Request, client: Any, deadline: float) -> Response:
                if request.path == "/log_entries" and dict(request.params)["offset"] != "0" and not landed:
                    await asyncio.to_thread(pd.server.schedule_status, "pagerduty", target, "acknowledged", 0)
                    landed.append(time.time())
                return await real(request, client, deadline)

            hook.asend = asend  # type: ignore[method-assign]
            return hook

    trigger = MidPage(
        conn_id=CONN_ID,
        incident_ref=target,
        target_statuses=["acknowledged"],
        poll_interval=INTERVAL,
        deadline=time.time() + 20,
    )
    payload = asyncio.run(_payload(trigger))
    assert landed, "the change was made while the log was being paged"
    assert (payload["status"], payload["incident"]["status"]) == ("success", "acknowledged")


def test_resolved_then_reopened_between_polls_is_not_a_resolution(pd: Sandbox) -> None:
    incident_id = pd.create()

    async def scenario() -> tuple[bool, dict[str, Any]]:
        waiting = asyncio.ensure_future(_payload(_trigger(incident_id, target_statuses=["resolved"])))
        await _polls_pass(1)
        pd.server.schedule_status("pagerduty", incident_id, "resolved", 0)
        pd.server.schedule_status("pagerduty", incident_id, "triggered", 0)  # reopened before a poll
        late = asyncio.ensure_future(_payload(_trigger(incident_id, target_statuses=["resolved"])))
        await _polls_pass(3)
        still_waiting = not waiting.done() and not late.done()
        pd.server.schedule_status("pagerduty", incident_id, "resolved", 0)
        payload = await waiting
        assert (await late)["status"] == "success"
        return still_waiting, payload

    still_waiting, payload = asyncio.run(scenario())
    assert still_waiting, "the reopened incident is triggered: neither trigger fired"
    assert (payload["status"], payload["incident"]["status"]) == ("success", "resolved")


def test_cancelling_one_trigger_leaves_the_others_and_the_last_stops_the_poller(pd: Sandbox) -> None:
    first, second = pd.create(title="API 5xx"), pd.create(title="DNS flapping")

    async def scenario() -> tuple[dict[str, Any], bool, dict[str, Any]]:
        cancelled = asyncio.ensure_future(_payload(_trigger(first)))
        kept = asyncio.ensure_future(_payload(_trigger(second, target_statuses=["acknowledged"])))
        same = asyncio.ensure_future(_payload(_trigger(first, target_statuses=["acknowledged"])))
        await _polls_pass(1)
        cancelled.cancel()
        await asyncio.gather(cancelled, return_exceptions=True)
        pd.server.schedule_status("pagerduty", second, "acknowledged", 0)
        pd.server.schedule_status("pagerduty", first, "acknowledged", 0)
        kept_payload, same_payload = await kept, await same
        stopped = poller_for(CONN_ID) is None
        return kept_payload, stopped, same_payload

    kept_payload, stopped, same_payload = asyncio.run(scenario())
    assert (kept_payload["status"], kept_payload["incident"]["status"]) == ("success", "acknowledged")
    assert same_payload["status"] == "success"  # the other trigger on the cancelled one's incident too
    assert stopped, "the poller stops with its last trigger"


def test_each_event_loop_has_its_own_poller(pd: Sandbox) -> None:
    seen: list[object] = []

    async def once() -> dict[str, Any]:
        incident_id = await asyncio.to_thread(pd.create)
        await asyncio.to_thread(pd.server.schedule_status, "pagerduty", incident_id, "acknowledged", 0.5)
        waiting = asyncio.ensure_future(_payload(_trigger(incident_id, target_statuses=["acknowledged"])))
        await _polls_pass(1)
        seen.append(poller_for(CONN_ID))
        return await waiting

    results = [asyncio.run(once()), asyncio.run(once())]  # as dag.test() runs each trigger
    assert [r["status"] for r in results] == ["success", "success"]
    assert None not in seen
    assert seen[0] is not seen[1]


def test_an_incident_number_is_followed_under_its_id(pd: Sandbox) -> None:
    incident_id = pd.create()
    number = str(pd.incident(incident_id)["incident_number"])
    pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.6)
    payload = asyncio.run(_payload(_trigger(number, target_statuses=["acknowledged"])))
    assert (payload["status"], payload["incident"]["id"]) == ("success", incident_id)


def test_a_refused_log_sends_every_trigger_back_to_its_own_reads(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Disk {n} full") for n in range(3)]
    pd.server.add_fault("pagerduty", "status", status=403, path="/log_entries")
    for incident_id in ids:
        pd.server.schedule_status("pagerduty", incident_id, "resolved", 0.6)

    async def scenario() -> list[dict[str, Any]]:
        early = [asyncio.ensure_future(_payload(_trigger(i))) for i in ids[:2]]
        await _polls_failed()
        late = asyncio.ensure_future(_payload(_trigger(ids[2])))  # joins the poller that gave up
        return list(await asyncio.gather(*early, late))

    payloads = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["status"]) for p in payloads] == [("success", "resolved")] * 3
    singles, logs = _gets(pd)
    assert len(logs) == 1, "a refusal is not retried"
    assert len(singles) > len(ids)  # each trigger polled its own incident after the refusal


async def _polls_failed() -> None:
    poller = poller_for(CONN_ID)
    while poller is None or poller.broken is None:
        await asyncio.sleep(0.01)
        poller = poller_for(CONN_ID)


def _clock(pd: Sandbox, **body: float) -> None:
    pd.admin.put("/_sandbox/clock", json=body).raise_for_status()


def _acknowledged_while_waiting(pd: Sandbox) -> dict[str, Any]:
    """Wait on a new incident, acknowledge it after two polls, return the event's payload."""
    incident_id = pd.create()

    async def scenario() -> dict[str, Any]:
        waiting = asyncio.ensure_future(_payload(_trigger(incident_id, target_statuses=["acknowledged"])))
        await _polls_pass(2)
        await asyncio.to_thread(pd.server.schedule_status, "pagerduty", incident_id, "acknowledged", 0)
        return await waiting

    return asyncio.run(scenario())


def test_a_vendor_clock_behind_the_triggerers_is_covered_by_the_overlap(pd: Sandbox) -> None:
    _clock(pd, time_scale=0)  # the vendor's clock stops: its entries are stamped ever further behind
    payload = _acknowledged_while_waiting(pd)
    assert (payload["status"], payload["incident"]["status"]) == ("success", "acknowledged")


def test_a_vendor_clock_ahead_of_the_triggerers_loses_nothing(pd: Sandbox) -> None:
    _clock(pd, advance_seconds=3600)
    payload = _acknowledged_while_waiting(pd)
    assert (payload["status"], payload["incident"]["status"]) == ("success", "acknowledged")


def test_the_event_carries_the_incident_as_a_read_of_it_would(pd: Sandbox) -> None:
    payload = _acknowledged_while_waiting(pd)
    hook = PagerDutyIncidentHook(CONN_ID)
    assert payload["incident"] == hook.get_incident(payload["incident_ref"]).to_json()
    singles, _ = _gets(pd)
    assert singles == [f"/incidents/{payload['incident_ref']}"] * 2  # the trigger's first read, and ours


def test_a_poller_that_breaks_sends_its_triggers_back_to_their_own_reads(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "resolved", 0.6)

    class Unreadable(IncidentStatusTrigger):
        async def _hook(self) -> IncidentHook:
            hook = await super()._hook()

            async def achanges_since(since: Any, watched: Any = (), on_page: Any = None) -> Any:
                raise RuntimeError("a bug in the feed")  # no vendor answer makes this: a stand-in

            hook.achanges_since = achanges_since  # type: ignore[method-assign]
            return hook

    trigger = Unreadable(
        conn_id=CONN_ID, incident_ref=incident_id, poll_interval=INTERVAL, deadline=time.time() + 20
    )
    payload = asyncio.run(_payload(trigger))
    assert (payload["status"], payload["incident"]["status"]) == ("success", "resolved")


def test_a_burst_of_changes_leaves_the_window_and_a_quiet_log_costs_one_request_a_poll(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_poller, "OVERLAP", 0.3)  # the window lets go of the burst within a poll
    ids = [pd.create(title=f"Pod {n} evicted") for n in range(110)]  # more than a page of log entries
    window = pd.pd.get("/log_entries", params={"total": "true", "since": "2000-01-01T00:00:00Z"}).json()
    assert window["total"] > pagerduty.LIST_PAGE_SIZE

    stamp = datetime.fromisoformat(window["log_entries"][0]["created_at"].replace("Z", "+00:00"))
    newest = stamp + timedelta(seconds=1)  # stamps are rendered to the second

    async def scenario() -> list[tuple[str, tuple[str, ...]]]:
        waiting = asyncio.ensure_future(_payload(_trigger(ids[0], target_statuses=["acknowledged"])))
        await _polls_pass(1)
        poller = poller_for(CONN_ID)
        assert poller is not None
        for _ in range(50):  # the window moves on with the vendor's clock, past the burst
            if poller.since > newest:
                break
            await _polls_pass(1)
        assert poller.since > newest
        await asyncio.to_thread(pd.clear_requests)
        await _polls_pass(3)
        records = await asyncio.to_thread(pd.requests)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        return [(record["path"], tuple(record["query"].get("offset", ()))) for record in records]

    reads = asyncio.run(scenario())
    assert len(reads) >= 3
    assert {path for path, _ in reads} == {"/log_entries"}
    assert {offset for _, offset in reads} == {("0",)}  # one page a poll: the burst's second page is gone
