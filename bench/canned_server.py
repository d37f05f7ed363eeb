"""The cheapest HTTP/1.1 server we could write, run in its own process: it answers every request with the
same canned PagerDuty incident, so what a benchmark times is the client, not the server.

``python -m bench.canned_server [--cert C --key K]`` prints ``port <n>`` once it listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bench.tls import server_context

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
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(INCIDENT)).encode()
    + b"\r\n\r\n"
    + INCIDENT
)


class Canned(asyncio.Protocol):
    """Reads whole requests (headers, then Content-Length bytes) and answers each with ``ANSWER``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(ANSWER)


async def serve(cert: Path | None, key: Path | None) -> None:
    context = server_context(cert, key) if cert and key else None
    server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", 0, ssl=context)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def running(tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Start the server in a child process; yield its base URL; always stop it."""
    command = [sys.executable, "-m", "bench.canned_server"]
    if tls:
        command += ["--cert", str(tls[0]), "--key", str(tls[1])]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own module
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline().split()[1])
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    args = parser.parse_args()
    with suppress(KeyboardInterrupt):
        asyncio.run(serve(args.cert, args.key))


if __name__ == "__main__":
    main()
