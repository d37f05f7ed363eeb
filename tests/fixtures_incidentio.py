"""Fixtures for the incident.io sandbox and connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.incidentio import SEVERITIES
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

INCIDENTIO_CONN_ID = "incidentio_test"
CASE = VendorCase("incidentio", INCIDENTIO_CONN_ID, "name", "status", "closed")
FIXTURE_HEADER = "X-Test-Fixture"
"""Marks the fixture's own calls, so ``requests()`` shows only what the code under test sent."""


class IncidentIOSandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and incident.io's API as a vendor client calls it."""

    conn_id = INCIDENTIO_CONN_ID
    conn_type = "incidentio_incidents"

    def __init__(self, server: SandboxServer) -> None:
        key = server.token("incidentio")
        super().__init__(server, "incidentio", {"Authorization": f"Bearer {key}", FIXTURE_HEADER: "1"})

    def requests(self) -> list[dict[str, Any]]:
        """Requests the code under test sent (the fixture's own calls left out)."""
        return [r for r in super().requests() if FIXTURE_HEADER.lower() not in r["headers"]]

    def default_extra(self) -> dict[str, Any]:
        return {"default_severity": SEVERITIES[0].name}

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get("/v2/incidents", params={"page_size": 250, **params})
        response.raise_for_status()
        return [_flat(item) for item in response.json()["incidents"]]

    def incident(self, incident_id: str) -> dict[str, Any]:
        """The incident as the API shows it, with ``status`` (its category) and ``severity`` (its name)."""
        response = self.api.get(f"/v2/incidents/{incident_id}")
        response.raise_for_status()
        return _flat(response.json()["incident"])

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's updates, newest first."""
        response = self.api.get("/v2/incident_updates", params={"incident_id": incident_id})
        response.raise_for_status()
        return list(response.json()["incident_updates"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident in the status category ``status``."""
        return str(self.incidents(**{"status_category[one_of]": status})[0]["id"])

    def create(
        self, title: str = "Queue consumers lagging", category: str = "triage", severity: int = 0
    ) -> str:
        """A new incident, in the first status of ``category`` (triage: open, not yet accepted)."""
        key = f"fixture-{len(self.incidents()) + 1}-{title}"
        body = {
            "idempotency_key": key,
            "visibility": "public",
            "name": title,
            "severity_id": SEVERITIES[severity].id,
        }
        response = self.api.post("/v2/incidents", json=body)
        response.raise_for_status()
        incident_id = str(response.json()["incident"]["id"])
        if category != "live":
            answer = self.admin.post(
                f"/_sandbox/incidentio/incidents/{incident_id}/schedule",
                json={"status": category, "after_seconds": 0},
            )
            answer.raise_for_status()
            self.incidents()  # the next request applies the due change
        return incident_id


def _flat(incident: dict[str, Any]) -> dict[str, Any]:
    severity = incident.get("severity") or {}
    return {**incident, "status": incident["incident_status"]["category"], "severity": severity.get("name")}


@pytest.fixture
def incidentio(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[IncidentIOSandbox]:
    """A freshly reset sandbox and the connection ``incidentio_test`` pointing at its incident.io API."""
    yield from serve(IncidentIOSandbox(sandbox), monkeypatch)


def _moved_in_the_app(vh: IncidentIOSandbox, incident_id: str, due_at: str) -> None:
    """incident.io's incident update of the scripted move, as the app records a status change."""
    newest = vh.updates(incident_id)[0]
    assert (newest["new_incident_status"]["category"], newest["message"]) == (
        "paused",
        "Moved to Paused in the app",
    )
    assert same_second(newest["created_at"], due_at)


SCHEDULE = ScheduleCase(
    "triage",
    "paused",
    lambda incident_id: incident_id,
    lambda vh: {item["name"]: item["status"] for item in vh.incidents()},
    "live",
    _moved_in_the_app,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""

FEED = FeedCase(
    "triage", "live", "closed", lambda q: "after" in q, 100, scoped=False, feed_pattern="/v2/incidents"
)
"""How the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) drive incident.io's
feed: its list by update time, paged by cursor."""
