"""Fixtures for the rootly sandbox and connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

ROOTLY_CONN_ID = "rootly_test"
CASE = VendorCase("rootly", ROOTLY_CONN_ID, "title", "status", "resolved")
MEDIA_TYPE = "application/vnd.api+json"


class RootlySandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and Rootly's API as a vendor client calls it."""

    conn_id = ROOTLY_CONN_ID
    conn_type = "rootly_incidents"

    def __init__(self, server: SandboxServer) -> None:
        key = server.token("rootly")
        super().__init__(
            server,
            "rootly",
            {"Authorization": f"Bearer {key}", "Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE},
        )

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get("/v1/incidents", params={"page[size]": 100, **params})
        response.raise_for_status()
        return list(response.json()["data"])

    def incident(self, incident_id: str) -> dict[str, Any]:
        """The incident's attributes."""
        response = self.api.get(f"/v1/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"]["attributes"])

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        """The attributes of every event on the incident's timeline, oldest first."""
        response = self.api.get(f"/v1/incidents/{incident_id}/events", params={"page[size]": 100})
        response.raise_for_status()
        return [item["attributes"] for item in response.json()["data"]]

    def holders(self, incident_id: str, role_id: str) -> list[str]:
        """The ids of the users holding ``role_id`` on the incident."""
        response = self.api.get(f"/v1/incidents/{incident_id}", params={"include": "roles"})
        response.raise_for_status()
        return [
            item["relationships"]["user"]["data"]["id"]
            for item in response.json().get("included", [])
            if item["relationships"]["incident_role"]["data"]["id"] == role_id
        ]

    def severity_id(self, incident_id: str) -> str | None:
        """The id of the incident's severity."""
        severity = self.incident(incident_id)["severity"]
        return str(severity["data"]["id"]) if severity else None

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(self.incidents(**{"filter[status]": status})[0]["id"])

    def create(
        self, title: str = "Queue consumers lagging", status: str = "started", **attributes: Any
    ) -> str:
        body = {"data": {"type": "incidents", "attributes": {"title": title, "status": status, **attributes}}}
        response = self.api.post("/v1/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["id"])


@pytest.fixture
def rootly(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RootlySandbox]:
    """A freshly reset sandbox and the connection ``rootly_test`` pointing at its Rootly API."""
    yield from serve(RootlySandbox(sandbox), monkeypatch)


def _mitigated_by_the_responder(vh: RootlySandbox, incident_id: str, due_at: str) -> None:
    """Rootly's mitigation time and event of the scripted move, by the sample responder."""
    attributes = vh.incident(incident_id)
    assert same_second(attributes["mitigated_at"], due_at)
    assert attributes["mitigated_by"]["data"]["attributes"]["name"] == "Sam Patel"
    assert vh.events(incident_id)[-1]["event"] == "Status changed from started to mitigated by Sam Patel"


SCHEDULE = ScheduleCase(
    "started",
    "mitigated",
    lambda incident_id: incident_id,
    lambda vh: {item["attributes"]["title"]: item["attributes"]["status"] for item in vh.incidents()},
    "mitigated",
    _mitigated_by_the_responder,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""

FEED = FeedCase(
    "rootly",
    "started",
    "acknowledged",
    "resolved",
    lambda q: q.get("page[number]", "1") != "1",
    100,
    refused_at="/v1/incidents",
)
"""How the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) drive Rootly's feed:
its list by update time, paged by number."""
