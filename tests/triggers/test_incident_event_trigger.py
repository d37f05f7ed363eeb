"""IncidentEventTrigger run directly in an event loop against the sandbox: dedup, memory, shared polls."""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from airflow.triggers.base import TriggerEvent
from airflow.triggers.shared_stream import SharedStreamManager

from airflow_incident_provider.exceptions import AuthenticationError
from airflow_incident_provider.triggers import IncidentEventTrigger
from tests.fixtures import PD_TOKEN, Sandbox

POLL = 0.2


class StateStore:
    """Stands in for the triggerer's per-asset ``asset_state_store`` (it needs a supervisor to talk to)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(json.dumps(self.values.get(key, default)))

    async def aset(self, key: str, value: Any) -> None:
        assert value is not None
        self.values[key] = json.loads(json.dumps(value))


def _trigger(**kwargs: Any) -> IncidentEventTrigger:
    return IncidentEventTrigger(conn_id="pd_test", poll_interval=POLL, **kwargs)


async def _collect(stream: AsyncIterator[TriggerEvent], seconds: float) -> list[dict[str, Any]]:
    """Every event the stream yields within ``seconds``, then the stream is closed."""
    events: list[dict[str, Any]] = []

    async def drain() -> None:
        async for event in stream:
            events.append(event.payload)

    task = asyncio.ensure_future(drain())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return events


def _list_calls(pd: Sandbox) -> int:
    return len([call for call in pd.calls() if call == ("GET", "/incidents")])


def test_serialize_round_trip_and_stream_keys() -> None:
    trigger = _trigger(statuses=["open", "Acknowledged"], services=["PSVC1"])
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs["statuses"] == ["open", "acknowledged"]
    assert PD_TOKEN not in json.dumps(kwargs)
    same = _trigger(statuses=["acknowledged", "open"], services=["PSVC1"])
    assert same.shared_stream_key() == trigger.shared_stream_key()
    assert same.memory_key() == trigger.memory_key()
    other = _trigger(statuses=["open"], services=["PSVC1"])
    assert other.shared_stream_key() != trigger.shared_stream_key()
    assert other.memory_key() != trigger.memory_key()


def test_reports_each_new_incident_once_across_polls(pd: Sandbox) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], str, str]:
        trigger = _trigger()
        collecting = asyncio.ensure_future(_collect(trigger.run(), 2.5))
        await asyncio.sleep(0.6)  # the baseline: sample incidents already open are not reported
        first = await asyncio.to_thread(pd.create, "Queue backlog growing")
        await asyncio.sleep(0.6)
        second = await asyncio.to_thread(pd.create, "Disk almost full")
        return await collecting, first, second

    events, first, second = asyncio.run(scenario())
    assert [event["incident"]["id"] for event in events] == [first, second]
    assert all(event["transition"] == "appeared" and event["previous_status"] is None for event in events)
    assert events[0]["incident"]["title"] == "Queue backlog growing"
    assert "raw" not in events[0]["incident"]
    assert _list_calls(pd) >= 6, "several polls passed after each incident appeared"


def test_a_transition_within_the_filter_is_one_more_event(pd: Sandbox) -> None:
    incident_id = pd.create()

    async def scenario() -> list[dict[str, Any]]:
        trigger = _trigger(statuses=["open", "acknowledged"], report_existing=True)
        collecting = asyncio.ensure_future(_collect(trigger.run(), 2.0))
        await asyncio.sleep(0.6)
        await asyncio.to_thread(pd.server.schedule_status, "pagerduty", incident_id, "acknowledged", 0)
        return await collecting

    mine = [event for event in asyncio.run(scenario()) if event["incident"]["id"] == incident_id]
    assert [(e["transition"], e["previous_status"], e["incident"]["status"]) for e in mine] == [
        ("appeared", None, "triggered"),
        ("changed", "triggered", "acknowledged"),
    ]


def test_memory_in_the_state_store_survives_a_restart(pd: Sandbox) -> None:
    store = StateStore()

    async def run_for(seconds: float) -> list[dict[str, Any]]:
        trigger = _trigger()
        trigger.asset_state_store = store  # type: ignore[assignment]
        return await _collect(trigger.run(), seconds)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        first_run = asyncio.ensure_future(run_for(1.2))
        await asyncio.sleep(0.5)
        created = await asyncio.to_thread(pd.create, "Cache cluster degraded")
        before_restart = await first_run
        after_restart = await run_for(0.8)  # a new instance, as after a triggerer restart
        return before_restart, after_restart, created

    before, after, created = asyncio.run(scenario())
    assert [event["incident"]["id"] for event in before] == [created]
    assert after == [], "the restarted watcher remembers what it reported"
    (memory,) = store.values.values()
    assert memory[created] == "triggered"


def test_watchers_with_one_filter_share_one_poll(pd: Sandbox) -> None:
    async def scenario() -> tuple[list[list[dict[str, Any]]], str]:
        manager = SharedStreamManager()
        watchers = [_trigger(), _trigger(), _trigger()]
        keys = {watcher.shared_stream_key() for watcher in watchers}
        assert len(keys) == 1
        (key,) = keys
        streams = [
            watcher.filter_shared_stream(manager.subscribe(trigger_id=n, trigger=watcher, key=key))
            for n, watcher in enumerate(watchers)
        ]
        collecting = [asyncio.ensure_future(_collect(stream, 1.6)) for stream in streams]
        await asyncio.sleep(0.6)
        created = await asyncio.to_thread(pd.create, "Replica lag")
        results = [await task for task in collecting]
        for n in range(len(watchers)):
            await manager.unsubscribe(n, key)
        return results, created

    pd.clear_requests()
    results, created = asyncio.run(scenario())
    assert all([event["incident"]["id"] for event in events] == [created] for events in results)
    polls = _list_calls(pd)
    assert 4 <= polls <= 1.6 / POLL + 2, f"{polls} list calls: one poll loop for three watchers"


def test_refused_credentials_stop_the_stream(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    pd.use_connection(monkeypatch, key="pd-wrong-token-77aa31c9e0")

    async def scenario() -> None:
        async for _ in _trigger().run():
            pass

    with pytest.raises(AuthenticationError):
        asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_scheduled_incident_on_a_status_page_starts_one_event(devhelm: Any) -> None:
    async def scenario() -> list[dict[str, Any]]:
        trigger = IncidentEventTrigger(
            conn_id=devhelm.conn_id, statuses=["investigating"], poll_interval=POLL
        )
        collecting = asyncio.ensure_future(_collect(trigger.run(), 2.0))
        await asyncio.sleep(0.5)
        await asyncio.to_thread(devhelm.server.schedule_incident, "devhelm", "Login page slow", 0.3)
        return await collecting

    events = asyncio.run(scenario())
    assert [(e["transition"], e["incident"]["title"]) for e in events] == [("appeared", "Login page slow")]
    assert events[0]["incident"]["ref"].count("/") == 1, "a DevHelm ref names its status page"
    assert events[0]["incident"]["phase"] == "open"
