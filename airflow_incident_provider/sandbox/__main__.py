"""Command line: run the sandbox in the foreground and print the Airflow connections that reach it."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING

from airflow_incident_provider.registry import VENDORS

from .config import SandboxConfig
from .server import SandboxServer, is_loopback

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

DEFAULT_PORT = 8989


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_incident_provider.sandbox",
        description="Run a local emulator of the incident vendors' APIs (never pages anyone).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to bind, 0 for a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback address (no auth on /_sandbox!)",
    )
    parser.add_argument(
        "--print-connections",
        action="store_true",
        help="print `export AIRFLOW_CONN_...` lines for the sandbox",
    )
    parser.add_argument("--empty", action="store_true", help="start without the sample incidents")
    for record in VENDORS:
        parser.add_argument(
            f"--token-{record.name}",
            metavar=record.credential.upper(),
            help=f"{record.display_name} API {record.credential} the sandbox accepts",
        )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="sandbox seconds per real second (default 1); scripted changes and rate-limit windows run on it",
    )
    parser.add_argument(
        "--request-log-size",
        type=int,
        default=5000,
        help="requests kept in the request log, oldest dropped first (default 5000)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"error: refusing to bind non-loopback host {args.host!r} without --allow-remote", file=sys.stderr
        )
        return 2
    tokens = {record.name: token for record in VENDORS if (token := getattr(args, f"token_{record.name}"))}
    try:
        config = SandboxConfig(
            tokens=tokens,
            empty=args.empty,
            time_scale=args.time_scale,
            request_log_size=args.request_log_size,
        )
        server = SandboxServer(
            args.host, args.port, config, allow_remote=args.allow_remote, log_level=args.log_level
        )
        server.start()
    except (OSError, ValueError) as exc:
        print(f"error: cannot start the sandbox: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Sandbox listening on {server.url}", flush=True)
        if args.print_connections:
            for line in server.connection_env_lines():
                print(f"export {line}", flush=True)
        for vendor in sorted(server.state.vendors):
            print(f"{vendor}: {server.vendor_url(vendor)}", file=sys.stderr)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        while not stop.wait(0.2):
            if not server.running:
                print("error: the sandbox server stopped unexpectedly", file=sys.stderr)
                return 1
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Sandbox stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
