"""The Rootly sandbox over real HTTP on 127.0.0.1: auth, JSON:API bodies, lifecycle, paging, rate limits."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox.connections import connection_env_line, sandbox_connections
from airflow_incident_provider.sandbox.rootly import (
    MEETING_PASSWORD,
    SAMPLE_SCOPES,
    SAMPLE_TITLES,
    SERVICES,
    SEVERITIES,
    TEAMS,
    USERS,
)
from airflow_incident_provider.sandbox.rootly.seed import ROLES
from tests.fixtures_rootly import MEDIA_TYPE, RootlySandbox


def document(resource_type: str = "incidents", **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": resource_type, "attributes": attributes}}


def put(rootly: RootlySandbox, path: str, body: Any = None) -> httpx.Response:
    return rootly.api.put(f"/v1/incidents/{path}", json=document() if body is None else body)


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    return list(response.json()["errors"])


def assert_refused(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    (error,) = errors(response)
    assert error["status"] == str(status)
    assert detail in error.get("detail", error["title"])


# ---------------------------------------------------------------- auth, media type, errors


def test_missing_wrong_or_non_bearer_key_is_401_errors_list(rootly: RootlySandbox) -> None:
    for authorization in ("", "Bearer not-the-right-key", f"Token token={rootly.key}", f"Basic {rootly.key}"):
        response = rootly.api.get("/v1/incidents", headers={"Authorization": authorization})
        assert_refused(response, 401, "Bearer")
        assert "not-the-right-key" not in response.text
        assert "x-ratelimit-limit" not in response.headers, "unauthenticated calls count against no key"


def test_writes_must_be_json_api_documents(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("started")
    as_json = rootly.api.put(
        f"/v1/incidents/{incident_id}", json=document(title="x"), headers={"Content-Type": "application/json"}
    )
    assert_refused(as_json, 415, "application/vnd.api+json")
    assert_refused(put(rootly, incident_id, {"title": "x"}), 422, "'data' object")
    assert_refused(
        put(rootly, incident_id, document("incident", title="x")), 422, "data.type must be 'incidents'"
    )
    assert_refused(put(rootly, incident_id, {"data": {"type": "incidents"}}), 422, "attributes is required")
    assert_refused(put(rootly, incident_id, document(urgency="high")), 422, "Unknown attribute(s): urgency")
    assert_refused(put(rootly, incident_id, document(status="open")), 422, "status must be one of in_triage")
    assert_refused(put(rootly, incident_id, document(service_ids="s1")), 422, "an array of strings")
    assert_refused(put(rootly, incident_id, document(started_at="noon")), 422, "ISO 8601")
    assert_refused(put(rootly, incident_id, document(severity_id="nope")), 422, "not a severity")
    broken = rootly.api.put(
        f"/v1/incidents/{incident_id}", content=b"{", headers={"Content-Type": MEDIA_TYPE}
    )
    assert_refused(broken, 400, "not valid JSON")


def test_writes_take_what_the_spec_takes(rootly: RootlySandbox) -> None:
    """The spec's attributes are plain nullable strings: a blank title is a title, a blank date-time is null
    (as Rails stores it), an event may be blank; keys outside ``attributes`` are ignored."""
    incident_id = rootly.create(title="Queue consumers lagging")
    body = {**document(title=" ", started_at="", summary=""), "meta": {"x": 1}}
    assert put(rootly, incident_id, body).status_code == 200
    attributes = rootly.incident(incident_id)
    assert (attributes["title"], attributes["started_at"], attributes["summary"]) == (" ", None, "")
    kept = put(rootly, incident_id, document(title=None))
    assert kept.json()["data"]["attributes"]["title"] == " ", "a null title is ignored"
    blank = document("incident_events", event=" ")
    assert rootly.api.post(f"/v1/incidents/{incident_id}/events", json=blank).status_code == 201


def test_create_checks_its_own_attributes_then_drops_them(rootly: RootlySandbox) -> None:
    """``user_id``, ``notify_emails`` and ``url`` are typed as the spec has them; the key's user acts."""
    created = rootly.api.post(
        "/v1/incidents",
        json=document(title="Paged", user_id=None, notify_emails=["a@example.com"], url="https://x"),
    )
    assert created.status_code == 201, created.text
    for bad in ({"user_id": 7}, {"notify_emails": "a@example.com"}, {"url": None}):
        assert_refused(rootly.api.post("/v1/incidents", json=document(title="x", **bad)), 422, "must be")


