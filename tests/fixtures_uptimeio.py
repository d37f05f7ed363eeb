"""Fixtures for the uptimeio sandbox and connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.uptimeio import PROJECT_ID, STATUS_PAGE_ID
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

UPTIMEIO_CONN_ID = "uptimeio_test"
CASE = VendorCase("uptimeio", UPTIMEIO_CONN_ID, "title", "status", "resolved")
UPTIMEIO_PAGE_PATH = f"/api/projects/{PROJECT_ID}/status-pages/{STATUS_PAGE_ID}"
FIXTURE_HEADER = "X-Test-Fixture"
"""Marks the fixture's own calls, so ``requests()`` shows only what the code under test sent."""


class UptimeIOSandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and UptimeIO's API as a vendor client calls it."""

    conn_id = UPTIMEIO_CONN_ID
    conn_type = "uptimeio_incidents"
    write_methods = ("PATCH", "POST")
    path_prefix = UPTIMEIO_PAGE_PATH

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(server, "uptimeio", {"X-API-Key": server.token("uptimeio"), FIXTURE_HEADER: "1"})

    def requests(self) -> list[dict[str, Any]]:
        """Requests the code under test sent, paths relative to the status page (``/incidents/...``)."""
        return [r for r in super().requests() if FIXTURE_HEADER.lower() not in r["headers"]]

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get(f"{UPTIMEIO_PAGE_PATH}/incidents", params={"limit": 100, **params})
        response.raise_for_status()
        return list(response.json()["data"]["incidents"])

    def incident(self, incident_id: str) -> dict[str, Any]:
        response = self.api.get(f"{UPTIMEIO_PAGE_PATH}/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"]["incident"])

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's timeline, newest first."""
        response = self.api.get(
            f"{UPTIMEIO_PAGE_PATH}/incidents/{incident_id}/updates", params={"limit": 100}
        )
        response.raise_for_status()
        return list(response.json()["data"]["updates"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(self.incidents(status=status)[0]["id"])

    def create(
        self, title: str = "Search results delayed", status: str = "investigating", severity: str = "minor"
    ) -> str:
        """A new incident through the sandbox's own create route (UptimeIO documents none)."""
        body = {"title": title, "message": "We are investigating.", "severity": severity, "status": status}
        response = self.api.post(f"{UPTIMEIO_PAGE_PATH}/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["incident"]["id"])


@pytest.fixture
def uptimeio(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[UptimeIOSandbox]:
    """A freshly reset sandbox and the connection ``uptimeio_test`` pointing at its UptimeIO API."""
    yield from serve(
        UptimeIOSandbox(sandbox), monkeypatch, project_id=PROJECT_ID, status_page_id=STATUS_PAGE_ID
    )


def _status_update(vh: UptimeIOSandbox, incident_id: str, due_at: str) -> None:
    """UptimeIO's status update of the scripted move."""
    newest = vh.updates(incident_id)[0]
    assert (newest["status"], newest["message"]) == ("identified", "Scheduled change to identified")
    assert same_second(newest["created_at"], due_at)


SCHEDULE = ScheduleCase(
    "investigating",
    "identified",
    lambda incident_id: f"{PROJECT_ID}/{STATUS_PAGE_ID}/{incident_id}",
    lambda vh: {item["title"]: item["status"] for item in vh.incidents()},
    "monitoring",
    _status_update,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""

FEED = FeedCase(
    "uptimeio",
    "investigating",
    "identified",
    "resolved",
    lambda q: q.get("page", "1") != "1",
    100,
    scoped=True,
    refused_at="/api/projects/*/status-pages/*/incidents",
    lone_wait_reads_own=True,
)
"""How the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) drive UptimeIO's feed:
a snapshot of each status page's incidents, paged from 1."""
