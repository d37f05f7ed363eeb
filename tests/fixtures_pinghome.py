"""Fixtures for the Pinghome sandbox and the connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_incident_provider.hooks.pinghome import forget_sessions
from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.pinghome import (
    ACCOUNT_EMAIL,
    DEFAULT_TEAM_ID,
    SESSION_TTL_SECONDS,
    SIGNIN_SECRET,
)
from tests.fixtures import UNLIMITED

PH_CONN_ID = "pinghome_test"


class PinghomeSandbox:
    """Test-side handle on the sandbox: admin routes, and Pinghome's services as a client calls them."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.gateway = server.vendor_url("pinghome")
        self.token = server.token("pinghome")
        self.password = server.token(SIGNIN_SECRET)
        self.email = ACCOUNT_EMAIL
        self.team_id = DEFAULT_TEAM_ID
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        auth = {"Authorization": f"Bearer {self.token}"}
        self.cmd = httpx.Client(base_url=f"{self.gateway}/incident-cmd/v1", timeout=10, headers=auth)
        self.query = httpx.Client(base_url=f"{self.gateway}/incident-query/v1", timeout=10, headers=auth)

    def configure(self, **settings: Any) -> None:
        self.admin.put("/_sandbox/config/pinghome", json=settings).raise_for_status()

    def clock(self, **changes: float) -> None:
        self.admin.put("/_sandbox/clock", json=changes).raise_for_status()

    def expire_sessions(self) -> None:
        """Move the sandbox clock past the lifetime of every token issued by sign-in."""
        self.clock(advance_seconds=SESSION_TTL_SECONDS + 1)

    def requests(self) -> list[dict[str, Any]]:
        """Served Pinghome requests, paths as ``/<service>/v1/...`` (without the sandbox's prefix)."""
        response = self.admin.get("/_sandbox/requests", params={"vendor": "pinghome"})
        response.raise_for_status()
        records = list(response.json()["requests"])
        for record in records:
            record["path"] = record["path"].removeprefix("/pinghome")
        return records

    def calls(self) -> list[tuple[str, str]]:
        return [(record["method"], record["path"]) for record in self.requests()]

    def clear_requests(self) -> None:
        self.admin.delete("/_sandbox/requests").raise_for_status()

    def incidents(self, team_id: str | None = None) -> list[dict[str, Any]]:
        """Every incident of the team, newest first, following the cursor."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            response = self.query.get(f"/team/{team_id or self.team_id}/incidents", params=params)
            response.raise_for_status()
            body = response.json()
            found.extend(body["incidents"])
            if not body["last_received_at"]:
                return found
            params["last_received_at"] = body["last_received_at"]

    def incident(self, incident_id: str, team_id: str | None = None) -> dict[str, Any]:
        return next(item for item in self.incidents(team_id) if item["id"] == incident_id)

    def create(
        self,
        name: str = "Checkout latency above SLO",
        *,
        description: str = "p99 above 2 s since 10:02",
        urgency: str = "high",
        team_id: str | None = None,
        **fields: Any,
    ) -> str:
        body = {"name": name, "description": description, "urgency": urgency, **fields}
        response = self.cmd.post(f"/team/{team_id or self.team_id}/incident", json=body)
        response.raise_for_status()
        return str(response.json()["id"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(next(item["id"] for item in self.incidents() if item["status"] == status))

    def connection(self, **changes: Any) -> str:
        """The JSON of a ``pinghome_incidents`` connection to the sandbox gateway, with ``changes``."""
        extra = {"team_id": self.team_id, "rate_limit_per_minute": UNLIMITED, "total_timeout": 20}
        extra.update(changes.pop("extra", {}))
        connection = {
            "conn_type": "pinghome_incidents",
            "host": self.gateway,
            "password": self.token,
            "extra": extra,
            **changes,
        }
        return json.dumps(connection)

    def close(self) -> None:
        for client in (self.admin, self.cmd, self.query):
            client.close()


@pytest.fixture
def ph(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PinghomeSandbox]:
    """A freshly reset sandbox, no cached sign-in, and the connection ``pinghome_test`` (static token)."""
    handle = PinghomeSandbox(sandbox)
    handle.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
    handle.clear_requests()
    handle.configure(rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False)
    forget_sessions()
    monkeypatch.setenv(f"AIRFLOW_CONN_{PH_CONN_ID.upper()}", handle.connection())
    yield handle
    forget_sessions()
    handle.close()