def test_unknown_incident_route_and_transition_are_404_errors_list(rootly: RootlySandbox) -> None:
    assert_refused(rootly.api.get("/v1/incidents/no-such-incident"), 404, "Record not found")
    assert_refused(rootly.api.get("/v1/nothing-here"), 404, "Record not found")
    incident_id = rootly.with_status("started")
    assert_refused(put(rootly, f"{incident_id}/start"), 404, "Record not found")


def test_get_by_id_or_slug(rootly: RootlySandbox) -> None:
    incident = rootly.incidents(**{"filter[status]": "started"})[0]
    by_slug = rootly.api.get(f"/v1/incidents/{incident['attributes']['slug']}").json()["data"]
    assert by_slug["id"] == incident["id"]
    assert by_slug["type"] == "incidents"


# ---------------------------------------------------------------- lifecycle


def test_triage_cannot_skip_to_resolved_but_start_then_resolve_works(rootly: RootlySandbox) -> None:
    triage = rootly.with_status("in_triage")
    assert_refused(
        put(rootly, f"{triage}/resolve", document(resolution_message="x")), 422, "in_triage to resolved"
    )
    assert_refused(put(rootly, triage, document(status="resolved")), 422, "in_triage to resolved")
    assert put(rootly, triage, document(status="started")).status_code == 200
    resolved = put(rootly, f"{triage}/resolve", document(resolution_message="Rolled back"))
    attributes = resolved.json()["data"]["attributes"]
    assert (attributes["status"], attributes["resolution_message"]) == ("resolved", "Rolled back")
    assert attributes["resolved_at"] is not None
    assert attributes["mitigated_at"] == attributes["resolved_at"], (
        "skipped mitigation takes the resolution time"
    )
    assert attributes["resolved_by"]["data"]["attributes"]["name"] == "Morgan Lee"


def test_terminal_statuses_need_a_restart(rootly: RootlySandbox) -> None:
    resolved = rootly.with_status("resolved")
    assert_refused(put(rootly, resolved, document(status="started")), 422, "restart it")
    assert_refused(put(rootly, f"{resolved}/resolve", document()), 422, "already resolved")
    assert_refused(put(rootly, f"{resolved}/mitigate", document()), 422, "restart it")
    assert_refused(put(rootly, f"{resolved}/in_triage", {"data": {"type": "incidents"}}), 422, "restart it")
    restarted = put(rootly, f"{resolved}/restart", {"data": {"type": "incidents"}}).json()["data"][
        "attributes"
    ]
    assert restarted["status"] == "started"
    assert restarted["resolved_at"] is None
    assert restarted["resolution_message"] is None
    assert_refused(put(rootly, f"{resolved}/restart", document()), 422, "Only resolved, closed or cancelled")


def test_closed_only_after_resolved_and_cancel_is_terminal(rootly: RootlySandbox) -> None:
    mitigated = rootly.with_status("mitigated")
    assert_refused(put(rootly, mitigated, document(status="closed")), 422, "Only a resolved incident")
    assert put(rootly, f"{mitigated}/resolve", document()).status_code == 200
    closed = put(rootly, mitigated, document(status="closed")).json()["data"]["attributes"]
    assert (closed["status"], closed["closed_at"] is not None) == ("closed", True)
    started = rootly.create()
    cancelled = put(rootly, f"{started}/cancel", document(cancellation_message="False alarm")).json()["data"]
    assert cancelled["attributes"]["status"] == "cancelled"
    assert cancelled["attributes"]["cancellation_message"] == "False alarm"
    assert_refused(put(rootly, started, document(status="closed")), 422, "restart it")


