"""Waiting at scale: N ``IncidentStatusTrigger``s in one event loop (as in one triggerer) against the
sandbox in its own process, on one PagerDuty connection with PagerDuty's real limit (960 requests a
minute, the sandbox's and the connection's default; ``--vendor rootly`` or ``devhelm`` for those, and
``--limit`` for another plan's limit, set on both sides), in two modes side by side in one run:

- ``shared``: the provider's behaviour, one poller of the account log per (loop, connection);
- ``per-trigger``: every trigger reads its own incident every ``poll_interval`` (the provider's earlier
  behaviour, and still that of vendors without a change feed).

Per mode, on fresh incidents: every trigger starts and reads its incident once; then, in steady state,
after ``--settle`` seconds, the requests the sandbox serves in ``--steady`` seconds give the requests
per waiter per poll interval;
then the incidents but a quiet tenth are resolved by scripted changes spread over ``--spread`` seconds.
Each trigger's fire latency is the time from its incident's change to its event; a quiet trigger that
fires at all (it is left waiting two intervals past the last change, then cancelled), or a trigger that
fires before its change, is a false fire. Also measured: resident
memory growth and the 429s the sandbox answered. ``--steady-only`` stops a mode after the steady-state
count (for per-trigger polling at sizes where its fire latency is known from arithmetic alone: with N
triggers sharing L requests a minute, each looks at best every N * 60 / L seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.triggers.base import TriggerEvent

from airflow_incident_provider.conditions import Outcome, StatusCondition
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.triggers import IncidentStatusTrigger
from airflow_incident_provider.vendors import devhelm, pagerduty, rootly
from bench.sandbox_process import SandboxProcess, sandbox_process

VENDORS = {"pagerduty": pagerduty, "rootly": rootly, "devhelm": devhelm}
"""The vendors this bench runs on: their module gives the published limit and the resolved word."""
CONN_ID = "bench_incidents"
QUIET_SHARE = 10
"""One incident in this many is never changed: its trigger must time out, never fire."""


def resident_mb() -> float:
    """This process's resident memory (Linux ``/proc``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def at(record: dict[str, Any]) -> float:
    return datetime.fromisoformat(record["at"].replace("Z", "+00:00")).timestamp()


@dataclass
class Run:
    """What one mode's triggers report back."""

    started: set[str] = field(default_factory=set)
    fired: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)


class BenchTrigger(IncidentStatusTrigger):
    """The provider's trigger, noting when it has read its incident (steady state begins once all have)."""

    run_of: Run

    async def _read(
        self, hook: IncidentHook, interval: float
    ) -> tuple[Incident | TriggerEvent | None, float]:
        found, interval = await super()._read(hook, interval)
        if isinstance(found, Incident):  # a read refused for now (a 429, a full limiter) is retried
            self.run_of.started.add(self.incident_ref)
        return found, interval

    def _judged(
        self, incident: Incident, evaluate: Callable[[Incident], Outcome | None]
    ) -> TriggerEvent | None:
        self.run_of.started.add(self.incident_ref)  # its first state (its own read or the bulk one)
        return super()._judged(incident, evaluate)


class PerTriggerPolling(BenchTrigger):
    """The earlier behaviour, for comparison: the trigger reads its own incident every interval."""

    async def wait(self) -> TriggerEvent:
        condition = StatusCondition.of(self.target_statuses, self.failure_statuses, self.changed_from)
        hook = await self._hook()
        async with hook.hold_client():
            return await self._poll(hook, condition.for_vendor(hook.vendor).evaluate, condition.describe())


def schedule(
    sandbox: SandboxProcess, vendor: str, refs: list[str], start_in: float, spread: float
) -> dict[str, float]:
    """Resolve each of ``refs``, spread evenly over ``spread`` seconds after ``start_in``; return when each
    is due (POSIX seconds; the sandbox clock runs at real speed)."""
    due = {}
    resolved = VENDORS[vendor].PHASE_STATUSES[Phase.RESOLVED]
    for index, ref in enumerate(refs):
        after = start_in + spread * index / len(refs)
        action = sandbox.admin.post(
            f"/{vendor}/incidents/{ref}/schedule", json={"status": resolved, "after_seconds": after}
        )
        action.raise_for_status()
        due[ref] = datetime.fromisoformat(action.json()["due_at"].replace("Z", "+00:00")).timestamp()
    return due


