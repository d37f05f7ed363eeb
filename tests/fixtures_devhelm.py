"""Fixtures for the devhelm sandbox and connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

DEVHELM_CONN_ID = "devhelm_test"
CASE = VendorCase("devhelm", DEVHELM_CONN_ID, "title", "status", "RESOLVED")
DEVHELM_PAGE_PATH = f"/api/v1/status-pages/{DEFAULT_STATUS_PAGE_ID}"


class DevHelmSandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and DevHelm's API as a vendor client calls it.

    :meth:`requests` gives paths relative to the default status page (``/incidents/...``).
    """

    conn_id = DEVHELM_CONN_ID
    conn_type = "devhelm_incidents"
    path_prefix = DEVHELM_PAGE_PATH

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(server, "devhelm", {"Authorization": f"Bearer {server.token('devhelm')}"})

    def default_extra(self) -> dict[str, Any]:
        return {"status_page_id": DEFAULT_STATUS_PAGE_ID}

    def incidents(self, page_id: str = DEFAULT_STATUS_PAGE_ID, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get(f"/api/v1/status-pages/{page_id}/incidents", params={"size": 1000, **params})
        response.raise_for_status()
        return list(response.json()["data"])

    def incident(self, incident_id: str, page_id: str = DEFAULT_STATUS_PAGE_ID) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/status-pages/{page_id}/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"])

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's timeline updates, oldest first."""
        return list(self.incident(incident_id)["updates"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident on the default page in ``status`` (DevHelm's upper-case word)."""
        return str(self.incidents(status=status)[0]["id"])

    def create(self, title: str = "Search results delayed", status: str = "INVESTIGATING") -> str:
        body = {"title": title, "impact": "MINOR", "body": "We are investigating.", "status": status}
        response = self.api.post(f"{DEVHELM_PAGE_PATH}/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["id"])


@pytest.fixture
def devhelm(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[DevHelmSandbox]:
    """A freshly reset sandbox and the connection ``devhelm_test`` pointing at its DevHelm API."""
    yield from serve(DevHelmSandbox(sandbox), monkeypatch)


def _timeline_update(vh: DevHelmSandbox, incident_id: str, due_at: str) -> None:
    """DevHelm's timeline update of the scripted move, sent to no subscriber."""
    newest = vh.timeline(incident_id)[-1]
    assert newest["status"] == "MONITORING"
    assert newest["body"] == "Scheduled change to monitoring"
    assert newest["notifySubscribers"] is False
    assert same_second(newest["createdAt"], due_at)


SCHEDULE = ScheduleCase(
    "INVESTIGATING",
    "MONITORING",
    lambda incident_id: f"{DEFAULT_STATUS_PAGE_ID}/{incident_id}",
    lambda vh: {item["title"]: item["status"] for item in vh.incidents()},
    "IDENTIFIED",
    _timeline_update,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""

FEED = FeedCase(
    "devhelm",
    "INVESTIGATING",
    "IDENTIFIED",
    "RESOLVED",
    lambda q: q.get("page", "0") != "0",
    100,
    scoped=True,
    refused_at="/api/v1/status-pages/*/incidents",
    lone_wait_reads_own=True,
)
"""How the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) drive DevHelm's feed:
a snapshot of each status page's unresolved incidents, paged from 0."""