def test_transition_endpoints_take_only_their_message(rootly: RootlySandbox) -> None:
    started = rootly.create()
    assert_refused(
        put(rootly, f"{started}/mitigate", document(resolution_message="x")), 422, "Unknown attribute"
    )
    mitigated = put(rootly, f"{started}/mitigate", document(mitigation_message="Failed over")).json()["data"]
    assert mitigated["attributes"]["mitigation_message"] == "Failed over"
    triaged = put(rootly, f"{started}/in_triage", {"data": {"type": "incidents"}}).json()["data"]
    assert triaged["attributes"]["status"] == "in_triage"


def test_mitigated_at_cannot_precede_started_at(rootly: RootlySandbox) -> None:
    started = rootly.create()
    response = put(rootly, started, document(mitigated_at="2000-01-01T00:00:00Z"))
    assert_refused(response, 422, "mitigated_at must be greater than or equal to started_at")


def test_maintenance_statuses_are_for_scheduled_incidents_only(rootly: RootlySandbox) -> None:
    started = rootly.create()
    assert_refused(put(rootly, started, document(status="in_progress")), 422, "not available for incidents")
    maintenance = rootly.with_status("scheduled")
    assert put(rootly, maintenance, document(status="in_progress")).status_code == 200
    assert_refused(put(rootly, maintenance, document(status="resolved")), 422, "not available for scheduled")


def test_every_update_attribute_is_stored_and_rendered(rootly: RootlySandbox) -> None:
    started = rootly.create()
    attributes: dict[str, Any] = {
        "public_title": "Checkout degraded",
        "labels": {"team": "payments"},
        "service_ids": ["svc-1"],
        "slack_channel_archived": True,
        "jira_issue_key": "OPS-1",
        "scheduled_for": "2030-01-01T00:00:00Z",
        "private": True,
    }
    data = put(rootly, started, document(**attributes)).json()["data"]
    rendered = data["attributes"]
    assert {key: rendered[key] for key in ("public_title", "labels", "jira_issue_key", "private")} == {
        "public_title": "Checkout degraded",
        "labels": {"team": "payments"},
        "jira_issue_key": "OPS-1",
        "private": True,
    }
    assert rendered["slack_channel_archived"] is True
    assert rendered["scheduled_for"].startswith("2030-01-01T00:00:00")
    assert data["relationships"]["services"]["data"] == [{"id": "svc-1", "type": "services"}]
    again = put(rootly, started, document(private=False)).json()["data"]["attributes"]
    assert again["private"] is True, "a private incident cannot be made public again"


# ---------------------------------------------------------------- events


def test_events_default_to_internal_and_are_paged(rootly: RootlySandbox) -> None:
    started = rootly.create()
    created = rootly.api.post(
        f"/v1/incidents/{started}/events", json=document("incident_events", event="Paged")
    )
    assert created.status_code == 201
    assert created.json()["data"]["attributes"]["visibility"] == "internal"
    external = document("incident_events", event="Public", visibility="external")
    assert rootly.api.post(f"/v1/incidents/{started}/events", json=external).status_code == 201
    bad = document("incident_events", event="x", visibility="public")
    assert_refused(
        rootly.api.post(f"/v1/incidents/{started}/events", json=bad), 422, "visibility must be one of"
    )
    missing = document("incident_events", visibility="internal")
    assert_refused(rootly.api.post(f"/v1/incidents/{started}/events", json=missing), 422, "event is required")
    not_text = document("incident_events", event=7)
    assert_refused(rootly.api.post(f"/v1/incidents/{started}/events", json=not_text), 422, "must be a string")
    page = rootly.api.get(
        f"/v1/incidents/{started}/events", params={"page[size]": 2, "page[number]": 2}
    ).json()
    assert page["meta"]["current_page"] == 2
    assert page["meta"]["total_count"] == 3
    assert [e["attributes"]["event"] for e in page["data"]] == ["Public"]
    assert page["links"]["next"] is None
    assert "page%5Bnumber%5D=1" in page["links"]["prev"]