async def one_mode(sandbox: SandboxProcess, mode: str, refs: list[str], args: argparse.Namespace) -> None:
    interval, count = args.poll_interval, len(refs)
    limit = args.limit or int(VENDORS[args.vendor].RATE_LIMIT_PER_MINUTE)
    effective = interval if mode == "shared" else max(interval, count * 60.0 / limit)
    run, peak = Run(), {"rss": 0.0}
    kind = BenchTrigger if mode == "shared" else PerTriggerPolling
    kind.run_of = run
    quiet = set(refs[::QUIET_SHARE])
    changing = [ref for ref in refs if ref not in quiet]

    async def one(ref: str) -> None:
        day = time.time() + 86400  # the quiet ones are cancelled once the others have fired
        trigger = kind(conn_id=CONN_ID, incident_ref=ref, poll_interval=interval, deadline=day)
        event = await trigger.wait()
        run.fired[ref] = (time.time(), event.payload)

    async def watch() -> None:
        while True:
            peak["rss"] = max(peak["rss"], resident_mb())
            await asyncio.sleep(0.5)

    baseline = resident_mb()
    if args.trace_memory:
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
    watcher = asyncio.create_task(watch())
    waits = [asyncio.create_task(one(ref)) for ref in refs]
    began = time.time()
    patience = 60 + 2 * count * 60.0 / limit  # every first read, twice over at the limit
    while len(run.started) < count and time.time() - began < patience:
        await asyncio.sleep(0.2)
    print(f"{mode}: {count} triggers on {args.vendor}, poll_interval {interval:g} s, limit {limit}/min")
    print(f"  {len(run.started)} of {count} triggers read their incident in {time.time() - began:.0f} s")
    await asyncio.sleep(args.settle)  # a log read that queued behind the first reads catches up
    steady_from = time.time()
    await asyncio.sleep(args.steady)
    steady_to = time.time()
    steady_rss = resident_mb()
    records = await asyncio.to_thread(sandbox.requests, args.vendor)
    steady = [record for record in records if steady_from <= at(record) < steady_to]
    served = len(steady)
    per_waiter = served / count / ((steady_to - steady_from) / interval)
    kinds = Counter(f"{request_kind(record)} -> {record['status']}" for record in steady)
    print(f"  steady-state requests by kind: {dict(kinds.most_common(6))}")
    if args.trace_memory:
        report_memory(before, tracemalloc.take_snapshot(), count, args.trace_memory)
        tracemalloc.stop()
    print(
        f"  steady state: {served} requests in {steady_to - steady_from:.0f} s = "
        f"{per_waiter:.4f} per waiter per poll interval (goal <= 0.05); each trigger looks every "
        f"{effective:.1f} s"
    )
    if mode in args.steady_only:
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    else:
        due = await asyncio.to_thread(schedule, sandbox, args.vendor, changing, 1.0, args.spread)
        await asyncio.gather(*(task for task, ref in zip(waits, refs, strict=True) if ref not in quiet))
        await asyncio.sleep(max(0.0, max(due.values()) + 2 * effective - time.time()))
        for task, ref in zip(waits, refs, strict=True):
            if ref in quiet and not task.done():  # still waiting, as it should: cancelled
                task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
        report_fires(run, due, quiet, effective)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    records = await asyncio.to_thread(sandbox.requests, args.vendor)
    throttled = sum(1 for record in records if record["status"] == 429)
    refused = Counter(
        f"{record['path']} at {at(record) - began:.0f} s" for record in records if record["status"] == 429
    )
    if refused:
        print(f"  429s, by path and seconds into the mode: {dict(refused)}")
    print(
        f"  resident memory: {baseline:.0f} MB before, peak {peak['rss']:.0f} MB "
        f"(+{peak['rss'] - baseline:.0f} MB; goal <= 50 MB at 10,000); in steady state "
        f"{steady_rss:.0f} MB (+{steady_rss - baseline:.0f} MB)"
    )
    print(f"  requests served: {len(records)} in {time.time() - began:.0f} s, 429s: {throttled} (goal 0)")


