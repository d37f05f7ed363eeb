"""The incident.io sandbox's list answers the filters the change feed sends as the spec describes them,
checked through the sandbox's own HTTP API (not through the provider's vendor module): ``updated_at``
and ``created_at`` with gte/lte, and ``mode`` (test and tutorial incidents left out unless asked for)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from tests.fixtures_incidentio import IncidentIOSandbox


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_list_shows_only_incidents_updated_since_newest_created_first(
    incidentio: IncidentIOSandbox,
) -> None:
    first, second = incidentio.create("Cache cold"), incidentio.create("Queue full")
    newest = max(_moment(i["updated_at"]) for i in incidentio.incidents())
    since = newest + timedelta(milliseconds=1)
    assert incidentio.incidents(**{"updated_at[gte]": since.isoformat()}) == []
    time.sleep(max(0.0, since.timestamp() - time.time()) + 0.01)
    for ref in (first, second):
        action = incidentio.server.schedule_status("incidentio", ref, "paused", 0)
        assert action["state"] == "applied", action
    updated = incidentio.incidents(**{"updated_at[gte]": since.isoformat()})
    assert [i["id"] for i in updated] == [second, first]  # the list's own order: newest created first
    page = incidentio.api.get("/v2/incidents", params={"updated_at[gte]": since.isoformat(), "page_size": 1})
    assert [i["id"] for i in page.json()["incidents"]] == [second]
    assert page.json()["pagination_meta"]["after"] == second
    before = incidentio.incidents(**{"updated_at[lte]": newest.isoformat()})
    assert before
    assert {first, second}.isdisjoint(i["id"] for i in before)
    assert incidentio.incidents(**{"created_at[gte]": (newest + timedelta(days=1)).date().isoformat()}) == []


def test_test_incidents_are_listed_only_when_their_mode_is_asked_for(incidentio: IncidentIOSandbox) -> None:
    body = {"idempotency_key": "mode-test", "visibility": "public", "name": "Drill", "mode": "test"}
    drill = incidentio.api.post("/v2/incidents", json=body).json()["incident"]["id"]
    assert drill not in {i["id"] for i in incidentio.incidents()}
    every = [("mode[one_of]", mode) for mode in ("standard", "retrospective", "test", "tutorial")]
    listed = incidentio.api.get("/v2/incidents", params=[("page_size", "250"), *every]).json()["incidents"]
    assert drill in {i["id"] for i in listed}
    refused = incidentio.api.get("/v2/incidents", params={"mode[one_of]": "drill"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["source"]["field"] == "mode"
    bad_time = incidentio.api.get("/v2/incidents", params={"updated_at[gte]": "yesterday"})
    assert (bad_time.status_code, bad_time.json()["errors"][0]["source"]["field"]) == (422, "updated_at")
