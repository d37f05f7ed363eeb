"""Runs a sandbox app with uvicorn in a background thread on a loopback socket it binds itself."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import uvicorn

from .app import create_app, sandbox_state
from .config import SandboxConfig
from .connections import connection_env_lines, sandbox_connections

if TYPE_CHECKING:
    from types import TracebackType

    from .state import SandboxState

_LOCALHOST_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    if host.lower() in _LOCALHOST_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SandboxAdminError(RuntimeError):
    """A ``/_sandbox`` route refused a request: its HTTP status and the sandbox's explanation."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class SandboxServer:
    """A running sandbox; ``with SandboxServer() as server: server.vendor_url("pagerduty")``.

    ``port=0`` picks a free port. Non-loopback hosts are refused unless ``allow_remote=True``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        config: SandboxConfig | None = None,
        *,
        allow_remote: bool = False,
        startup_timeout: float = 10.0,
        log_level: str = "warning",
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ValueError(
                f"refusing to bind the sandbox to non-loopback host {host!r}; pass allow_remote=True to do so"
            )
        if not 0 <= port <= 65535:
            raise ValueError(f"invalid port {port}")
        self.host = "127.0.0.1" if host.lower() in _LOCALHOST_NAMES else host
        self.requested_port = port
        self.config = config or SandboxConfig()
        self.app = create_app(self.config)
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._error: BaseException | None = None

    # ------------------------------------------------------------ addresses

    @property
    def state(self) -> SandboxState:
        return sandbox_state(self.app)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the sandbox is not started")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def vendor_url(self, vendor: str) -> str:
        """Base URL of one vendor's API, e.g. ``http://127.0.0.1:PORT/pagerduty``."""
        if vendor not in self.state.vendors:
            raise KeyError(f"the sandbox does not emulate {vendor!r}; known: {sorted(self.state.vendors)}")
        return f"{self.url}/{vendor}"

    def token(self, vendor: str) -> str:
        return self.config.token(vendor)

    def connections(self) -> dict[str, dict[str, Any]]:
        """Airflow connections (conn id -> connection dict) pointing at this server."""
        return sandbox_connections(self.url, self.config)

    def connection_env_lines(self) -> list[str]:
        """``AIRFLOW_CONN_<ID>='<json>'`` lines for this server."""
        return connection_env_lines(self.url, self.config)

    # ------------------------------------------------------------ scripted changes

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One call to this server's ``/_sandbox`` routes over HTTP, as any client makes it."""
        with httpx.Client(base_url=f"{self.url}/_sandbox", timeout=10, trust_env=False) as client:
            response = client.request(method, path, json=body)
        if response.is_error:
            try:
                detail = str(response.json().get("detail", response.text))
            except ValueError:
                detail = response.text
            raise SandboxAdminError(response.status_code, detail)
        return response.json() if response.content else None

    def schedule_status(self, vendor: str, ref: str, status: str, after_seconds: float) -> dict[str, Any]:
        """Move incident ``ref`` (or id) to the vendor's ``status`` after ``after_seconds`` sandbox seconds.

        Returns the scheduled action (``id``, ``due_at``, ``state``...); at ``after_seconds=0`` it is
        already applied. Raises :class:`SandboxAdminError` for an unknown vendor, incident or status.
        """
        body = {"status": status, "after_seconds": after_seconds}
        path = f"/{quote(vendor)}/incidents/{quote(ref, safe='/')}/schedule"
        result: dict[str, Any] = self._admin("POST", path, body)
        return result

    def schedule_incident(
        self, vendor: str, title: str, after_seconds: float, status: str | None = None
    ) -> dict[str, Any]:
        """Make a new incident appear after ``after_seconds`` sandbox seconds, optionally in ``status``.

        The action's ``ref`` is the new incident's once applied (see :meth:`schedules`).
        """
        body: dict[str, Any] = {"title": title, "after_seconds": after_seconds}
        if status is not None:
            body["status"] = status
        result: dict[str, Any] = self._admin("POST", f"/{quote(vendor)}/incidents/schedule", body)
        return result

    def schedules(self) -> list[dict[str, Any]]:
        """Every scheduled action with its ``state`` (pending, applied, failed), ``ref`` and ``error``."""
        return list(self._admin("GET", "/schedules")["schedules"])

    def add_fault(self, vendor: str, kind: str, **rule: Any) -> dict[str, Any]:
        """Inject a fault into ``vendor``'s API (kinds and fields: ``sandbox.faults``); returns the rule."""
        result: dict[str, Any] = self._admin("POST", "/faults", {"vendor": vendor, "kind": kind, **rule})
        return result

    def faults(self) -> list[dict[str, Any]]:
        """The rules in force, each with ``matched`` and ``hits`` counts."""
        return list(self._admin("GET", "/faults")["faults"])

    def clear_faults(self) -> None:
        self._admin("DELETE", "/faults")

    # ------------------------------------------------------------ life cycle

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        self._socket = sock
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level=self.log_level,
            access_log=False,
            lifespan="off",
            date_header=False,  # the middleware sends the sandbox clock's Date on the vendors' routes
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        self._server = server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported by start()/stop(), never swallowed silently
                self._error = exc

        self._thread = threading.Thread(target=serve, name=f"incident-sandbox-{self._port}", daemon=True)
        self._thread.start()
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_serving(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server thread exited during start-up") from self._error
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sandbox did not start within {self.startup_timeout} s")
            time.sleep(0.01)
        with socket.create_connection((self.host, self.port), timeout=self.startup_timeout):
            pass

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and release the port; safe to call twice or after a failed start."""
        server, thread, sock = self._server, self._thread, self._socket
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout)
        if sock is not None:
            sock.close()
        self._server = self._thread = self._socket = None
        if thread is not None and thread.is_alive():
            raise RuntimeError("the sandbox server thread did not stop")

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