def request_kind(record: dict[str, Any]) -> str:
    """A request as the breakdown names it: a list (the log, a feed page: which page) or one incident."""
    path, query = record["path"], record["query"]
    if not path.endswith(("/log_entries", "/incidents")):
        return "one incident"
    pages = [f"{name} {values[-1]}" for name, values in query.items() if name in PAGE_PARAMS]
    return " ".join([path.rsplit("/", 1)[-1], *pages])


PAGE_PARAMS = ("offset", "page", "page[number]")
"""The query parameters that say which page of a list a request reads."""


def report_memory(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, count: int, top: int) -> None:
    """Where the memory held in steady state was allocated (Python allocations only, so less than the
    resident growth: freed arenas are not given back), per trigger."""
    stats = after.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).compare_to(
        before, "lineno"
    )
    grown = sum(stat.size_diff for stat in stats)
    print(
        f"  traced allocations held: +{grown / 2**20:.1f} MB, {grown / count:.0f} bytes a trigger; "
        f"the top {top}:"
    )
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = frame.filename.split("site-packages/")[-1].split("python3.11/")[-1]
        print(
            f"    {stat.size_diff / count:7.0f} B a trigger {stat.count_diff:+8d} blocks "
            f"{where}:{frame.lineno}"
        )


def report_fires(run: Run, due: dict[str, float], quiet: set[str], effective: float) -> None:
    """Fire latencies of the changed incidents' triggers; false fires: a quiet trigger that fired at all
    (it was left waiting two intervals past the last change, then cancelled), or one that fired before
    its change or with anything but success."""
    false_fires = sum(1 for ref in quiet if ref in run.fired)
    latencies = []
    for ref, moment in due.items():
        fired_at, payload = run.fired[ref]
        if payload["status"] != "success" or fired_at < moment:
            false_fires += 1
        latencies.append(fired_at - moment)
    latencies.sort()
    within = sum(1 for value in latencies if value <= 2 * effective)
    print(
        f"  fire latency after the change: median {statistics.median(latencies):.1f} s, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} s, max {latencies[-1]:.1f} s "
        f"(goal <= {2 * effective:.1f} s: {within}/{len(latencies)} within)"
    )
    print(f"  false fires: {false_fires} (goal 0; {len(quiet)} triggers on incidents that never changed)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendor", choices=sorted(VENDORS), default="pagerduty")
    parser.add_argument("--limit", type=int, help="requests a minute (default: the vendor's published)")
    parser.add_argument("--triggers", type=int, default=2000)
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--steady", type=float, default=30.0, help="seconds of steady state counted")
    parser.add_argument(
        "--settle", type=float, default=30.0, help="seconds after the first reads before counting"
    )
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the changes are spread over")
    parser.add_argument("--modes", default="shared,per-trigger", help="shared, per-trigger or both")
    parser.add_argument(
        "--steady-only",
        nargs="?",
        const="shared,per-trigger",
        default="",
        metavar="MODES",
        help="stop these modes (all when none is named) after the steady count",
    )
    parser.add_argument(
        "--trace-memory", type=int, default=0, metavar="N", help="print the N lines holding the most memory"
    )
    args = parser.parse_args()
    args.steady_only = args.steady_only.split(",")
    with sandbox_process(request_log_size=400_000) as sandbox:
        extra = {"rate_limit_per_minute": args.limit} if args.limit else {}
        sandbox.use_connection(args.vendor, CONN_ID, **extra)
        for mode in args.modes.split(","):
            refs = sandbox.prepare(args.vendor, args.triggers, limit=args.limit, latency=0)
            asyncio.run(one_mode(sandbox, mode, refs, args))


if __name__ == "__main__":
    main()
