"""Per-call overhead: N sequential ``update_incident`` calls through the hook vs the same N PUTs sent
with a bare ``httpx.Client``, against one minimal local server (a canned PagerDuty answer), so the
server's cost does not hide the client's. Prints the ratio hook / bare httpx (target <= 1.2).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from airflow.sdk import Connection

from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.models import IncidentUpdate

INCIDENT = json.dumps(
    {
        "incident": {
            "id": "Q1BENCH",
            "type": "incident",
            "title": "Benchmark",
            "status": "triggered",
            "urgency": "high",
            "html_url": "https://example.pagerduty.com/incidents/Q1BENCH",
            "created_at": "2026-11-22T06:10:51Z",
            "assignments": [],
        }
    }
).encode()


class Canned(BaseHTTPRequestHandler):
    """Answers every request with the same incident: as cheap as a server can be."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(INCIDENT)))
        self.end_headers()
        self.wfile.write(INCIDENT)

    do_GET = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


def timed(run: Callable[[], None], repeats: int) -> float:
    """The median wall time of ``repeats`` runs (the first run warms connections up and is dropped)."""
    run()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    token = "bench-token-0000"  # noqa: S105 - a fake token for a loopback server
    headers = {
        "Authorization": f"Token token={token}",
        "Accept": "application/vnd.pagerduty+json;version=2",
        "Content-Type": "application/json",
        "From": "bench@example.com",
    }
    body = {"incident": {"type": "incident_reference", "title": "Benchmark"}}
    connection = Connection(
        conn_id="bench",
        conn_type="pagerduty_incidents",
        host=base,
        password=token,
        extra=json.dumps({"from_email": "bench@example.com", "rate_limit_per_minute": 10_000_000}),
    )
    hook = PagerDutyIncidentHook("bench", connection=connection)
    update = IncidentUpdate(title="Benchmark")
    try:
        with httpx.Client(base_url=base, headers=headers) as client:

            def bare() -> None:
                for _ in range(args.calls):
                    client.put("/incidents/Q1BENCH", json=body).raise_for_status()

            def through_hook() -> None:
                for _ in range(args.calls):
                    hook.update_incident("Q1BENCH", update)

            bare_s = timed(bare, args.repeats)
            hook_s = timed(through_hook, args.repeats)
    finally:
        server.shutdown()
    print(f"{args.calls} sequential PUTs, median of {args.repeats} runs")
    print(f"  bare httpx.Client : {bare_s * 1000:8.1f} ms  ({bare_s / args.calls * 1e6:6.0f} us/call)")
    print(f"  IncidentHook      : {hook_s * 1000:8.1f} ms  ({hook_s / args.calls * 1e6:6.0f} us/call)")
    print(f"  ratio hook / bare : {hook_s / bare_s:.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
