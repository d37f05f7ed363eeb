"""Fixtures for the statuspage sandbox and connections pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.statuspage import PAGE_ID
from tests.fixtures import VendorCase, VendorSandbox, serve
from tests.sandbox.scheduling import ScheduleCase, same_second
from tests.triggers.feeds import FeedCase

STATUSPAGE_CONN_ID = "statuspage_test"
CASE = VendorCase("statuspage", STATUSPAGE_CONN_ID, "name", "status", "resolved")
STATUSPAGE_PAGE_PATH = f"/pages/{PAGE_ID}"
FIXTURE_HEADER = "X-Test-Fixture"
"""Marks the fixture's own calls, so ``requests()`` shows only what the code under test sent."""


class StatuspageSandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and Statuspage's API as a client calls it.

    :meth:`requests` gives paths relative to the sandbox page (``/incidents/...``).
    """

    conn_id = STATUSPAGE_CONN_ID
    conn_type = "statuspage_incidents"
    write_methods = ("PATCH", "POST")
    path_prefix = STATUSPAGE_PAGE_PATH

    def __init__(self, server: SandboxServer) -> None:
        super().__init__(
            server,
            "statuspage",
            {"Authorization": f"OAuth {server.token('statuspage')}", FIXTURE_HEADER: "1"},
        )

    def requests(self) -> list[dict[str, Any]]:
        """Requests the code under test sent, paths relative to the sandbox page (``/incidents/...``)."""
        return [r for r in super().requests() if FIXTURE_HEADER.lower() not in r["headers"]]

    def default_extra(self) -> dict[str, Any]:
        return {"page_id": PAGE_ID}

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident of the sandbox page, newest first."""
        response = self.api.get(f"{STATUSPAGE_PAGE_PATH}/incidents", params={"limit": 100})
        response.raise_for_status()
        return list(response.json())

    def incident(self, incident_id: str) -> dict[str, Any]:
        response = self.api.get(f"{STATUSPAGE_PAGE_PATH}/incidents/{incident_id.rpartition('/')[2]}")
        response.raise_for_status()
        return dict(response.json())

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return next(str(item["id"]) for item in self.incidents() if item["status"] == status)

    def assert_created_once(self, title: str) -> None:
        assert [item["name"] for item in self.incidents()].count(title) == 1, "the dedup key held"

    def create(self, title: str = "Search results delayed", status: str = "investigating") -> str:
        body = {
            "incident": {
                "name": title,
                "status": status,
                "body": "We are investigating.",
                "deliver_notifications": False,
            }
        }
        response = self.api.post(f"{STATUSPAGE_PAGE_PATH}/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["id"])


@pytest.fixture
def statuspage(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[StatuspageSandbox]:
    """A freshly reset sandbox and the connection ``statuspage_test`` pointing at its Statuspage API."""
    yield from serve(StatuspageSandbox(sandbox), monkeypatch)


def _incident_update(vh: StatuspageSandbox, incident_id: str, due_at: str) -> None:
    """Statuspage's incident update of the scripted move, delivered to no subscriber."""
    newest = vh.incident(incident_id)["incident_updates"][0]
    assert (newest["status"], newest["body"]) == ("identified", "Scheduled change to identified")
    assert newest["deliver_notifications"] is False
    assert same_second(newest["created_at"], due_at)


SCHEDULE = ScheduleCase(
    "investigating",
    "identified",
    lambda incident_id: f"{PAGE_ID}/{incident_id}",
    lambda vh: {item["name"]: item["status"] for item in vh.incidents()},
    "monitoring",
    _incident_update,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""


FEED = FeedCase(
    "investigating",
    "identified",
    "resolved",
    lambda q: q.get("page", "1") != "1",
    100,
    list_path="/incidents/unresolved",
    feed_pattern="/pages/*/incidents/unresolved",
    own_reads=True,
    unresolved_only=True,
)
"""How the shared feed tests (``tests/triggers/test_shared_waiting_feeds.py``) move incidents and read the
page's unresolved incidents."""
