"""Triggers starting together on one PagerDuty connection (the sandbox, over real HTTP): one hook for
them all, and first reads from the list of open incidents instead of one read each, without missing
the state an incident is in or a change made while the list is read."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest

from airflow_incident_provider.hooks import transport
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.triggers import IncidentStatusTrigger, change_poller
from airflow_incident_provider.vendors.base import Request, Response
from tests.fixtures import Sandbox

CONN_ID = "pd_test"
INTERVAL = 0.2


def _trigger(ref: str, kind: type[IncidentStatusTrigger] = IncidentStatusTrigger, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"poll_interval": INTERVAL, "deadline": time.time() + 20}
    options.update(kwargs)
    return kind(conn_id=CONN_ID, incident_ref=ref, **options)


async def _payload(trigger: IncidentStatusTrigger) -> dict[str, Any]:
    event = await trigger.wait()
    assert isinstance(event.payload, dict)
    return event.payload


def _reads(pd: Sandbox) -> tuple[list[str], int]:
    """Paths of the single-incident reads, and how many pages of the incident list were read."""
    calls = [path for method, path in pd.calls() if method == "GET"]
    return [p for p in calls if p.startswith("/incidents/")], calls.count("/incidents")


@pytest.fixture
def crowded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every starting trigger counts as one of a crowd: each takes its first read from the list."""
    monkeypatch.setattr(change_poller, "BULK_FROM", 0)
    monkeypatch.setattr(change_poller, "GATHER", 0.1)


def test_a_hundred_triggers_on_one_connection_in_one_loop_build_one_hook(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Node {n} down") for n in range(100)]
    for incident_id in ids:
        pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 1.0)
    built: list[IncidentHook] = []

    class Counted(IncidentStatusTrigger):
        async def _hook(self) -> IncidentHook:
            built.append(await super()._hook())
            return built[-1]

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        waits = [
            asyncio.ensure_future(_payload(_trigger(i, Counted, target_statuses=["acknowledged"])))
            for i in ids
        ]
        await asyncio.sleep(0.5)
        clients = transport.open_async_clients()
        return list(await asyncio.gather(*waits)), clients

    payloads, clients = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["status"]) for p in payloads] == [("success", "acknowledged")] * 100
    assert len(built) == 1, "one hook (one connection read, one settings) for the hundred"
    assert clients == 1


def test_starting_triggers_read_the_open_list_and_only_the_rest_one_by_one(
    pd: Sandbox, crowded: None
) -> None:
    waiting = [pd.create(title=f"Queue {n} stuck") for n in range(20)]
    already = pd.create(title="Already acknowledged")
    pd.server.schedule_status("pagerduty", already, "acknowledged", 0)
    resolved = pd.create(title="Already resolved")
    pd.server.schedule_status("pagerduty", resolved, "resolved", 0)
    for incident_id in waiting:
        pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 1.5)
    pd.clear_requests()

    async def scenario() -> list[dict[str, Any]]:
        triggers = [_trigger(i, target_statuses=["acknowledged"]) for i in [*waiting, already]]
        triggers.append(_trigger(resolved, target_statuses=["resolved"]))
        return list(await asyncio.gather(*(_payload(t) for t in triggers)))

    payloads = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["status"]) for p in payloads[:20]] == [
        ("success", "acknowledged")
    ] * 20
    assert (payloads[20]["status"], payloads[20]["incident"]["status"]) == ("success", "acknowledged")
    assert (payloads[21]["status"], payloads[21]["incident"]["status"]) == ("success", "resolved")
    singles, pages = _reads(pd)
    assert singles == [f"/incidents/{resolved}"], "only the incident the open list cannot show is read alone"
    assert pages == 1
    hook = PagerDutyIncidentHook(CONN_ID)
    assert payloads[20]["incident"] == hook.get_incident(already).to_json()  # as a read of it would carry