# ---------------------------------------------------------------- listing


def test_samples_cover_every_state_and_one_carries_a_meeting_password(rootly: RootlySandbox) -> None:
    incidents = rootly.incidents()
    assert sorted(i["attributes"]["status"] for i in incidents) == sorted(SAMPLE_TITLES)
    with_bridge = [i for i in incidents if i["attributes"]["zoom_meeting_password"]]
    assert len(with_bridge) == 1
    assert with_bridge[0]["attributes"]["zoom_meeting_password"] == MEETING_PASSWORD
    rootly.admin.post("/_sandbox/reset", json={"empty": True}).raise_for_status()
    assert rootly.incidents() == []


def test_list_paging_meta_and_links(rootly: RootlySandbox) -> None:
    first = rootly.api.get("/v1/incidents", params={"page[size]": 3}).json()
    assert first["meta"] == {
        "current_page": 1,
        "next_page": 2,
        "prev_page": None,
        "total_count": 7,
        "total_pages": 3,
        "next_cursor": None,
    }
    assert first["links"]["prev"] is None
    assert "page%5Bnumber%5D=3" in first["links"]["last"]
    last = rootly.api.get("/v1/incidents", params={"page[size]": 3, "page[number]": 3}).json()
    assert (len(last["data"]), last["meta"]["next_page"], last["links"]["next"]) == (1, None, None)
    capped = rootly.api.get("/v1/incidents", params={"page[size]": 500}).json()
    assert "page%5Bsize%5D=100" in capped["links"]["self"]
    assert_refused(rootly.api.get("/v1/incidents", params={"page[number]": "x"}), 400, "must be an integer")
    assert_refused(rootly.api.get("/v1/incidents", params={"page[size]": 0}), 400, "at least 1")


def test_list_filters_and_sort(rootly: RootlySandbox) -> None:
    def titles(**params: Any) -> list[str]:
        return [i["attributes"]["title"] for i in rootly.incidents(**params)]

    newest_first = titles()
    assert newest_first[0] == SAMPLE_TITLES["in_triage"]
    assert titles(sort="created_at") == list(reversed(newest_first))
    assert titles(**{"filter[status]": "mitigated"}) == [SAMPLE_TITLES["mitigated"]]
    assert set(titles(**{"filter[status][in]": "resolved,cancelled"})) == {
        SAMPLE_TITLES["resolved"],
        SAMPLE_TITLES["cancelled"],
    }
    assert len(titles(**{"filter[status][not_in]": "resolved,cancelled"})) == 5
    assert titles(**{"filter[severity]": "sev0"}) == [SAMPLE_TITLES["acknowledged"]]
    assert titles(**{"filter[search]": "PAYMENT"}) == [SAMPLE_TITLES["mitigated"]]
    created = [i["attributes"]["created_at"] for i in rootly.incidents(sort="created_at")]
    assert len(titles(**{"filter[created_at][gte]": created[3]})) == 4
    assert len(titles(**{"filter[created_at][lt]": created[3]})) == 3
    assert_refused(rootly.api.get("/v1/incidents", params={"sort": "title"}), 400, "sort 'title' is invalid")
    bad_date = {"filter[created_at][gte]": "last week"}
    assert_refused(rootly.api.get("/v1/incidents", params=bad_date), 400, "ISO 8601")


