"""Where the hook's per-call time goes: the HTTP exchange (the same httpx request bare httpx sends)
against the provider's own work around it (validating the input before sending, rate-limit and socket
slots, turning the answer into an ``Incident``). Run after ``bench.overhead`` when the ratio is near
its target: the machine's noise between rounds is larger than the gap, this split is not.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow_incident_provider.hooks import transport
from bench.canned_server import running
from bench.overhead import BARE, OURS, contenders
from bench.tls import self_signed

PROVIDER = "airflow_incident_provider"


class ExchangeClock:
    """Wraps the transport's ``send`` (one whole HTTP exchange) and adds up the CPU time spent in it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original: Callable[..., Any] = transport.send

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - started


def split(runs: dict[str, Callable[[], None]], calls: int, rounds: int) -> None:
    """Median CPU microseconds per call: bare httpx, the hook, and the hook's exchange and own work."""
    clock = ExchangeClock()
    transport.send = clock
    try:
        samples: dict[str, list[float]] = {"bare": [], "hook": [], "exchange": [], "own": []}
        for _ in range(rounds):
            started = time.process_time()
            runs[BARE]()
            samples["bare"].append(time.process_time() - started)
            clock.seconds, started = 0.0, time.process_time()
            runs[OURS]()
            total = time.process_time() - started
            samples["hook"].append(total)
            samples["exchange"].append(clock.seconds)
            samples["own"].append(total - clock.seconds)
    finally:
        transport.send = clock.original
    us = {name: statistics.median(values) / calls * 1e6 for name, values in samples.items()}
    print(f"  CPU per call, median of {rounds} rounds:")
    print(f"    bare httpx.Client (PUT, answer read as JSON)      : {us['bare']:6.0f} us")
    print(f"    hook, in all                                      : {us['hook']:6.0f} us")
    print(f"      of which the HTTP exchange (transport.send)     : {us['exchange']:6.0f} us")
    print(f"      of which the provider's own work                : {us['own']:6.0f} us")


def profile(run: Callable[[], None], top: int) -> None:
    """The provider's functions by cumulative time under cProfile (which inflates small calls)."""
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = [
        (cumulative, calls, f"{Path(file).name}:{line} {name}")
        for (file, line, name), (_, calls, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
        if PROVIDER in file
    ]
    print(f"  the provider's functions by cumulative time under cProfile (top {top}):")
    for cumulative, calls, where in sorted(rows, reverse=True)[:top]:
        print(f"    {cumulative * 1000:8.1f} ms  {calls:6} calls  {where}")


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        for title, tls in (("plain HTTP", None), ("HTTPS", self_signed(Path(directory)))):
            with running(tls) as base:
                runs = contenders(base, args.calls, tls[0] if tls else None)
                for run in (runs[BARE], runs[OURS]):
                    run()  # warm up: connections open, priorities and settings read
                print(f"{args.calls} sequential PUTs, {title}")
                split(runs, args.calls, args.rounds)
                profile(runs[OURS], args.top)


if __name__ == "__main__":
    main()
