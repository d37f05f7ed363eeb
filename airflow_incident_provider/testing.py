"""Pytest fixtures for testing your own incident DAGs against the local sandbox, without paging anyone.

Opt in from your ``conftest.py`` (it is never loaded on its own)::

    pytest_plugins = ["airflow_incident_provider.testing"]

    def test_my_remediation(incident_sandbox):
        ref = incident_sandbox.create_incident("pagerduty", "Checkout latency above SLO")
        incident_sandbox.schedule_status("pagerduty", ref, "acknowledged", after_seconds=2)
        ...  # run your DAG with conf {"conn_id": incident_sandbox.conn_id("pagerduty"), "incident_id": ref}
        assert incident_sandbox.incident("pagerduty", ref)["status"] == "resolved"

Everything listens on 127.0.0.1 on a free port; nothing is sent anywhere else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxAdminError, SandboxServer


class IncidentSandbox:
    """A test's view of the running sandbox: connections, incidents, scripted changes, the request log."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self._connections = server.connections()

    @property
    def url(self) -> str:
        """The sandbox's base URL (``http://127.0.0.1:PORT``)."""
        return self.server.url

    @property
    def vendors(self) -> tuple[str, ...]:
        """The emulated vendors, as ``conn_id`` and the other methods name them."""
        return tuple(name.removesuffix("_sandbox") for name in self._connections)

    def conn_id(self, vendor: str) -> str:
        """The Airflow connection id pointing at ``vendor``'s emulated API (``pagerduty_sandbox``...)."""
        conn_id = f"{vendor}_sandbox"
        if conn_id not in self._connections:
            raise KeyError(f"unknown vendor {vendor!r}; the sandbox emulates {', '.join(self.vendors)}")
        return conn_id

    def connection(self, vendor: str) -> dict[str, Any]:
        """The connection as a dict (``conn_type``, ``host``, ``password``, ``extra``)."""
        return dict(self._connections[self.conn_id(vendor)])

    def create_incident(self, vendor: str, title: str, status: str | None = None) -> str:
        """Open an incident now, as the vendor's own UI would, and return its ``ref``.

        It is a scripted change due at once, so it is also listed (applied) by :meth:`schedules`.
        """
        action = self.server.schedule_incident(vendor, title, 0, status=status)
        if action.get("error") or not action.get("ref"):
            raise SandboxAdminError(422, f"{vendor} did not open {title!r}: {action.get('error')}")
        return str(action["ref"])

    def schedule_incident(
        self, vendor: str, title: str, after_seconds: float, status: str | None = None
    ) -> dict[str, Any]:
        """Make an incident appear after ``after_seconds`` sandbox seconds; the action gets its ``ref``."""
        return self.server.schedule_incident(vendor, title, after_seconds, status=status)

    def schedule_status(self, vendor: str, ref: str, status: str, after_seconds: float) -> dict[str, Any]:
        """Move an incident to the vendor's ``status`` after ``after_seconds``, as a responder would."""
        return self.server.schedule_status(vendor, ref, status, after_seconds)

    def schedules(self) -> list[dict[str, Any]]:
        """Every scripted change with its state (pending, applied, failed)."""
        return self.server.schedules()

    def incident(self, vendor: str, ref: str) -> dict[str, Any]:
        """The incident as the provider sees it (the normalized dict operators return)."""
        from airflow_incident_provider.hooks import get_incident_hook

        return get_incident_hook(self.conn_id(vendor)).get_incident(ref).to_json()

    def requests(self, vendor: str) -> list[dict[str, Any]]:
        """What the sandbox served for ``vendor`` (method, path, status...; credentials removed)."""
        return list(self._admin("GET", "/requests", params={"vendor": vendor})["requests"])

    def configure(self, vendor: str, **settings: Any) -> dict[str, Any]:
        """Change how ``vendor`` behaves (``rate_limit_per_minute``, ``bare_429``...) until the next test."""
        result: dict[str, Any] = self._admin("PUT", f"/config/{vendor}", body=settings)
        return result

    def clock(self, time_scale: float | None = None, advance_seconds: float | None = None) -> dict[str, Any]:
        """Read or move the sandbox clock: run it ``time_scale`` times faster, or jump ``advance_seconds``.

        Moving it applies the scripted changes it makes due; the next test starts at wall-clock speed again.
        """
        body = {"time_scale": time_scale, "advance_seconds": advance_seconds}
        moves = {key: value for key, value in body.items() if value is not None}
        result: dict[str, Any] = (
            self._admin("PUT", "/clock", body=moves) if moves else self._admin("GET", "/clock")
        )
        return result

    def fault(self, vendor: str, kind: str, **rule: Any) -> dict[str, Any]:
        """Make ``vendor``'s API misbehave until the next test: ``kind`` is delay, status (429/5xx),
        reset_before_body, reset_after_body, trickle, malformed_json or wrong_content_type; ``method``,
        ``path`` (a pattern such as ``/incidents/*``), ``times``, ``skip`` and ``probability`` choose the
        requests it strikes. Returns the rule; :meth:`requests` shows which requests it struck.
        """
        return self.server.add_fault(vendor, kind, **rule)

    def reset(self) -> None:
        """Back to the sample incidents and default settings: no requests logged, no schedules, no faults."""
        self._admin("POST", "/reset", body={})

    def _admin(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> Any:
        """One call to the sandbox's ``/_sandbox`` routes, never through a proxy from the environment."""
        with httpx.Client(base_url=f"{self.url}/_sandbox", timeout=10, trust_env=False) as client:
            response = client.request(method, path, json=body, params=params)
        if response.is_error:
            try:
                detail = str(response.json().get("detail", response.text))
            except ValueError:
                detail = response.text
            raise SandboxAdminError(response.status_code, detail)
        return response.json()


@pytest.fixture(scope="session")
def incident_sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the test session, on a free loopback port, stopped at the end.

    Override this fixture in your ``conftest.py`` to start it with your own ``SandboxConfig``.
    """
    with SandboxServer(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def incident_sandbox(
    incident_sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[IncidentSandbox]:
    """A freshly reset sandbox with ``AIRFLOW_CONN_<VENDOR>_SANDBOX`` set for every vendor."""
    sandbox = IncidentSandbox(incident_sandbox_server)
    sandbox.reset()
    # Loopback traffic must never go to a proxy named in the environment (HTTP_PROXY in CI).
    no_proxy = ",".join(filter(None, ["127.0.0.1", os.environ.get("NO_PROXY") or os.environ.get("no_proxy")]))
    monkeypatch.setenv("NO_PROXY", no_proxy)
    monkeypatch.setenv("no_proxy", no_proxy)
    for conn_id, connection in incident_sandbox_server.connections().items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
    _forget_clients()
    yield sandbox
    _forget_clients()


def _forget_clients() -> None:
    """Close pooled HTTP clients and empty the client-side rate windows, so no test inherits another's."""
    from airflow_incident_provider.hooks import ratelimit, transport

    transport.close_sync_clients()
    ratelimit.reset_limiters()


@pytest.fixture(scope="session")
def incident_airflow_db() -> None:
    """A fresh Airflow metadata database for ``dag.test()``, made once per session.

    Set ``AIRFLOW_HOME`` (a temporary directory), ``AIRFLOW__CORE__DAGS_FOLDER`` (holding your DAG
    files) and ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` in your ``conftest.py`` before Airflow is
    imported: this resets the database they name. It refuses to run with the default ``~/airflow`` home.
    """
    home = os.environ.get("AIRFLOW_HOME", "")
    if not home or Path(home).expanduser().resolve() == (Path.home() / "airflow").resolve():
        pytest.fail(
            "incident_airflow_db resets the Airflow database: set AIRFLOW_HOME to a temporary directory "
            "in conftest.py (before Airflow is imported), not to the default ~/airflow",
            pytrace=False,
        )
    from airflow.utils import db

    db.resetdb()


__all__ = ["IncidentSandbox", "incident_airflow_db", "incident_sandbox", "incident_sandbox_server"]