def test_list_by_service_and_team_ids_comma_separated(rootly: RootlySandbox) -> None:
    def titles(**params: Any) -> set[str]:
        return {i["attributes"]["title"] for i in rootly.incidents(**params)}

    def of(service: str | None = None, team: str | None = None) -> set[str]:
        return {
            SAMPLE_TITLES[status]
            for status, (services, teams) in SAMPLE_SCOPES.items()
            if (service is None or service in services) and (team is None or team in teams)
        }

    checkout, search = SERVICES["checkout"], SERVICES["search"]
    sample = rootly.incidents(**{"filter[service_ids]": checkout})
    assert {i["attributes"]["title"] for i in sample} == of(service="checkout")
    assert all({"id": checkout, "type": "services"} in i["relationships"]["services"]["data"] for i in sample)
    assert titles(**{"filter[service_ids]": f"{checkout},{search}"}) == of("checkout") | of("search")
    assert titles(**{"filter[team_ids]": TEAMS["payments"]}) == of(team="payments")
    assert titles(**{"filter[team_ids][not_in]": TEAMS["platform"]}) == set(SAMPLE_TITLES.values()) - of(
        team="platform"
    )
    scoped = {"filter[service_ids]": checkout, "filter[team_ids]": TEAMS["platform"]}
    assert titles(**scoped) == {SAMPLE_TITLES["mitigated"]}
    assert titles(**{"filter[service_ids]": "unknown-service"}) == set()


def test_severities_sev0_to_sev3(rootly: RootlySandbox) -> None:
    listing = rootly.api.get("/v1/severities").json()
    assert [(s["id"], s["attributes"]["slug"], s["attributes"]["name"]) for s in listing["data"]] == [
        (s.id, s.slug, s.name) for s in SEVERITIES
    ]
    assert [s["attributes"]["severity"] for s in listing["data"]] == ["critical", "high", "medium", "low"]
    one = rootly.api.get(f"/v1/severities/{SEVERITIES[2].id}").json()["data"]
    assert one["attributes"]["name"] == "SEV2"
    assert_refused(rootly.api.get("/v1/severities/sev9"), 404, "Record not found")


# ---------------------------------------------------------------- rate limits


def test_reads_and_writes_have_separate_windows_with_epoch_reset(rootly: RootlySandbox) -> None:
    started = rootly.create()
    rootly.configure(rate_limit_per_minute=2)
    before = time.time()
    ok = rootly.api.get("/v1/incidents")
    assert ok.headers["x-ratelimit-limit"] == "2, 2;window=60"
    assert (ok.headers["x-ratelimit-remaining"], ok.headers["x-ratelimit-used"]) == ("1", "1")
    assert before + 55 <= int(ok.headers["x-ratelimit-reset"]) <= time.time() + 62
    rootly.api.get("/v1/incidents")
    limited = rootly.api.get("/v1/incidents")
    assert limited.status_code == 429
    assert limited.json() == {"error": "Rate limit exceeded. Try again later."}
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-reset"]) >= int(before)
    event = rootly.api.post(
        f"/v1/incidents/{started}/events", json=document("incident_events", event="still ok")
    )
    assert event.status_code == 201, "writes are counted in their own window"


def test_bare_429_and_omitted_headers(rootly: RootlySandbox) -> None:
    rootly.configure(rate_limit_per_minute=1, bare_429=True)
    rootly.api.get("/v1/severities")
    bare = rootly.api.get("/v1/severities")
    assert (bare.status_code, bare.content) == (429, b"")
    assert "x-ratelimit-reset" not in bare.headers
    rootly.configure(rate_limit_per_minute=100, bare_429=False, omit_rate_limit_headers=True)
    assert "x-ratelimit-limit" not in rootly.api.get("/v1/severities").headers


def test_request_log_never_holds_the_key(rootly: RootlySandbox) -> None:
    rootly.api.get("/v1/incidents", params={"filter[search]": rootly.key})
    rootly.api.post(
        f"/v1/incidents/{rootly.with_status('started')}/events",
        json=document("incident_events", event=f"key is {rootly.key}"),
    )
    logged = json.dumps(rootly.requests())
    assert rootly.key not in logged
    assert "Bearer" not in logged


