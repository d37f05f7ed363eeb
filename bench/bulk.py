"""Bulk: resolve many incidents with ``BulkUpdateIncidentsOperator`` against the sandbox (in its own process)
with a fixed latency added to every request, for every vendor.

1. With the rate limit out of the way: the operator vs the same incidents resolved by sequential hook
   calls (ratio sequential / bulk, target >= 15), and the requests each needed.
2. With each vendor's default limit: the achieved rate against what the limit allows, the busiest
   60-second window the sandbox saw (never above the limit) and the 429s it answered (target 0).
3. Scaling: bulk time at 10, 100, 1,000 and 5,000 incidents, as a table and a log-log SVG chart.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.models import IncidentUpdate, WriteOptions
from airflow_incident_provider.operators import BulkUpdateIncidentsOperator
from airflow_incident_provider.vendors import vendor_module
from bench.sandbox_process import UNLIMITED, VENDORS, SandboxProcess, busiest_window, sandbox_process
from bench.svg_chart import loglog_svg

LATENCY = 0.020
"""Seconds the sandbox waits before answering each request: a close, fast vendor."""
TITLE = "Benchmark: region eu-west-1 degraded"
STATUS_PAGES = tuple(vendor for vendor in VENDORS if getattr(vendor_module(vendor), "STATUS_PAGE", False))
"""Where a status change is a public message, which the caller must say it means."""


def conn_id(vendor: str) -> str:
    return f"bench_{vendor}"


def bulk(vendor: str, refs: Sequence[str], how: str) -> float:
    """Seconds for one ``BulkUpdateIncidentsOperator`` run over ``refs`` (``how``: resolve or title)."""
    change: dict[str, Any] = {"action": "resolve"} if how == "resolve" else {"title": TITLE}
    operator = BulkUpdateIncidentsOperator(
        task_id="bulk",
        conn_id=conn_id(vendor),
        incident_ids=list(refs),
        public=vendor in STATUS_PAGES,
        **change,
    )
    started = time.perf_counter()
    summary = operator.execute({})  # outside a task: no ti, no XCom
    elapsed = time.perf_counter() - started
    if summary["succeeded"] != len(refs):
        raise SystemExit(f"{vendor}: {summary['failed']} of {len(refs)} failed: {summary['results'][:3]}")
    return elapsed


def sequential(vendor: str, refs: Sequence[str], how: str) -> float:
    """Seconds for the same change made by one hook call after another."""
    hook = get_incident_hook(conn_id(vendor))
    options = WriteOptions(public=vendor in STATUS_PAGES)
    call: Callable[[str], object] = (
        (lambda ref: hook.resolve_incident(ref, options=options))
        if how == "resolve"
        else (lambda ref: hook.update_incident(ref, IncidentUpdate(title=TITLE), options))
    )
    started = time.perf_counter()
    for ref in refs:
        call(ref)
    return time.perf_counter() - started


def speedups(sandbox: SandboxProcess, vendors: Sequence[str], count: int) -> None:
    print(f"\n1. {count} incidents, {LATENCY * 1000:.0f} ms per request, rate limit out of the way")
    print(f"{'vendor':10} {'change':8} {'sequential':>11} {'bulk':>8} {'ratio':>6} {'requests':>14}")
    cases = [(vendor, "resolve") for vendor in vendors]
    if "pagerduty" in vendors:  # resolve goes through PagerDuty's bulk endpoint; a title change cannot
        cases.append(("pagerduty", "title"))
    for vendor, how in cases:
        sandbox.use_connection(vendor, conn_id(vendor), rate_limit_per_minute=UNLIMITED)
        refs = sandbox.prepare(vendor, count, limit=UNLIMITED, latency=LATENCY)
        one_by_one = sequential(vendor, refs, how)
        sequential_requests = len(sandbox.requests(vendor))
        refs = sandbox.prepare(vendor, count, limit=UNLIMITED, latency=LATENCY)
        together = bulk(vendor, refs, how)
        bulk_requests = len(sandbox.requests(vendor))
        print(
            f"{vendor:10} {how:8} {one_by_one:10.2f}s {together:7.2f}s {one_by_one / together:5.1f}x "
            f"{sequential_requests:6} -> {bulk_requests:<6}"
        )


def at_the_limit(sandbox: SandboxProcess, vendors: Sequence[str]) -> None:
    print(
        "\n2. Each vendor's default limit (the connection sets none), "
        f"{LATENCY * 1000:.0f} ms per request, about 1.5 limit-windows of requests"
    )
    print(
        f"{'vendor':10} {'change':8} {'limit':>6} {'incidents':>9} {'requests':>8} {'time':>7} "
        f"{'achieved':>9} {'busiest 60 s':>13} {'429s':>5}"
    )
    for vendor in vendors:
        how = "title" if vendor == "pagerduty" else "resolve"  # PagerDuty's bulk resolve is 4 requests
        limit = int(vendor_module(vendor).RATE_LIMIT_PER_MINUTE)
        sandbox.use_connection(vendor, conn_id(vendor))
        probe = sandbox.prepare(vendor, 1, limit=None, latency=0)
        bulk(vendor, probe, how)
        per_incident = len(sandbox.requests(vendor))
        count = math.ceil(1.5 * limit / per_incident)
        refs = sandbox.prepare(vendor, count, limit=None, latency=LATENCY)
        elapsed = bulk(vendor, refs, how)
        records = sandbox.requests(vendor)
        throttled = sum(1 for record in records if record["status"] == 429)
        # What the limit allows: `limit` requests per 60 s, so n requests need (n - 1) // limit windows.
        allowed = (len(records) - 1) // limit * 60.0
        print(
            f"{vendor:10} {how:8} {limit:6} {count:9} {len(records):8} {elapsed:6.1f}s "
            f"{allowed / elapsed:8.0%} {busiest_window(records):6} ({busiest_window(records) / limit:4.0%}) "
            f"{throttled:5}"
        )


def scaling(sandbox: SandboxProcess, counts: Sequence[int], chart: Path | None) -> None:
    print(f"\n3. Scaling, {LATENCY * 1000:.0f} ms per request, rate limit out of the way")
    print(f"{'vendor':10} {'change':8} {'incidents':>9} {'time':>8} {'per incident':>13} {'incidents/s':>12}")
    series: dict[str, list[tuple[float, float]]] = {}
    for vendor, how, label in (
        ("rootly", "resolve", "Rootly resolve (a request per incident)"),
        ("pagerduty", "resolve", "PagerDuty resolve (bulk endpoint)"),
    ):
        sandbox.use_connection(vendor, conn_id(vendor), rate_limit_per_minute=UNLIMITED)
        for count in counts:
            refs = sandbox.prepare(vendor, count, limit=UNLIMITED, latency=LATENCY)
            elapsed = bulk(vendor, refs, how)
            series.setdefault(label, []).append((count, elapsed))
            print(
                f"{vendor:10} {how:8} {count:9} {elapsed:7.2f}s {elapsed / count * 1000:10.2f} ms "
                f"{count / elapsed:12.0f}"
            )
    if chart is not None:
        chart.parent.mkdir(parents=True, exist_ok=True)
        chart.write_text(
            loglog_svg(
                f"BulkUpdateIncidentsOperator, {LATENCY * 1000:.0f} ms per request",
                "incidents",
                "seconds",
                series,
            )
        )
        print(f"chart written to {chart}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000, help="incidents in part 1 (default 1000)")
    parser.add_argument("--vendors", nargs="+", default=list(VENDORS), choices=VENDORS)
    parser.add_argument("--parts", nargs="+", type=int, default=[1, 2, 3], choices=[1, 2, 3])
    parser.add_argument("--scaling", nargs="+", type=int, default=[10, 100, 1000, 5000])
    parser.add_argument("--chart", type=Path, default=Path("docs/img/bulk-scaling.svg"))
    args = parser.parse_args()
    logging.getLogger("airflow.task").setLevel(logging.ERROR)  # one line per run, not per benchmark row
    with sandbox_process() as sandbox:
        if 1 in args.parts:
            speedups(sandbox, args.vendors, args.count)
        if 2 in args.parts:
            at_the_limit(sandbox, args.vendors)
        if 3 in args.parts:
            scaling(sandbox, args.scaling, args.chart)


if __name__ == "__main__":
    main()
