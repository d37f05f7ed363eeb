"""The sandbox in its own process for benchmarks, so its CPU and memory are never counted as the client's."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from airflow_incident_provider.hooks import ratelimit
from airflow_incident_provider.registry import VENDOR_NAMES

VENDORS = VENDOR_NAMES
UNLIMITED = 10_000_000
"""Requests per minute that no benchmark comes near: the rate limit out of the way."""


@dataclass
class SandboxProcess:
    """A running sandbox: its URL, the connections it printed, and its ``/_sandbox`` routes."""

    url: str
    connections: dict[str, dict[str, Any]]
    admin: httpx.Client = field(repr=False)

    def prepare(self, vendor: str, count: int, *, limit: int | None, latency: float) -> list[str]:
        """Fresh state; ``count`` new incidents of ``vendor``; its limit (None: the vendor's own) and a
        ``latency`` in seconds on every request of it. Returns the incidents' refs."""
        self.admin.post("/reset", json={}).raise_for_status()
        ratelimit.reset_limiters()  # a fresh client process's limiter, as the sandbox's windows are
        if limit is not None:
            self.admin.put(f"/config/{vendor}", json={"rate_limit_per_minute": limit}).raise_for_status()
        refs = []
        for number in range(count):
            action = self.admin.post(
                f"/{vendor}/incidents/schedule", json={"title": f"Benchmark {number}", "after_seconds": 0}
            )
            action.raise_for_status()
            refs.append(str(action.json()["ref"]))
        if latency:
            fault = {"vendor": vendor, "kind": "delay", "seconds": latency}
            self.admin.post("/faults", json=fault).raise_for_status()
        self.admin.delete("/requests").raise_for_status()
        return refs

    def use_connection(self, vendor: str, conn_id: str, **extra: Any) -> None:
        """Expose the sandbox connection of ``vendor`` as ``conn_id`` (with ``extra`` merged in)."""
        connection = json.loads(json.dumps(self.connections[vendor]))
        connection["extra"] = {**connection.get("extra", {}), **extra}
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(connection)

    def requests(self, vendor: str) -> list[dict[str, Any]]:
        answer = self.admin.get("/requests", params={"vendor": vendor})
        answer.raise_for_status()
        return list(answer.json()["requests"])


def busiest_window(records: list[dict[str, Any]], seconds: float = 60.0) -> int:
    """The most requests the sandbox saw in any ``seconds``-long window."""
    times = sorted(datetime.fromisoformat(r["at"].replace("Z", "+00:00")).timestamp() for r in records)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


@contextmanager
def sandbox_process(request_log_size: int = 100_000, time_scale: float = 1.0) -> Iterator[SandboxProcess]:
    """Start ``python -m airflow_incident_provider.sandbox`` on a free loopback port; always stop it.

    ``time_scale`` runs the sandbox's clock faster (its rate-limit windows shrink alike)."""
    command = [
        sys.executable,
        "-m",
        "airflow_incident_provider.sandbox",
        "--port",
        "0",
        "--print-connections",
        "--request-log-size",
        str(request_log_size),
        "--time-scale",
        str(time_scale),
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # noqa: S603
    try:
        assert child.stdout is not None
        url = child.stdout.readline().split()[-1]
        connections = {}
        for _ in VENDORS:
            line = child.stdout.readline().strip()  # export AIRFLOW_CONN_<VENDOR>_SANDBOX='{...}'
            name, _, value = line.removeprefix("export ").partition("=")
            connections[name.removeprefix("AIRFLOW_CONN_").removesuffix("_SANDBOX").lower()] = json.loads(
                shlex.split(value)[0]
            )
        assert sorted(connections) == sorted(VENDORS), connections
        with httpx.Client(base_url=f"{url}/_sandbox", timeout=30, trust_env=False) as admin:
            yield SandboxProcess(url, connections, admin)
    finally:
        child.terminate()
        child.wait(timeout=15)
