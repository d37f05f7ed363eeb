"""The change feeds' translations (Rootly's list by update time, the status pages' and Pinghome's team
lists as snapshots) and the snapshot driver, without a server: what each asks for, and what it makes
of an answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.hooks.snapshot_feed import group_watched, snapshot_flow, state_change
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.devhelm import changes as devhelm_changes
from airflow_incident_provider.vendors.pinghome import changes as pinghome_changes
from airflow_incident_provider.vendors.rootly import changes as rootly_changes
from airflow_incident_provider.vendors.uptimeio import changes as uptimeio_changes
from tests.hooks.scripted import drive, ok

PAGE = "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c"
PROJECT = "6a0f1c52-4b1e-4c1a-9a52-1f6b2d3c4e01"
INCIDENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
OTHER = "0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4"
SINCE = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


def _rootly(incident_id: str, status: str, updated_at: str | None) -> dict[str, Any]:
    attributes = {"title": "Checkout down", "status": status, "updated_at": updated_at}
    return {"id": incident_id, "type": "incidents", "attributes": attributes}


def test_rootly_asks_for_incidents_updated_since_most_recent_first() -> None:
    request = rootly_changes.build_list_changes(SINCE, 3)
    assert (request.method, request.path) == ("GET", "/v1/incidents")
    assert dict(request.params) == {
        "page[number]": "3",
        "page[size]": "100",
        "sort": "-updated_at",
        "filter[updated_at][gte]": "2026-12-07T11:00:00+00:00",
    }


def test_rootly_changes_are_named_by_incident_and_update_stamp() -> None:
    body = {
        "data": [
            _rootly(INCIDENT, "mitigated", "2026-12-07T11:00:05Z"),
            _rootly(OTHER, "started", None),
        ],
        "meta": {"next_page": 2},
    }
    changes, next_page = rootly_changes.parse_changes(ok(body))
    assert next_page == 2
    assert [(c.id, c.ref, c.at) for c in changes] == [
        (f"{INCIDENT}@2026-12-07T11:00:05+00:00", INCIDENT, datetime(2026, 12, 7, 11, 0, 5, tzinfo=UTC)),
        (f"{OTHER}@started", OTHER, None),
    ]
    assert changes[0].incident is not None
    assert changes[0].incident.phase is Phase.MITIGATED
    assert rootly_changes.parse_changes(ok({"data": [], "meta": {"next_page": None}})) == ([], None)


def test_devhelm_lists_the_unresolved_incidents_of_a_page() -> None:
    first, later = (
        devhelm_changes.CONNECTION_PAGE.request(PAGE, None),
        devhelm_changes.CONNECTION_PAGE.request(PAGE, 4),
    )
    assert first.path == later.path == f"/api/v1/status-pages/{PAGE}/incidents"
    assert dict(first.params)["page"] == "0"
    assert dict(later.params)["page"] == "4"
    assert [value for name, value in first.params if name == "status"] == [
        "INVESTIGATING",
        "IDENTIFIED",
        "MONITORING",
    ]
    item = {"id": INCIDENT, "statusPageId": PAGE, "status": "IDENTIFIED", "title": "API slow"}
    incidents, next_page = devhelm_changes.CONNECTION_PAGE.parse(ok({"data": [item], "hasNext": True}), 4)
    assert ([i.ref for i in incidents], next_page) == ([f"{PAGE}/{INCIDENT}"], 5)
    assert devhelm_changes.CONNECTION_PAGE.parse(ok({"data": [], "hasNext": False}), 5) == ([], None)


def test_devhelm_places_a_ref_on_its_page_and_a_bare_id_on_the_connections() -> None:
    assert devhelm_changes.CONNECTION_PAGE.scope(f"{PAGE}/{INCIDENT}", None) == (PAGE, f"{PAGE}/{INCIDENT}")
    assert devhelm_changes.CONNECTION_PAGE.scope(INCIDENT, PAGE) == (PAGE, f"{PAGE}/{INCIDENT}")
    with pytest.raises(IncidentValidationError, match="status_page_id"):
        devhelm_changes.CONNECTION_PAGE.scope(INCIDENT, None)


def test_uptimeio_lists_a_page_most_recently_updated_first_and_stops_after_a_short_page() -> None:
    scope, ref = uptimeio_changes.feed_scope(INCIDENT, PROJECT, PAGE)
    assert (scope, ref) == (f"{PROJECT}/{PAGE}", f"{PROJECT}/{PAGE}/{INCIDENT}")
    request = uptimeio_changes.build_feed_page(scope, None)
    assert request.path == f"/api/projects/{PROJECT}/status-pages/{PAGE}/incidents"
    assert dict(request.params) == {
        "page": "1",
        "limit": "100",
        "sort_by": "updated_at",
        "sort_order": "desc",
    }
    item = {"id": INCIDENT, "status": "monitoring", "title": "Login errors"}
    full = ok({"success": True, "data": {"incidents": [item] * 100}})
    short = ok({"success": True, "data": {"incidents": [item]}})
    assert uptimeio_changes.parse_feed_page(full, scope, 2)[1] == 3
    incidents, next_page = uptimeio_changes.parse_feed_page(short, scope, 3)
    assert ([i.ref for i in incidents], next_page) == ([ref], None)


def test_pinghome_lists_a_team_after_a_cursor() -> None:
    assert pinghome_changes.feed_scope("42", "team-a") == ("team-a", "team-a/42")
    assert pinghome_changes.feed_scope("team-b/42", "team-a") == ("team-b", "team-b/42")
    request = pinghome_changes.build_feed_page("team-a", "2026-12-07T10:00:00Z")
    assert request.path == "/team/team-a/incidents"
    assert dict(request.params)["last_received_at"] == "2026-12-07T10:00:00Z"
    items = [{"id": "42", "name": "Disk full", "status": "acknowledged"}]
    incidents, cursor = pinghome_changes.parse_feed_page(ok({"incidents": items}), "team-a")
    assert ([i.ref for i in incidents], cursor) == (["team-a/42"], None)


def _incident(ref: str, status: str, updated: str | None = None) -> Incident:
    return Incident(
        vendor="scripted",
        id=ref.rsplit("/", 1)[-1],
        ref=ref,
        status=status,
        phase=Phase.OPEN,
        updated_at=datetime.fromisoformat(updated) if updated else None,
    )


def test_a_snapshot_change_names_the_state_so_the_same_state_has_the_same_id() -> None:
    before = state_change(_incident("p/1", "investigating", "2026-12-07T11:00:00+00:00"))
    again = state_change(_incident("p/1", "investigating", "2026-12-07T11:00:00+00:00"))
    moved = state_change(_incident("p/1", "identified", "2026-12-07T11:00:09+00:00"))
    assert before.id == again.id != moved.id
    assert (before.ref, before.at, moved.incident) == ("p/1", None, moved.incident)


def test_watched_refs_are_grouped_by_scope_and_a_ref_naming_nothing_is_left_out() -> None:
    def locate(ref: str) -> tuple[str, str]:
        if ref == "bad":
            raise IncidentValidationError("incident_id", "names nothing", vendor="scripted")
        scope, _, own = ref.rpartition("/")
        return scope or "p", f"{scope or 'p'}/{own}"

    assert group_watched(["p/1", "1", "q/2", "bad"], locate) == {
        "p": {"p/1": ["p/1", "1"]},
        "q": {"q/2": ["q/2"]},
    }


def test_a_snapshot_reads_each_scope_until_every_watched_incident_is_found() -> None:
    open_ = "investigating"
    pages = {
        ("p", None): ([_incident("p/9", open_), _incident("p/1", open_), _incident("p/2", open_)], 1),
        ("p", 1): ([_incident("p/3", open_)], None),
        ("r", None): ([_incident("r/1", open_), _incident("r/2", open_)], 1),
        ("r", 1): ([_incident("r/3", open_)], 2),
        ("r", 2): ([_incident("r/4", open_)], None),
    }

    def read_page(scope: str, cursor: int | None) -> Any:
        yield Request("GET", f"/{scope}/{cursor}")
        return pages[(scope, cursor)]

    grouped = {
        "p": {ref: [ref] for ref in ("p/1", "p/3", "p/7", "p/8")} | {"p/2": ["2"]},  # 7, 8 on no page
        "q": {"q/7": ["q/7"]},  # a lone wait: read on its own, no list
        "r": {f"r/{n}": [f"r/{n}"] for n in range(1, 6)},
    }
    feed, requests = drive(snapshot_flow(grouped, read_page), lambda request: Response(200, {}, None))
    # p: the list ends; r: after two pages 2 are missing, no more than the pages read: read on their own
    assert [r.path for r in requests] == ["/p/None", "/p/1", "/r/None", "/r/1"]
    assert [c.ref for c in feed.changes] == ["p/1", "p/2", "p/3", "r/1", "r/2", "r/3"]  # only watched ones
    assert (feed.snapshot, feed.unseen, feed.as_of) == (True, ("p/7", "p/8", "q/7", "r/4", "r/5"), None)
