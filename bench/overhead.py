"""Per-call overhead: N sequential ``update_incident`` calls through the hook vs the same N PUTs sent
with a bare ``httpx.Client``, against one minimal local server (a canned PagerDuty answer), so the
server's cost does not hide the client's. Prints the ratio hook / bare httpx (target <= 1.2).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from airflow.sdk import Connection

from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.models import IncidentUpdate
from bench.canned_server import running
from bench.tls import self_signed

TOKEN = "bench-token-0000"  # noqa: S105 - a fake token for a loopback server
FROM_EMAIL = "bench@example.com"
BARE, OURS = "bare httpx.Client", "PagerDutyIncidentHook"


def timed_rounds(runs: dict[str, Callable[[], None]], repeats: int) -> dict[str, list[float]]:
    """Wall times of ``repeats`` rounds, each running every contender once, in a rotating order.

    Interleaved rather than one contender's repeats after another's, so a slow spell of a shared machine
    falls on all of them alike; a first round warms connections up and is dropped.
    """
    names = list(runs)
    for run in runs.values():
        run()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            samples[name].append(time.perf_counter() - started)
    return samples


def contenders(base: str, calls: int, ca_bundle: Path | None) -> dict[str, Callable[[], None]]:
    """Each way of sending the same ``calls`` PUTs and reading the answer, by name (``ca_bundle``: HTTPS)."""
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
    headers = {
        "Authorization": f"Token token={TOKEN}",
        "Accept": "application/vnd.pagerduty+json;version=2",
        "Content-Type": "application/json",
        "From": FROM_EMAIL,
    }
    body = {"incident": {"type": "incident_reference", "title": "Benchmark"}}
    extra: dict[str, Any] = {"from_email": FROM_EMAIL, "rate_limit_per_minute": 10_000_000}
    if ca_bundle:
        extra["ca_bundle"] = str(ca_bundle)
    connection = Connection(
        conn_id="bench", conn_type="pagerduty_incidents", host=base, password=TOKEN, extra=json.dumps(extra)
    )
    hook = PagerDutyIncidentHook("bench", connection=connection)
    update = IncidentUpdate(title="Benchmark")
    client = httpx.Client(base_url=base, headers=headers, verify=verify)

    def bare() -> None:
        for _ in range(calls):
            client.put("/incidents/Q1BENCH", json=body).raise_for_status().json()

    def through_hook() -> None:
        for _ in range(calls):
            hook.update_incident("Q1BENCH", update)

    runs = {BARE: bare, OURS: through_hook}
    try:  # the alternatives users compare against; `make bench` installs them (the bench extra)
        import pagerduty
        from airflow.providers.http.hooks.http import HttpHook
    except ImportError:
        print("HttpHook / pagerduty client not installed: `make bench` installs them (the bench extra)")
        return runs
    http_extra = {"verify": str(ca_bundle)} if ca_bundle else {}
    os.environ["AIRFLOW_CONN_BENCH_HTTP"] = json.dumps(
        {"conn_type": "http", "host": base, "extra": http_extra}
    )
    http_hook = HttpHook(method="PUT", http_conn_id="bench_http")

    def through_http_hook() -> None:
        for _ in range(calls):
            http_hook.run("/incidents/Q1BENCH", json=body, headers=headers).json()

    runs["HttpHook (providers-http)"] = through_http_hook
    if ca_bundle:  # the official client speaks HTTPS only
        official = pagerduty.RestApiV2Client(TOKEN, default_from=FROM_EMAIL, base_url=base, verify=verify)

        def through_official_client() -> None:
            for _ in range(calls):
                official.rput("/incidents/Q1BENCH", json=body["incident"])

        runs["pagerduty.RestApiV2Client"] = through_official_client
    return runs


def measure(calls: int, repeats: int, tls: tuple[Path, Path] | None) -> dict[str, list[float]]:
    """Seconds of every round per contender against a fresh canned server (HTTPS when ``tls`` is given)."""
    with running(tls) as base:
        return timed_rounds(contenders(base, calls, tls[0] if tls else None), repeats)


def report(title: str, samples: dict[str, list[float]], calls: int) -> None:
    """Median time per contender, and the ratios: the hook's against bare httpx is the median of the
    rounds' own ratios (each round's two runs were back to back, so share the machine's state)."""
    seconds = {name: statistics.median(values) for name, values in samples.items()}
    print(title)
    for name, value in seconds.items():
        print(f"  {name:27}: {value * 1000:8.1f} ms  ({value / calls * 1e6:6.0f} us/call)")
    ours = seconds[OURS]
    ratios = sorted(hook / bare for hook, bare in zip(samples[OURS], samples[BARE], strict=True))
    extra = statistics.median(h - b for h, b in zip(samples[OURS], samples[BARE], strict=True)) / calls
    print(
        f"  ratio hook / bare httpx            : {statistics.median(ratios):.2f}  (target <= 1.2; "
        f"rounds {ratios[0]:.2f} to {ratios[-1]:.2f}; the hook's own work {extra * 1e6:.0f} us/call)"
    )
    others = [value for name, value in seconds.items() if name not in (BARE, OURS)]
    if len(others) > 1:
        print(f"  ratio slower alternative / hook    : {max(others) / ours:.2f}  (target >= 2)")
        print(f"  ratio hook / faster alternative    : {ours / min(others):.2f}  (target <= 1.0)")


def main() -> None:
    for name in ("httpx", "httpx2"):  # per-request INFO lines would time the log handler, not the client
        logging.getLogger(name).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    intro = f"{args.calls} sequential PUTs, answers read as JSON, median of {args.repeats} interleaved rounds"
    report(f"{intro}, plain HTTP", measure(args.calls, args.repeats, None), args.calls)
    with tempfile.TemporaryDirectory() as directory:
        tls = self_signed(Path(directory))
        report(f"{intro}, HTTPS (keep-alive)", measure(args.calls, args.repeats, tls), args.calls)


if __name__ == "__main__":
    main()
