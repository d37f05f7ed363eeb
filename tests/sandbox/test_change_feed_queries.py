"""The sandbox answers the list queries the waiting pollers' change feeds send as the vendors document
them, checked through the sandbox's own HTTP API (not through the provider's vendor modules): Rootly's
update-time filter and sort, DevHelm's repeated status filter, UptimeIO's update-time sort."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.fixtures_devhelm import DevHelmSandbox
from tests.fixtures_rootly import RootlySandbox
from tests.fixtures_uptimeio import UptimeIOSandbox


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_rootly_lists_only_incidents_updated_since_most_recent_first_and_pages_them(
    rootly: RootlySandbox,
) -> None:
    first, second = (
        str(rootly.server.schedule_incident("rootly", title, 0)["ref"])
        for title in ("Cache cold", "Queue full")
    )
    newest = max(_moment(i["attributes"]["updated_at"]) for i in rootly.incidents())
    since = newest + timedelta(seconds=1)  # stamps are rendered to the second
    assert rootly.incidents(**{"filter[updated_at][gte]": since.isoformat()}) == []
    time.sleep(max(0.0, since.timestamp() - time.time()) + 0.05)
    for ref in (second, first):
        action = rootly.server.schedule_status("rootly", ref, "acknowledged", 0)
        assert action["state"] == "applied", action
        time.sleep(1.0)  # a second apart, so the order is the stamps'
    query = {"filter[updated_at][gte]": since.isoformat(), "sort": "-updated_at"}
    assert [i["id"] for i in rootly.incidents(**query)] == [first, second]  # the last updated first
    page = rootly.api.get("/v1/incidents", params={**query, "page[size]": 1}).json()
    assert [i["id"] for i in page["data"]] == [first]
    assert page["meta"]["next_page"] == 2
    stamps = [_moment(i["attributes"]["updated_at"]) for i in rootly.incidents(sort="updated_at")]
    assert stamps == sorted(stamps)


def test_devhelm_lists_the_statuses_named_by_the_repeated_status_parameter(devhelm: DevHelmSandbox) -> None:
    resolved = devhelm.create("Old outage")
    devhelm.server.schedule_status("devhelm", resolved, "RESOLVED", 0)
    listed = devhelm.api.get(
        "/api/v1/status-pages/" + devhelm.default_extra()["status_page_id"] + "/incidents",
        params=[("page", "0"), ("size", "100"), ("status", "INVESTIGATING"), ("status", "MONITORING")],
    ).json()
    assert listed["data"]
    assert {item["status"] for item in listed["data"]} <= {"INVESTIGATING", "MONITORING"}
    assert resolved not in {item["id"] for item in listed["data"]}


def test_uptimeio_sorts_by_update_time_most_recent_first(uptimeio: UptimeIOSandbox) -> None:
    oldest = uptimeio.incidents(sort_by="updated_at", sort_order="asc")[0]
    action = uptimeio.server.schedule_status("uptimeio", oldest["id"], "monitoring", 0)
    assert action["state"] == "applied", action
    listed = uptimeio.incidents(sort_by="updated_at", sort_order="desc")
    assert listed[0]["id"] == oldest["id"]
    stamps = [_moment(item["updated_at"]) for item in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert all(
        stamp.tzinfo is not None and stamp <= datetime.now(UTC) + timedelta(days=1) for stamp in stamps
    )
