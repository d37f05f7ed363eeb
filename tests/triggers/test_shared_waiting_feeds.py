"""Status triggers on one connection share one poller of the vendor's change feed (the sandbox, over real
HTTP), for every vendor whose feed reads an incident list (``tests/triggers/feeds.py``: a list by update
time, or a status page's or team's list as a snapshot). What they cost, what wakes them, and what never
does."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.triggers.change_poller import poller_for
from airflow_incident_provider.vendors.base import Request, Response
from tests.triggers.feeds import Case, feed_cases
from tests.triggers.feeds import payload_of as _payload
from tests.triggers.feeds import polls_pass as _polls_pass

FEEDS = feed_cases()


@pytest.fixture(params=list(FEEDS))
def case(request: pytest.FixtureRequest) -> Case:
    words = FEEDS[request.param]
    return Case(request.param, words, request.getfixturevalue(words.fixture))


def _case(vendor: str, request: pytest.FixtureRequest) -> Case:
    return Case(vendor, FEEDS[vendor], request.getfixturevalue(FEEDS[vendor].fixture))


def _query(record: dict[str, Any]) -> dict[str, str]:
    return {key: values[-1] for key, values in record["query"].items()}


def test_triggers_read_once_then_only_the_feed_one_page_a_poll(case: Case) -> None:
    ids = [case.create(f"Node {n} down") for n in range(30)]
    changed = ids[:10]
    for ref in changed:
        case.box.server.schedule_status(case.vendor, ref, case.words.acknowledged, 1.0)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        fired = [
            asyncio.ensure_future(_payload(case.trigger(i, target_statuses=["acknowledged"])))
            for i in changed
        ]
        quiet = [
            asyncio.ensure_future(_payload(case.trigger(i, seconds=4, target_statuses=["acknowledged"])))
            for i in ids[10:]
        ]
        await asyncio.gather(*fired)  # every first read is done: only the feed is read from here on
        await _polls_pass(case.conn_id, 1)
        await asyncio.to_thread(case.box.clear_requests)
        poller = poller_for(case.conn_id)
        assert poller is not None
        before = poller.polls
        await _polls_pass(case.conn_id, 3)
        steady = await asyncio.to_thread(case.box.requests)
        polls = poller.polls - before
        payloads = [f.result() for f in fired] + list(await asyncio.gather(*quiet))
        return payloads, steady, polls

    payloads, steady, polls = asyncio.run(scenario())
    outcomes = [(p["status"], p["incident"]["phase"]) for p in payloads[:10]]
    assert outcomes == [("success", "acknowledged")] * 10
    assert [p["status"] for p in payloads[10:]] == ["timeout"] * 20  # no false fire
    assert all(r["path"].endswith("/incidents") and r["method"] == "GET" for r in steady), steady
    assert not any(case.words.later_page(_query(r)) for r in steady)  # one page a poll
    assert 1 <= len(steady) <= polls + 1  # 20 waiters, one read a poll (one in flight at the end)


def test_a_change_landing_between_two_pages_is_seen(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [case.create(f"Shard {n} lagging") for n in range(case.words.page_size + 10)]
    target = ids[0]  # the oldest: on the last page of a list newest first
    armed: list[bool] = []
    landed: list[float] = []
    real = IncidentHook.asend

    async def asend(self: IncidentHook, request: Request, client: Any, deadline: float) -> Response:
        query = dict(request.params)
        if armed and not landed and request.path.endswith("/incidents") and case.words.later_page(query):
            await asyncio.to_thread(case.move, target, case.words.acknowledged)
            landed.append(time.time())
        return await real(self, request, client, deadline)

    monkeypatch.setattr(IncidentHook, "asend", asend)

    async def scenario() -> dict[str, Any]:
        # Every incident is watched, so a snapshot feed reads every page; a list by update time has two.
        waiting = asyncio.ensure_future(_payload(case.trigger(target, target_statuses=["acknowledged"])))
        others = [asyncio.ensure_future(_payload(case.trigger(i, seconds=8))) for i in ids[1:]]
        await _polls_pass(case.conn_id, 3)  # the first reads are done: the next later page is the feed's
        armed.append(True)
        payload = await waiting
        for other in others:
            other.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        return payload

    payload = asyncio.run(scenario())
    assert landed, "the change was made while the feed was being paged"
    assert (payload["status"], payload["incident"]["phase"]) == ("success", "acknowledged")


def test_resolved_then_reopened_between_polls_is_not_a_resolution(case: Case) -> None:
    ref = case.create()

    async def scenario() -> tuple[bool, dict[str, Any]]:
        waiting = asyncio.ensure_future(_payload(case.trigger(ref, target_statuses=["resolved"])))
        await _polls_pass(case.conn_id, 1)
        await asyncio.to_thread(case.move, ref, case.words.resolved)
        await asyncio.to_thread(case.move, ref, case.words.opened)  # reopened before a poll
        late = asyncio.ensure_future(_payload(case.trigger(ref, target_statuses=["resolved"])))
        await _polls_pass(case.conn_id, 3)
        still_waiting = not waiting.done() and not late.done()
        await asyncio.to_thread(case.move, ref, case.words.resolved)
        payload = await waiting
        assert (await late)["status"] == "success"
        return still_waiting, payload

    still_waiting, payload = asyncio.run(scenario())
    assert still_waiting, "the reopened incident is open: neither trigger fired"
    assert (payload["status"], payload["incident"]["phase"]) == ("success", "resolved")


def test_cancelling_one_trigger_leaves_the_others_and_the_last_stops_the_poller(case: Case) -> None:
    first, second = case.create("API 5xx"), case.create("DNS flapping")

    async def scenario() -> tuple[dict[str, Any], bool, dict[str, Any]]:
        cancelled = asyncio.ensure_future(_payload(case.trigger(first)))
        kept = asyncio.ensure_future(_payload(case.trigger(second, target_statuses=["acknowledged"])))
        same = asyncio.ensure_future(_payload(case.trigger(first, target_statuses=["acknowledged"])))
        await _polls_pass(case.conn_id, 1)
        cancelled.cancel()
        await asyncio.gather(cancelled, return_exceptions=True)
        await asyncio.to_thread(case.move, second, case.words.acknowledged)
        await asyncio.to_thread(case.move, first, case.words.acknowledged)
        kept_payload, same_payload = await kept, await same
        return kept_payload, poller_for(case.conn_id) is None, same_payload

    kept_payload, stopped, same_payload = asyncio.run(scenario())
    assert (kept_payload["status"], kept_payload["incident"]["phase"]) == ("success", "acknowledged")
    assert same_payload["status"] == "success"  # the other trigger on the cancelled one's incident too
    assert stopped, "the poller stops with its last trigger"


def test_nothing_is_handed_over_twice_and_nothing_fires_falsely(case: Case) -> None:
    ids = [case.create(f"Queue {n} backed up") for n in range(5)]

    async def scenario() -> tuple[list[dict[str, Any]], list[str], list[str]]:
        waiting = [
            asyncio.ensure_future(_payload(case.trigger(ref, seconds=4, target_statuses=["resolved"])))
            for ref in ids
        ]
        await _polls_pass(case.conn_id, 2)  # a snapshot's first read hands each incident over as it is
        poller = poller_for(case.conn_id)
        assert poller is not None
        delivered: list[str] = []
        deliver = poller._deliver

        def counting(ref: str, changes: list[Any], delivery: Any) -> None:
            delivered.append(ref)  # the ref of each incident handed over to its waiters
            deliver(ref, changes, delivery)

        poller._deliver = counting  # type: ignore[method-assign]
        await _polls_pass(case.conn_id, 3)
        quiet = list(delivered)
        await asyncio.to_thread(case.move, ids[0], case.words.acknowledged)
        await _polls_pass(case.conn_id, 4)
        assert poller.broken is None  # the feed never gave up: every hand-over went through _deliver
        return list(await asyncio.gather(*waiting)), quiet, delivered

    payloads, quiet, delivered = asyncio.run(scenario())
    assert quiet == []  # nothing changed: nothing handed over
    assert delivered == [ids[0]]  # one change, handed over once to its one waiter
    assert [p["status"] for p in payloads] == ["timeout"] * 5  # acknowledged is not resolved


@pytest.mark.parametrize("vendor", [vendor for vendor, feed in FEEDS.items() if feed.scoped])
def test_a_bare_incident_id_is_followed_on_the_connections_page_or_team(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    case = _case(vendor, request)
    ref = case.create()
    bare = ref.rsplit("/", 1)[-1]  # the connection's status page or team supplies the rest

    async def scenario() -> dict[str, Any]:
        waiting = asyncio.ensure_future(_payload(case.trigger(bare, target_statuses=["acknowledged"])))
        await _polls_pass(case.conn_id, 2)
        await asyncio.to_thread(case.move, ref, case.words.acknowledged)
        return await waiting

    payload = asyncio.run(scenario())
    assert (payload["status"], payload["incident"]["ref"]) == ("success", ref)


@pytest.mark.parametrize("vendor", [vendor for vendor, feed in FEEDS.items() if feed.refused_at])
def test_a_refused_feed_sends_every_trigger_back_to_its_own_reads(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    case = _case(vendor, request)
    pattern = case.words.refused_at
    ids = [case.create(f"Disk {n} full") for n in range(3)]
    case.box.server.add_fault(vendor, "status", status=403, path=pattern, method="GET")
    for ref in ids:
        case.box.server.schedule_status(vendor, ref, case.words.resolved, 0.6)

    async def scenario() -> list[dict[str, Any]]:
        early = [asyncio.ensure_future(_payload(case.trigger(i))) for i in ids[:2]]
        poller = poller_for(case.conn_id)
        while poller is None or poller.broken is None:
            await asyncio.sleep(0.01)
            poller = poller_for(case.conn_id)
        late = asyncio.ensure_future(_payload(case.trigger(ids[2])))  # joins the poller that gave up
        return list(await asyncio.gather(*early, late))

    payloads = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["phase"]) for p in payloads] == [("success", "resolved")] * 3
    assert len(case.feed_reads()) == 1, "a refusal is not retried"


@pytest.mark.parametrize("vendor", [vendor for vendor, feed in FEEDS.items() if feed.lone_wait_reads_own])
def test_a_lone_wait_on_a_status_page_reads_its_own_incident_not_the_pages_list(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    case = _case(vendor, request)
    for n in range(case.words.page_size):  # a busy page: its watched incident on the list's second page
        case.create(f"Region {n} degraded")
    ref = case.box.with_status(case.words.opened)  # type: ignore[attr-defined]

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        waiting = asyncio.ensure_future(_payload(case.trigger(ref, seconds=30, target_statuses=["resolved"])))
        await _polls_pass(case.conn_id, 1)
        await asyncio.to_thread(case.box.clear_requests)
        poller = poller_for(case.conn_id)
        assert poller is not None
        before = poller.polls
        await _polls_pass(case.conn_id, 3)
        steady = await asyncio.to_thread(case.box.requests)
        polls = poller.polls - before
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        return steady, polls

    steady, polls = asyncio.run(scenario())
    assert {r["path"] for r in steady} == {f"/incidents/{ref}"}  # its own incident, by one ref only
    assert 1 <= len(steady) <= polls + 1
