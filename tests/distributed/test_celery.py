"""End to end on a distributed Airflow: PostgreSQL, Redis, the CeleryExecutor, two Celery workers and
two triggerers (``scripts/distributed.py``), against the sandbox.

``make e2e-distributed`` (and ``make test``) runs this module. First the whole single-machine e2e suite
(``tests/e2e/test_deployment.py``: the example DAGs, the event watcher, the deferred postmortem wait,
secrets through failing runs) runs unchanged on this deployment. Then, through the REST API and the
sandbox, what only a distributed deployment can show: a mapped DAG of 200 updates spread over both
workers; deferrable sensors spread over both triggerers, one triggerer SIGKILLed mid-wait and every
trigger firing exactly once on the other; every new incident starting exactly one run with two
triggerers watching; a worker SIGKILLed in the middle of a note and of a create, the retry on the
other worker leaving one note and one incident. Last, the same secrets audit over everything (task
logs of both workers, trigger logs of both triggerers, XCom values in PostgreSQL). Every wait is
bounded; the deployment is stopped whatever happens.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest

from airflow_incident_provider.sandbox.rootly.model import Incident as RootlyIncident
from airflow_incident_provider.sandbox.rootly.router import RootlyBackend
from distributed import DistributedDeployment
from tests.distributed.conftest import MAPPED, SENSORS, SLOW_CREATE, SLOW_NOTE
from tests.distributed.dags.distributed_slow_writes import NOTE
from tests.e2e import test_deployment as single_machine
from tests.e2e.shared import ON_EVENT
from tests.e2e.test_deployment import (
    E2E,
    e2e,  # the module's fixture: the session's deployment with a REST client
    event_ref,
)

pytestmark = pytest.mark.distributed

# The single-machine suite, collected here in its own order against the distributed deployment.
test_a_conf_triggered_remediation_resolves_its_incident = (
    single_machine.test_a_conf_triggered_remediation_resolves_its_incident
)
test_a_new_incident_starts_the_event_driven_dag_exactly_once = (
    single_machine.test_a_new_incident_starts_the_event_driven_dag_exactly_once
)
test_the_postmortem_wait_defers_to_the_triggerer = (
    single_machine.test_the_postmortem_wait_defers_to_the_triggerer
)
test_secrets_of_every_kind_pass_through_runs_that_succeed_and_fail = (
    single_machine.test_secrets_of_every_kind_pass_through_runs_that_succeed_and_fail
)
test_the_dags_changed_only_the_incidents_they_were_given = (
    single_machine.test_the_dags_changed_only_the_incidents_they_were_given
)
__all__ = ["e2e"]

WORKERS = ("worker-1", "worker-2")
TRIGGERERS = ("triggerer-1", "triggerer-2")
MAPPED_UPDATES = 200
SENSOR_COUNT = 8
LONG_WAIT = 480.0
"""Bound of the 200-task run (about 3 minutes on two busy cores)."""
FAILOVER_WAIT = 120.0
"""Bound of a failover: the dead component's silence detected (10 to 20 s here), then the retry."""
SINGLE_READS_PER_WAIT = 5
"""Own reads of a waited-on incident: the sensor's check before it defers, each trigger's first read
(two triggerers after the kill) and a retry; polling it alone every 2 s would take one a poll."""
FIRED = "Trigger fired event"
LOG_WAIT = 30.0
"""Bound of a fired event's log line reaching a log (the trigger's or the triggerer's) after the run."""


def deployment(e2e: E2E) -> DistributedDeployment:
    assert isinstance(e2e.deployment, DistributedDeployment)
    return e2e.deployment


def rootly_store(e2e: E2E) -> dict[str, RootlyIncident]:
    """The sandbox's Rootly incidents by id, read in place (no request, so no rate limit).

    These tests work on Rootly: every new PagerDuty incident starts the event-driven example DAG, which
    resolves it."""
    backend = e2e.sandbox.state.vendors["rootly"]
    assert isinstance(backend, RootlyBackend)
    return backend.store.incidents


def notes(incident: RootlyIncident, text: str) -> list[str]:
    """The incident's timeline events that carry ``text`` (a note, not a status change)."""
    return [event.event for event in incident.events if text in event.event]


