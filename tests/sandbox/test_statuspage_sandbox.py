"""The sandbox's Statuspage over real HTTP on 127.0.0.1, as any client sees it: auth, validation,
lifecycle and error bodies, independent of the provider's vendor module."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox.statuspage import FORBIDDEN_PAGE_ID, PAGE_ID
from tests.fixtures_statuspage import STATUSPAGE_PAGE_PATH, StatuspageSandbox

INCIDENTS = f"{STATUSPAGE_PAGE_PATH}/incidents"


def patch(statuspage: StatuspageSandbox, incident_id: str, **fields: Any) -> httpx.Response:
    return statuspage.api.patch(f"{INCIDENTS}/{incident_id}", json={"incident": fields})


def test_only_the_oauth_key_or_the_api_key_parameter_gets_in(statuspage: StatuspageSandbox) -> None:
    url = f"{statuspage.url}{INCIDENTS}"
    for headers in ({}, {"Authorization": f"Bearer {statuspage.key}"}, {"Authorization": "OAuth wrong"}):
        refused = httpx.get(url, headers=headers)
        assert (refused.status_code, refused.json()) == (401, {"message": "Could not authenticate"})
    assert httpx.get(url, params={"api_key": statuspage.key}).status_code == 200
    assert statuspage.api.get(INCIDENTS).status_code == 200


def test_a_page_that_is_not_the_key_s_is_403_and_an_unknown_one_404(statuspage: StatuspageSandbox) -> None:
    assert statuspage.api.get(f"/pages/{FORBIDDEN_PAGE_ID}/incidents").status_code == 403
    missing = statuspage.api.get("/pages/nosuchpage000/incidents")
    assert (missing.status_code, missing.json()["message"]) == (
        404,
        "The requested resource could not be found.",
    )


def test_every_problem_of_a_body_is_listed_in_one_422(statuspage: StatuspageSandbox) -> None:
    refused = statuspage.api.post(
        INCIDENTS,
        json={
            "incident": {
                "body": "x" * 25001,
                "status": "open",
                "impact_override": "sev1",
                "colour": 1,
                "deliver_notifications": "no",
                "metadata": {"a": 1},
            }
        },
    )
    assert refused.status_code == 422
    errors = refused.json()["error"]
    assert errors == [
        "Unknown field 'colour'",
        "Name can't be blank",
        "Body is too long (maximum is 25000 characters)",
        "Status must be one of investigating, identified, monitoring, resolved, scheduled, in_progress, "
        "verifying, completed",
        "Impact override must be one of none, maintenance, minor, major, critical",
        "deliver_notifications must be true or false",
        "Metadata must be an object whose top-level values are all objects",
    ]
    assert refused.json()["message"] == "; ".join(errors)
    assert statuspage.api.patch(f"{INCIDENTS}/x", json={"name": "no wrapper"}).status_code == 404
    incident_id = statuspage.create()
    assert patch(statuspage, incident_id, name="").json()["error"] == ["Name can't be blank"]
    not_json = statuspage.api.patch(
        f"{INCIDENTS}/{incident_id}", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400


def test_updates_stay_in_their_kind_and_post_incident_updates(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    refused = patch(statuspage, incident_id, status="in_progress")
    assert refused.status_code == 422
    assert "allowed: investigating, identified, monitoring, resolved" in refused.json()["message"]
    moved = patch(
        statuspage, incident_id, status="resolved", body="Fixed.", deliver_notifications=False
    ).json()
    assert (moved["status"], moved["resolved_at"] is not None) == ("resolved", True)
    assert [(u["status"], u["body"], u["deliver_notifications"]) for u in moved["incident_updates"]][:2] == [
        ("resolved", "Fixed.", False),
        ("investigating", "We are investigating.", False),
    ]
    renamed = patch(statuspage, incident_id, name="Renamed").json()
    assert len(renamed["incident_updates"]) == 2, "a rename alone posts no incident update"
    maintenance = statuspage.create(status="scheduled")
    assert patch(statuspage, maintenance, status="verifying").json()["impact"] == "maintenance"


def test_impact_comes_from_the_override_or_the_components(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    assert (
        patch(statuspage, incident_id, components={"sbxcomp00api": "partial_outage"}).json()["impact"]
        == "major"
    )
    assert patch(statuspage, incident_id, impact_override="minor").json()["impact"] == "minor"
    unknown = patch(statuspage, incident_id, component_ids=["nosuchcomp01"])
    assert unknown.json()["error"] == ["Component nosuchcomp01 not found"]


def test_lists_page_newest_first_within_statuspage_s_bounds(statuspage: StatuspageSandbox) -> None:
    listed = statuspage.api.get(INCIDENTS, params={"limit": 2, "page": 1}).json()
    assert len(listed) == 2
    assert listed[0]["created_at"] >= listed[1]["created_at"]
    unresolved = statuspage.api.get(f"{INCIDENTS}/unresolved", params={"per_page": 100}).json()
    assert all(item["status"] not in ("resolved", "completed") for item in unresolved)
    for params in ({"limit": 101}, {"page": 0}, {"limit": "ten"}):
        assert statuspage.api.get(INCIDENTS, params=params).status_code == 400


def test_the_unresolved_list_holds_open_realtime_incidents_newest_first_paged_by_per_page(
    statuspage: StatuspageSandbox,
) -> None:
    """What the waiting poller reads: investigating, identified and monitoring incidents only (resolved
    ones leave it; maintenances are listed elsewhere), ``page`` from 1 and ``per_page`` up to 100."""
    maintenance = statuspage.create(title="Index rebuild", status="scheduled")
    resolved = statuspage.create(title="Old outage")
    patch(statuspage, resolved, status="resolved")
    opened = [statuspage.create(title=f"Region {n} slow") for n in range(3)]
    monitored = opened[0]
    patch(statuspage, monitored, status="monitoring")
    everything = statuspage.api.get(f"{INCIDENTS}/unresolved").json()
    assert {item["status"] for item in everything} == {"investigating", "identified", "monitoring"}
    ids = [item["id"] for item in everything]
    assert maintenance not in ids
    assert resolved not in ids
    assert ids[:3] == opened[::-1]  # newest first
    assert [item["created_at"] for item in everything] == sorted(
        (item["created_at"] for item in everything), reverse=True
    )
    first, second = (
        statuspage.api.get(f"{INCIDENTS}/unresolved", params={"page": page, "per_page": 2}).json()
        for page in (1, 2)
    )
    assert [item["id"] for item in first + second] == ids[:4]
    for params in ({"per_page": 101}, {"page": 0}, {"per_page": "ten"}):
        assert statuspage.api.get(f"{INCIDENTS}/unresolved", params=params).status_code == 400


def test_the_key_s_limit_is_answered_420_with_retry_after(statuspage: StatuspageSandbox) -> None:
    statuspage.configure(rate_limit_per_minute=1)
    assert statuspage.api.get(INCIDENTS).status_code == 200
    limited = statuspage.api.get(INCIDENTS)
    assert limited.status_code == 420
    assert limited.json()["message"].startswith("Rate limit exceeded")
    assert 0 < int(limited.headers["retry-after"]) <= 60


@pytest.mark.parametrize("path", ["/pages", f"/pages/{PAGE_ID}"])
def test_the_pages_a_key_can_read(statuspage: StatuspageSandbox, path: str) -> None:
    assert statuspage.api.get(path).status_code == 200
