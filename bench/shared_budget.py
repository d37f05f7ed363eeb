"""Shared budget: N processes, each with its own hook, updating incidents on one credential whose vendor
budget (120/min) is far below what the connection says (the default 960/min), against the sandbox in its
own process. Today's per-process limiter (the vendor's budget headers ignored) is the baseline, measured
in the same run as the limiter that takes the vendor's word.

Per case: failed calls (goal 0), the share of requests answered 429 (goal <= 5%) and the total time over
what the budget itself requires (goal <= 1.3x): with ``L`` a window's budget and ``n`` requests the
vendor accepted, the last of them cannot go before ``ceil(n / L) - 1`` windows have passed.

The sandbox clock runs ``--time-scale`` times faster (a 60 s window lasts 60/scale real seconds); every
reset header it sends is in real seconds, so the clients see a vendor whose minute is shorter.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.sandbox_process import SandboxProcess, sandbox_process

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from services import redis_server  # scripts/ is not a package: on the path above

BUDGET = 120
"""The vendor's real budget per minute on the shared credential."""
CONNECTION_LIMIT = 960
"""What the connection says (PagerDuty's published default)."""
WINDOW = 60.0
MODES = ("baseline", "headers", "redis")
"""Today's limiter (budget headers ignored); the vendor's word; the vendor's word and a hard cap of the
budget shared through Redis."""
UPDATES = 60
"""Updates each process sends (4 processes: two windows' worth of the budget; 16: eight)."""


def _worker(
    mode: str, scale: float, conn_id: str, ref: str, updates: int, ready: Any, go: Any, out: Any
) -> None:
    """One process: its own hook; ``updates`` title changes on ``ref``; reports (failures, finished at)."""
    from airflow_incident_provider.hooks import get_incident_hook, ratelimit
    from airflow_incident_provider.models import IncidentUpdate

    if mode == "baseline":  # today's limiter: the vendor's budget headers are not read
        ratelimit.SlidingWindowLimiter.observe = lambda *args, **kwargs: None  # type: ignore[method-assign]
    # The Redis cap's window is the vendor's minute: under the scaled clock, that minute is shorter.
    ratelimit.WINDOW_SECONDS /= scale
    ratelimit.SAFETY_SECONDS /= scale
    hook = get_incident_hook(conn_id)
    hook.settings  # noqa: B018 - the connection is read before the start, as a running task has it
    ready.put(True)
    go.wait()
    failures = 0
    for number in range(updates):
        try:
            hook.update_incident(ref, IncidentUpdate(title=f"Shared budget {number}"))
        except Exception:  # a failed call of any kind is what is counted
            failures += 1
    out.put((failures, time.time()))


@dataclass
class Outcome:
    vendor: str
    mode: str
    processes: int
    updates: int
    failures: int
    requests: int
    refused: int
    seconds: float
    required: float

    @property
    def share(self) -> float:
        return self.refused / self.requests if self.requests else 0.0

    @property
    def ratio(self) -> float:
        return self.seconds / self.required if self.required else float("nan")


def _required(records: Sequence[dict[str, Any]], vendor: str, window: float) -> float:
    """Real seconds the budget itself requires for the accepted requests (per bucket: Rootly counts
    reads and writes apart)."""
    buckets: dict[str, int] = {}
    for record in records:
        if record["status"] != 429:
            key = ("read" if record["method"] == "GET" else "write") if vendor == "rootly" else "all"
            buckets[key] = buckets.get(key, 0) + 1
    return max((math.ceil(count / BUDGET) - 1) * window for count in buckets.values())


def run_case(
    sandbox: SandboxProcess,
    vendor: str,
    mode: str,
    processes: int,
    updates: int,
    scale: float,
    redis_url: str | None,
) -> Outcome:
    refs = sandbox.prepare(vendor, processes, limit=BUDGET, latency=0)
    conn_id = f"bench_budget_{vendor}"
    if mode == "redis":  # the hard cap is the budget itself
        sandbox.use_connection(vendor, conn_id, rate_limit_per_minute=BUDGET, rate_limit_redis_dsn=redis_url)
    else:
        sandbox.use_connection(vendor, conn_id, rate_limit_per_minute=CONNECTION_LIMIT)
    context = multiprocessing.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(target=_worker, args=(mode, scale, conn_id, ref, updates, ready, go, out))
        for ref in refs
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=300)
    sandbox.admin.delete("/requests").raise_for_status()
    started = time.time()
    go.set()
    results = [out.get(timeout=3600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    records = sandbox.requests(vendor)
    return Outcome(
        vendor,
        mode,
        processes,
        updates,
        failures=sum(failures for failures, _ in results),
        requests=len(records),
        refused=sum(1 for record in records if record["status"] == 429),
        seconds=max(finished for _, finished in results) - started,
        required=_required(records, vendor, WINDOW / scale),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendors", nargs="+", default=["pagerduty", "rootly"])
    parser.add_argument("--time-scale", type=float, default=4.0)
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--processes", nargs="+", type=int, default=[4, 16])
    args = parser.parse_args(argv)
    print(
        f"budget {BUDGET}/min per credential, the connection says {CONNECTION_LIMIT}/min, "
        f"sandbox clock x{args.time_scale:g} (a window lasts {WINDOW / args.time_scale:g} s)"
    )
    print(
        f"{'vendor':10} {'limiter':9} {'processes':>9} {'calls':>6} {'failed':>6} {'requests':>8} "
        f"{'429s':>5} {'429 share':>9} {'time s':>7} {'needs s':>7} {'ratio':>6}"
    )
    with contextlib.ExitStack() as stack:
        sandbox = stack.enter_context(sandbox_process(time_scale=args.time_scale))
        redis_url = stack.enter_context(redis_server()).url if "redis" in args.modes else None
        for vendor in args.vendors:
            for processes in args.processes:
                for mode in args.modes:
                    outcome = run_case(sandbox, vendor, mode, processes, UPDATES, args.time_scale, redis_url)
                    print(
                        f"{vendor:10} {mode:9} {processes:>9} {processes * UPDATES:>6} {outcome.failures:>6} "
                        f"{outcome.requests:>8} {outcome.refused:>5} {outcome.share:>9.1%} "
                        f"{outcome.seconds:>7.1f} {outcome.required:>7.1f} {outcome.ratio:>5.2f}x",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