def incident_id(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def alive_triggerers(e2e: E2E) -> set[str]:
    jobs = e2e.get("/jobs", job_type="TriggererJob", is_alive=True, limit=100)["jobs"]
    return {str(job["hostname"]) for job in jobs}


def trigger_logs(e2e: E2E, dag_id: str, run_id: str, ti: dict[str, Any]) -> dict[int, str]:
    """Triggerer job id -> the trigger log it wrote for this task instance's first try."""
    folder = e2e.deployment.logs_dir / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={ti['task_id']}"
    if ti["map_index"] >= 0:
        folder /= f"map_index={ti['map_index']}"
    found = {}
    for path in folder.glob("attempt=1.log.trigger.*.log"):
        found[int(re.sub(r"\D", "", path.name.rsplit(".trigger.", 1)[1]))] = path.read_text(errors="replace")
    return found


def test_a_mapped_dag_of_200_updates_spreads_over_both_workers(e2e: E2E) -> None:
    refs = [e2e.open_incident("rootly", f"Disk filling up on node {n}") for n in range(MAPPED_UPDATES)]
    run_id = e2e.trigger(MAPPED, {"conn_id": "rootly_sandbox", "incident_ids": refs})

    assert e2e.finished(MAPPED, run_id, timeout=LONG_WAIT) == "success", e2e.report(MAPPED, run_id)
    updates = [ti for ti in e2e.all_task_instances(MAPPED, run_id) if ti["task_id"] == "acknowledge"]
    assert sorted(ti["map_index"] for ti in updates) == list(range(MAPPED_UPDATES))
    assert {ti["state"] for ti in updates} == {"success"}
    by_worker = Counter(str(ti["hostname"]) for ti in updates)
    assert set(by_worker) == set(WORKERS), by_worker
    processes = {(ti["hostname"], ti["pid"]) for ti in updates}
    assert len(processes) == MAPPED_UPDATES, "each task instance ran in a process of its own"
    incidents = rootly_store(e2e)
    for index, ref in enumerate(refs):
        incident = incidents[incident_id(ref)]
        assert incident.status == "acknowledged", (index, incident.status)
        assert len(notes(incident, f"(map index {index})")) == 1, (index, incident.events)
    print(f"200 mapped updates: {dict(by_worker)}")


def test_deferred_sensors_spread_over_both_triggerers_and_survive_one_killed(e2e: E2E) -> None:
    airflow = deployment(e2e)
    refs = [e2e.open_incident("rootly", f"Replica lag on shard {n}") for n in range(SENSOR_COUNT)]
    run_id = e2e.trigger(SENSORS, {"conn_id": "rootly_sandbox", "incident_ids": refs})

    def sensors() -> list[dict[str, Any]]:
        return [
            ti for ti in e2e.all_task_instances(SENSORS, run_id) if ti["task_id"] == "wait_for_resolution"
        ]

    def placed() -> dict[int, tuple[str, int]] | None:
        """Map index -> (hostname, job id) of the triggerer running its trigger, once every sensor is
        deferred and every trigger has started there (its trigger log exists: assigned is not started)."""
        found = {}
        for ti in sensors():
            job = ti.get("triggerer_job") or {}
            started = job.get("id") is not None and int(job["id"]) in trigger_logs(e2e, SENSORS, run_id, ti)
            if ti["state"] == "deferred" and job.get("hostname") in TRIGGERERS and started:
                found[int(ti["map_index"])] = (str(job["hostname"]), int(job["id"]))
        return found if len(found) == SENSOR_COUNT else None

    before = e2e.wait_for("every sensor's trigger started", placed, logs=("scheduler", *TRIGGERERS))
    hosts = Counter(host for host, _ in before.values())
    assert set(hosts) == set(TRIGGERERS), f"both triggerers run triggers: {before}"
    victim = hosts.most_common(1)[0][0]
    (survivor,) = set(TRIGGERERS) - {victim}
    (victim_job,) = {job for host, job in before.values() if host == victim}
    moved = sorted(index for index, (host, _) in before.items() if host == victim)
    killed = airflow.kill(victim)
    assert len(killed) >= 2, "the triggerer and its trigger runner"

    def taken_over() -> dict[int, tuple[str, int]] | None:
        now = placed()
        return now if now and {host for host, _ in now.values()} == {survivor} else None

    try:
        takeover = f"{survivor} to take over {victim}'s triggers"
        after = e2e.wait_for(takeover, taken_over, logs=(survivor,), timeout=FAILOVER_WAIT)
        (survivor_job,) = {job for _, job in after.values()}
        for ref in refs:
            e2e.sandbox.schedule_status("rootly", ref, "resolved", after_seconds=0)
        assert e2e.finished(SENSORS, run_id) == "success", e2e.report(SENSORS, run_id)

        jobs = {survivor: survivor_job, victim: victim_job}
        for ti in sensors():
            assert (ti["state"], ti["try_number"]) == ("success", 1), ti
            logs = trigger_logs(e2e, SENSORS, run_id, ti)
            assert set(logs) <= set(jobs.values()), f"map index {ti['map_index']}: {list(logs)}"
            if ti["map_index"] in moved:
                assert victim_job in logs, f"map index {ti['map_index']} ran in {victim} first: {list(logs)}"
            fired = e2e.wait_for(
                f"map index {ti['map_index']}'s fired event in {survivor}'s logs",
                lambda: fired_by_triggerer(e2e, run_id, ti, jobs),  # noqa: B023  (called before ti changes)
                logs=(survivor,),
                timeout=LOG_WAIT,
            )
            assert fired == {survivor: 1, victim: 0}, f"map index {ti['map_index']}: {fired}"
        assert {ti["state"] for ti in e2e.all_task_instances(SENSORS, run_id)} == {"success"}
        print(f"sensors per triggerer before the kill: {dict(hosts)}; moved: {moved}")
        assert_waits_shared_the_feed(e2e, refs)
    finally:
        airflow.restart(victim)
    wait_for_both_triggerers(e2e)


def wait_for_both_triggerers(e2e: E2E) -> None:
    e2e.wait_for(
        "both triggerers alive", lambda: alive_triggerers(e2e) == set(TRIGGERERS) or None, logs=TRIGGERERS
    )


def fired_by_triggerer(
    e2e: E2E, run_id: str, ti: dict[str, Any], jobs: dict[str, int]
) -> dict[str, int] | None:
    """Triggerer -> how often it logged this sensor's trigger firing, once the survivor's line is in.

    A triggerer writes the line to the trigger's own log file, unless the trigger's "finished" message
    reaches the triggerer's supervisor before the line does: the supervisor has closed that file by then
    and writes the line to the triggerer's own output instead (Airflow's
    ``TriggerRunnerSupervisor._process_log_messages_from_subprocess``). Both places count, so the check
    neither misses a fired event nor counts one twice."""
    files = trigger_logs(e2e, SENSORS, run_id, ti)
    name = f"{SENSORS}/{run_id}/{ti['task_id']}/{ti['map_index']}/{ti['try_number']} (ID "
    fired = {}
    for host, job in jobs.items():
        output = deployment(e2e).log_path(host).read_text(errors="replace").splitlines()
        fallback = sum(1 for line in output if FIRED in line and name in line)
        fired[host] = files.get(job, "").count(FIRED) + fallback
    return fired if sum(fired.values()) else None


def assert_waits_shared_the_feed(e2e: E2E, refs: list[str]) -> None:
    """Each triggerer's waits on the connection shared one poller of Rootly's list by update time: an
    incident was read on its own only when a sensor or a trigger started (on the worker, on the first
    triggerer, again on the survivor), never once per poll, although each wait lasted dozens of polls."""
    reads = [r for r in e2e.requests("rootly") if r["method"] == "GET"]
    feed = [r for r in reads if r["path"].endswith("/incidents") and "filter[updated_at][gte]" in r["query"]]
    singles = Counter(r["path"].rsplit("/", 1)[-1] for r in reads if r["path"].rsplit("/", 1)[-1] in refs)
    print(f"Rootly feed reads: {len(feed)}; single reads per incident: {dict(singles)}")
    assert feed, "the triggers waited through the shared feed"
    assert max(singles.values()) <= SINGLE_READS_PER_WAIT, singles


def test_every_new_incident_starts_exactly_one_run_with_two_triggerers(e2e: E2E) -> None:
    """One incident at a time (each in a poll of its own): several incidents found by one poll become
    several asset events that Airflow may hand to one run (see docs/deployment.md)."""
    wait_for_both_triggerers(e2e)
    asset_id = e2e.asset_id("incident_events_new")
    events_before = len(e2e.asset_events(asset_id))
    refs = []
    for n in range(3):
        ref = e2e.open_incident("pagerduty", f"Queue backlog in region {n}")
        refs.append(ref)
        runs = e2e.wait_for(
            f"a run of {ON_EVENT} for incident {ref}",
            lambda: e2e.runs_for(ON_EVENT, ref) or None,  # noqa: B023  (called before ref changes)
            logs=(*TRIGGERERS, "scheduler"),
        )
        assert len(runs) == 1, (ref, runs)
        assert e2e.finished(ON_EVENT, runs[0]) == "success", e2e.report(ON_EVENT, runs[0])
    polls = e2e.watcher_polls()
    e2e.wait_for("three more polls", lambda: e2e.watcher_polls() >= polls + 3 or None, logs=TRIGGERERS)
    for ref in refs:
        assert len(e2e.runs_for(ON_EVENT, ref)) == 1, f"one incident, one run: {ref}"
    events = e2e.asset_events(asset_id)
    assert [str(event_ref(event)) for event in events[events_before:]] == refs, "one event per incident"


def running_on_a_worker(e2e: E2E, dag_id: str, run_id: str, task_id: str) -> dict[str, Any] | None:
    ti = e2e.task_instances(dag_id, run_id).get(task_id)
    return ti if ti and ti["state"] == "running" and ti["hostname"] in WORKERS and ti["pid"] else None


def kill_the_worker_mid_write(
    e2e: E2E, dag_id: str, run_id: str, task_id: str, landed: Any
) -> tuple[dict[str, Any], str]:
    """Wait until ``task_id`` runs on a worker and its write has ``landed`` in the sandbox (whose answer
    trickles, never ending), SIGKILL that worker's processes, wait for the run; the first try and the
    killed worker's name."""
    e2e.wait_for(f"{dag_id}'s write to land", lambda: landed() or None, logs=("scheduler", *WORKERS))
    first = e2e.wait_for(
        f"{task_id} running on a worker",
        lambda: running_on_a_worker(e2e, dag_id, run_id, task_id),
        logs=("scheduler", *WORKERS),
    )
    victim = str(first["hostname"])
    killed = deployment(e2e).kill(victim)
    assert first["pid"] in killed, f"the task's process {first['pid']} was one of {victim}'s {killed}"
    assert e2e.finished(dag_id, run_id, timeout=FAILOVER_WAIT) == "success", e2e.report(dag_id, run_id)
    return first, victim


def assert_retried_elsewhere(e2e: E2E, dag_id: str, run_id: str, task_id: str, victim: str) -> None:
    ti = e2e.task_instances(dag_id, run_id)[task_id]
    assert ti["state"] == "success"
    assert ti["try_number"] >= 2, ti
    assert ti["hostname"] in set(WORKERS) - {victim}, ti
    deployment(e2e).restart(victim)


def test_a_worker_killed_mid_note_leaves_exactly_one_note(e2e: E2E) -> None:
    ref = e2e.open_incident("rootly", "Failover drill: payment retries")
    path = f"/*incidents/{incident_id(ref)}/events"
    e2e.sandbox.add_fault("rootly", "trickle", method="POST", path=path, seconds=1, times=1)
    run_id = e2e.trigger(SLOW_NOTE, {"conn_id": "rootly_sandbox", "incident_id": ref})
    incident = rootly_store(e2e)[incident_id(ref)]

    def posted() -> list[str]:
        return notes(incident, NOTE)

    _, victim = kill_the_worker_mid_write(e2e, SLOW_NOTE, run_id, "note", posted)
    assert_retried_elsewhere(e2e, SLOW_NOTE, run_id, "note", victim)
    assert len(posted()) == 1, incident.events


def test_a_worker_killed_mid_create_leaves_exactly_one_incident(e2e: E2E) -> None:
    title = f"Failover drill: checkout down {time.time_ns()}"
    e2e.sandbox.add_fault("rootly", "trickle", method="POST", path="/*incidents", seconds=1, times=1)
    run_id = e2e.trigger(SLOW_CREATE, {"conn_id": "rootly_sandbox", "title": title})

    def created() -> list[RootlyIncident]:
        return [i for i in list(rootly_store(e2e).values()) if i.title == title]

    _, victim = kill_the_worker_mid_write(e2e, SLOW_CREATE, run_id, "create", created)
    assert_retried_elsewhere(e2e, SLOW_CREATE, run_id, "create", victim)
    assert len(created()) == 1, created()


# Last: the secrets audit over every run above, as the single-machine suite runs it.
test_no_secret_reaches_a_log_xcom_value_asset_event_or_rendered_field = (
    single_machine.test_no_secret_reaches_a_log_xcom_value_asset_event_or_rendered_field
)
