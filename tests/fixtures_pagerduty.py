"""Fixtures for the PagerDuty sandbox and its test connection (the handle is ``tests.fixtures.Sandbox``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.pagerduty.seed import SCRIPTED_ACTOR_ID as PD_RESPONDER
from tests.fixtures import PD_CONN_ID, Sandbox, VendorCase, serve
from tests.sandbox.scheduling import ScheduleCase, same_second

CASE = VendorCase("pd", PD_CONN_ID, "title", "status", "resolved")


@pytest.fixture
def pd(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A freshly reset sandbox and the connection ``pd_test`` pointing at its PagerDuty API."""
    yield from serve(Sandbox(sandbox), monkeypatch)


def _acknowledged_by_the_responder(vh: Sandbox, incident_id: str, due_at: str) -> None:
    """PagerDuty's log entry of the scripted acknowledgement, by the sample responder, at the due time."""
    newest = vh.pd.get(f"/incidents/{incident_id}/log_entries").json()["log_entries"][0]
    assert newest["type"] == "acknowledge_log_entry"
    assert newest["agent"]["id"] == PD_RESPONDER
    assert newest["summary"] == "Acknowledged by Blair Chen"
    assert newest["channel"]["type"] == "website"
    assert same_second(newest["created_at"], due_at)
    assert same_second(vh.incident(incident_id)["last_status_change_at"], due_at)


SCHEDULE = ScheduleCase(
    "triggered",
    "acknowledged",
    lambda incident_id: incident_id,
    lambda vh: {item["title"]: item["status"] for item in vh.incidents()},
    "acknowledged",
    _acknowledged_by_the_responder,
)
"""How the shared scheduling tests (``tests/sandbox/test_schedule.py``) script and check a move."""


FEED = None
"""PagerDuty's feed reads the account log (``GET /log_entries``), not a list: its shared waits are tested
in ``tests/triggers/test_shared_waiting.py``."""