def test_a_change_made_while_the_list_is_read_is_not_missed(pd: Sandbox, crowded: None) -> None:
    ids = [pd.create(title=f"Shard {n} lagging") for n in range(105)]  # two pages of open incidents
    oldest, newest = ids[0], ids[-1]  # newest first: the newest on the first page, the oldest on the next
    landed: list[str] = []

    class MidList(IncidentStatusTrigger):
        async def _hook(self) -> IncidentHook:
            hook = await super()._hook()
            real = hook.asend

            async def asend(request: Request, client: Any, deadline: float) -> Response:
                if request.path == "/incidents" and dict(request.params)["offset"] != "0" and not landed:
                    await asyncio.to_thread(pd.server.schedule_status, "pagerduty", newest, "acknowledged", 0)
                    landed.append(newest)  # the first page, which showed it triggered, is already read
                return await real(request, client, deadline)

            hook.asend = asend  # type: ignore[method-assign]
            return hook

    async def scenario() -> list[dict[str, Any]]:
        fired = _payload(_trigger(newest, MidList, target_statuses=["acknowledged"]))
        quiet = _payload(
            _trigger(oldest, MidList, target_statuses=["acknowledged"], deadline=time.time() + 3)
        )
        return list(await asyncio.gather(fired, quiet))

    fired, quiet = asyncio.run(scenario())
    assert landed, "the change was made while the list was being paged"
    assert (fired["status"], fired["incident"]["status"]) == ("success", "acknowledged")
    assert quiet["status"] == "timeout"
    singles, pages = _reads(pd)
    assert pages == 2
    assert singles == []


def test_a_refused_list_sends_each_trigger_to_its_own_first_read(pd: Sandbox, crowded: None) -> None:
    ids = [pd.create(title=f"Cache {n} cold") for n in range(3)]
    pd.server.add_fault("pagerduty", "status", status=403, method="GET", path="/incidents")
    for incident_id in ids:
        pd.server.schedule_status("pagerduty", incident_id, "resolved", 0.6)

    async def scenario() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(_payload(_trigger(i)) for i in ids)))

    payloads = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["status"]) for p in payloads] == [("success", "resolved")] * 3
    singles, pages = _reads(pd)
    assert pages == 1, "a refusal is not retried"
    assert sorted(singles) == sorted(f"/incidents/{i}" for i in ids)


def test_cancelling_the_trigger_that_built_the_hook_stops_no_other(pd: Sandbox) -> None:
    ids = [pd.create(title=f"Disk {n} slow") for n in range(3)]
    for incident_id in ids:
        pd.server.schedule_status("pagerduty", incident_id, "acknowledged", 0.6)

    async def scenario() -> list[dict[str, Any]]:
        first = asyncio.ensure_future(_payload(_trigger(ids[0], target_statuses=["acknowledged"])))
        others = [asyncio.ensure_future(_payload(_trigger(i, target_statuses=["acknowledged"]))) for i in ids]
        await asyncio.sleep(0)  # every trigger has asked for the hook; the first one's build is under way
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        return list(await asyncio.gather(*others))

    payloads = asyncio.run(scenario())
    assert [(p["status"], p["incident"]["status"]) for p in payloads] == [("success", "acknowledged")] * 3


def test_a_connection_that_cannot_be_read_fails_every_trigger_and_is_read_again_by_the_next(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "resolved", 0)
    monkeypatch.setenv("AIRFLOW_CONN_PD_LATER", pd.connection_json(password=""))

    def waiting() -> IncidentStatusTrigger:
        return IncidentStatusTrigger(conn_id="pd_later", incident_ref=incident_id, deadline=time.time() + 20)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        failed = list(await asyncio.gather(_payload(waiting()), _payload(waiting())))
        os.environ["AIRFLOW_CONN_PD_LATER"] = pd.connection_json()  # the token is put in: read again
        return failed, await _payload(waiting())

    failed, later = asyncio.run(scenario())
    assert [p["status"] for p in failed] == ["error", "error"]
    assert "password" in failed[0]["message"]
    assert (later["status"], later["incident"]["status"]) == ("success", "resolved")
