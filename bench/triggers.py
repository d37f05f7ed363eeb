"""Waiting at scale: N ``IncidentStatusTrigger``s in one event loop (as in one triggerer) against the
sandbox in its own process, on one PagerDuty connection with PagerDuty's real limit (960 requests a
minute, the sandbox's and the connection's default).

Each incident is resolved by a scripted change spread over a minute once every trigger is polling;
each trigger's fire latency is the time from its incident's change to its event. With N triggers
sharing L requests a minute, a trigger cannot poll more often than every N * 60 / L seconds, so its
effective interval is the larger of that and ``poll_interval``; the target is every trigger firing
within two effective intervals. Also measured: resident memory growth, open sockets, HTTP clients,
and the 429s the sandbox answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

from airflow_incident_provider.hooks import transport
from airflow_incident_provider.pool import POOL_SIZE
from airflow_incident_provider.triggers import IncidentStatusTrigger
from airflow_incident_provider.vendors import pagerduty
from bench.sandbox_process import SandboxProcess, sandbox_process

CONN_ID = "bench_pagerduty"


def resident_mb() -> float:
    """This process's resident memory (Linux ``/proc``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


def due_times(sandbox: SandboxProcess, refs: list[str], start_in: float, spread: float) -> dict[str, float]:
    """Schedule each incident's resolution, spread evenly over ``spread`` seconds after ``start_in``;
    return when each is due (POSIX seconds; the sandbox clock runs at real speed)."""
    due = {}
    for index, ref in enumerate(refs):
        after = start_in + spread * index / len(refs)
        action = sandbox.admin.post(
            f"/pagerduty/incidents/{ref}/schedule", json={"status": "resolved", "after_seconds": after}
        )
        action.raise_for_status()
        due[ref] = datetime.fromisoformat(action.json()["due_at"].replace("Z", "+00:00")).timestamp()
    return due


async def wait_all(
    sandbox: SandboxProcess, refs: list[str], poll_interval: float, start_in: float, spread: float
) -> None:
    fired: dict[str, float] = {}
    peak = {"rss": 0.0, "sockets": 0, "clients": 0}

    async def one(ref: str) -> None:
        trigger = IncidentStatusTrigger(
            conn_id=CONN_ID, incident_ref=ref, poll_interval=poll_interval, deadline=time.time() + 3600
        )
        event = await trigger.wait()
        if event.payload["status"] != "success":
            raise RuntimeError(f"{ref}: {event.payload}")
        fired[ref] = time.time()

    async def watch() -> None:
        while True:
            peak["rss"] = max(peak["rss"], resident_mb())
            peak["sockets"] = max(peak["sockets"], open_sockets())
            peak["clients"] = max(peak["clients"], transport.open_async_clients())
            await asyncio.sleep(0.5)

    baseline_rss, baseline_sockets = resident_mb(), open_sockets()
    started = time.time()
    watcher = asyncio.create_task(watch())
    waits = [asyncio.create_task(one(ref)) for ref in refs]
    due = await asyncio.to_thread(due_times, sandbox, refs, start_in, spread)
    await asyncio.gather(*waits)
    watcher.cancel()
    elapsed = time.time() - started

    limit = int(pagerduty.RATE_LIMIT_PER_MINUTE)
    effective = max(poll_interval, len(refs) * 60.0 / limit)
    latencies = sorted(fired[ref] - due[ref] for ref in refs)
    records = sandbox.requests("pagerduty")
    throttled = sum(1 for record in records if record["status"] == 429)
    within = sum(1 for value in latencies if value <= 2 * effective)
    print(f"{len(refs)} IncidentStatusTriggers, poll_interval {poll_interval:g} s, limit {limit}/min")
    print(f"  effective interval (max of poll_interval, N*60/limit): {effective:.1f} s")
    print(
        f"  fire latency after the change: median {statistics.median(latencies):.1f} s, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} s, max {latencies[-1]:.1f} s "
        f"(target <= {2 * effective:.1f} s: {within}/{len(refs)} within)"
    )
    print(
        f"  resident memory: {baseline_rss:.0f} MB before, peak {peak['rss']:.0f} MB "
        f"(+{peak['rss'] - baseline_rss:.0f} MB; target <= 50 MB)"
    )
    print(
        f"  open sockets: {baseline_sockets} before, peak {peak['sockets']} "
        f"(pool size {POOL_SIZE}); HTTP clients at peak: {peak['clients']}"
    )
    print(f"  requests the sandbox served: {len(records)} in {elapsed:.0f} s, 429s: {throttled} (target 0)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--poll-interval", type=float, default=60.0)
    parser.add_argument("--start-in", type=float, default=75.0, help="seconds before the first change")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the changes are spread over")
    args = parser.parse_args()
    with sandbox_process() as sandbox:
        sandbox.use_connection("pagerduty", CONN_ID)
        refs = sandbox.prepare("pagerduty", args.triggers, limit=None, latency=0)
        asyncio.run(wait_all(sandbox, refs, args.poll_interval, args.start_in, args.spread))


if __name__ == "__main__":
    main()