def test_sandbox_connection_for_rootly(rootly: RootlySandbox) -> None:
    connections = sandbox_connections(rootly.server.url, rootly.server.config)
    conn = connections["rootly_sandbox"]
    assert conn == {"conn_type": "rootly_incidents", "host": rootly.url, "password": rootly.key, "extra": {}}
    assert connection_env_line("rootly_sandbox", conn).startswith("AIRFLOW_CONN_ROOTLY_SANDBOX=")


@pytest.mark.parametrize("method", ["DELETE", "PATCH"])
def test_unsupported_methods_answer_in_rootly_error_format(rootly: RootlySandbox, method: str) -> None:
    response = rootly.api.request(method, f"/v1/incidents/{rootly.with_status('started')}")
    assert response.status_code == 405
    assert errors(response)[0]["status"] == "405"


# ---------------------------------------------------------------- labels, incident roles


def test_labels_filter_matches_key_value(rootly: RootlySandbox) -> None:
    tagged = rootly.create(labels={"airflow-dedup": "k-1", "team": "db"})
    rootly.create(labels={"airflow-dedup": "k-2"})
    found = rootly.incidents(**{"filter[labels]": "airflow-dedup:k-1"})
    assert [item["id"] for item in found] == [tagged]
    assert found[0]["attributes"]["labels"] == {"airflow-dedup": "k-1", "team": "db"}
    assert rootly.incidents(**{"filter[labels]": "airflow-dedup:k-9"}) == []


def test_incident_roles_are_listed_and_assigned(rootly: RootlySandbox) -> None:
    roles = rootly.api.get("/v1/incident_roles").json()["data"]
    assert [(r["attributes"]["slug"], r["attributes"]["allow_multi_user_assignment"]) for r in roles] == [
        ("commander", False),
        ("scribe", True),
    ]
    commander, scribe = ROLES
    morgan, sam = (user.id for user in USERS)
    incident_id = rootly.create()
    path = f"/v1/incidents/{incident_id}"

    def assign(user: str, role: str) -> httpx.Response:
        body = document(user_id=user, incident_role_id=role)
        return rootly.api.post(f"{path}/assign_role_to_user", json=body)

    assert assign(morgan, commander.id).status_code == 200
    assert assign(sam, commander.id).status_code == 200  # one holder: the role passes on
    assert rootly.holders(incident_id, commander.id) == [sam]
    assert assign(morgan, scribe.id).status_code == 200
    assert assign(sam, scribe.id).status_code == 200  # several holders
    assert assign(sam, scribe.id).status_code == 200  # again: no change
    assert sorted(rootly.holders(incident_id, scribe.id)) == sorted([morgan, sam])
    unassign = rootly.api.request(
        "DELETE", f"{path}/unassign_role_from_user", json=document(user_id=morgan, incident_role_id=scribe.id)
    )
    assert unassign.status_code == 200
    assert rootly.holders(incident_id, scribe.id) == [sam]
    again = rootly.api.request(
        "DELETE", f"{path}/unassign_role_from_user", json=document(user_id=morgan, incident_role_id=scribe.id)
    )
    assert_refused(again, 422, "is not assigned as Scribe")
    assert_refused(assign("9999", commander.id), 422, "user_id '9999' is not a user")
    assert_refused(assign(sam, "no-role"), 422, "is not an incident role")
    assert_refused(
        rootly.api.post(f"{path}/assign_role_to_user", json=document(user_id=sam)), 422, "incident_role_id"
    )
    bad = rootly.api.post(
        f"{path}/assign_role_to_user", json=document(user_id=sam, incident_role_id=scribe.id, extra="x")
    )
    assert_refused(bad, 422, "Unknown attribute(s): extra")
    assert "included" not in rootly.api.get(path).json(), "role holders only with include=roles"
    assert any("assigned as Commander" in e["event"] for e in rootly.events(incident_id))
