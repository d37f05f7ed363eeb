"""Fixtures for the Pinghome sandbox and the connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.hooks.pinghome import forget_sessions
from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.pinghome import (
    ACCOUNT_EMAIL,
    DEFAULT_TEAM_ID,
    SESSION_TTL_SECONDS,
    SIGNIN_SECRET,
)
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

PH_CONN_ID = "pinghome_test"
CASE = VendorCase("ph", PH_CONN_ID, "name", "status", "resolved")


class PinghomeSandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and Pinghome's services as a client calls them.

    :meth:`requests` gives paths as ``/<service>/v1/...`` (without the sandbox's prefix).
    """

    conn_id = PH_CONN_ID
    conn_type = "pinghome_incidents"

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(server, "pinghome", {"Authorization": f"Bearer {server.token('pinghome')}"})
        self.gateway = self.url
        self.token = self.key
        self.password = server.token(SIGNIN_SECRET)
        self.email = ACCOUNT_EMAIL
        self.team_id = DEFAULT_TEAM_ID
        self.cmd = self.client("/incident-cmd/v1")
        self.query = self.client("/incident-query/v1")

    def default_extra(self) -> dict[str, Any]:
        return {"team_id": self.team_id}

    def clock(self, **changes: float) -> None:
        self.admin.put("/_sandbox/clock", json=changes).raise_for_status()

    def expire_sessions(self) -> None:
        """Move the sandbox clock past the lifetime of every token issued by sign-in."""
        self.clock(advance_seconds=SESSION_TTL_SECONDS + 1)

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
        """The ``pinghome_incidents`` connection JSON with ``changes`` (``extra`` merges into the extras)."""
        return self.connection_json(extra=changes.pop("extra", None), **changes)


@pytest.fixture
def ph(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PinghomeSandbox]:
    """A freshly reset sandbox, no cached sign-in, and the connection ``pinghome_test`` (static token)."""
    forget_sessions()
    yield from serve(PinghomeSandbox(sandbox), monkeypatch)
    forget_sessions()


def _acknowledged_at(vh: PinghomeSandbox, incident_id: str, due_at: str) -> None:
    """Pinghome's acknowledgement and update times of the scripted move."""
    incident = vh.incident(incident_id)
    assert same_second(incident["acknowledged_at"], due_at)
    assert same_second(incident["updated_at"], due_at)


SCHEDULE = ScheduleCase(
    "open",
    "acknowledged",
    lambda incident_id: f"{DEFAULT_TEAM_ID}/{incident_id}",
    lambda vh: {item["name"]: item["status"] for item in vh.incidents()},
    "resolved",
    _acknowledged_at,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""

FEED = FeedCase("ph", "open", "acknowledged", "resolved", lambda q: "last_received_at" in q, 50, scoped=True)
"""How the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) drive Pinghome's feed:
a snapshot of each team's incidents, paged by cursor. Its own reads of an incident are list reads too, so
the refused-feed test (which counts list reads) leaves it out."""
