"""The UptimeIO sandbox over real HTTP on 127.0.0.1: auth, validation, lifecycle, paging, rate limits."""

from __future__ import annotations

from typing import Any

import httpx

from airflow_incident_provider.sandbox.__main__ import build_parser
from airflow_incident_provider.sandbox.connections import sandbox_connections
from airflow_incident_provider.sandbox.uptimeio import (
    MONITORS,
    OTHER_STATUS_PAGE_ID,
    PROJECT_ID,
    STATUS_PAGE_ID,
)
from airflow_incident_provider.sandbox.uptimeio.seed import FORBIDDEN_PROJECT_ID, FORBIDDEN_STATUS_PAGE_ID
from tests.fixtures_uptimeio import UPTIMEIO_PAGE_PATH, UptimeIOSandbox

INCIDENTS = f"{UPTIMEIO_PAGE_PATH}/incidents"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["success"] is False
    return body["error"]  # type: ignore[no-any-return]


def data(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["success"] is True, body
    return body["data"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- auth and addressing


def test_missing_or_wrong_key_is_401_and_never_echoed_or_logged(uptimeio: UptimeIOSandbox) -> None:
    missing = uptimeio.api.get(INCIDENTS, headers={"X-API-Key": ""})
    wrong = uptimeio.api.get(INCIDENTS, headers={"X-API-Key": "not-the-right-key"})
    bearer = httpx.get(f"{uptimeio.url}{INCIDENTS}", headers={"Authorization": f"Bearer {uptimeio.key}"})
    for response in (missing, wrong, bearer):
        assert response.status_code == 401
        assert response.json() == {
            "success": False,
            "error": {"code": "UNAUTHORIZED", "message": "Invalid or missing API key"},
        }
    assert "not-the-right-key" not in wrong.text
    uptimeio.api.patch(f"{INCIDENTS}/{uptimeio.with_status('investigating')}", json={"title": uptimeio.key})
    logged = str(uptimeio.requests())
    assert uptimeio.key not in logged
    assert "x-api-key" not in logged.lower()


def test_ids_are_uuids_and_scoped_to_their_project_and_page(uptimeio: UptimeIOSandbox) -> None:
    malformed = uptimeio.api.get(f"{INCIDENTS}/not-a-uuid")
    assert malformed.status_code == 400
    assert error(malformed) == {"code": "VALIDATION_ERROR", "message": "Validation failed: id: Invalid uuid"}
    missing = uptimeio.api.get(f"{INCIDENTS}/{UNKNOWN}")
    assert missing.status_code == 404
    assert error(missing) == {"code": "NOT_FOUND", "message": "Incident not found"}
    other = data(
        uptimeio.api.get(f"/api/projects/{PROJECT_ID}/status-pages/{OTHER_STATUS_PAGE_ID}/incidents")
    )
    other_id = other["incidents"][0]["id"]
    assert uptimeio.api.get(f"{INCIDENTS}/{other_id}").status_code == 404, "another page's incident"
    no_page = uptimeio.api.get(f"/api/projects/{PROJECT_ID}/status-pages/{UNKNOWN}/incidents")
    assert error(no_page)["message"] == "Status page not found"
    no_project = uptimeio.api.get(f"/api/projects/{UNKNOWN}/status-pages/{STATUS_PAGE_ID}/incidents")
    assert error(no_project)["message"] == "Project not found"
    denied = uptimeio.api.patch(
        f"/api/projects/{FORBIDDEN_PROJECT_ID}/status-pages/{FORBIDDEN_STATUS_PAGE_ID}/incidents/{UNKNOWN}",
        json={"title": "x"},
    )
    assert denied.status_code == 403
    assert error(denied) == {
        "code": "FORBIDDEN",
        "message": "You do not have permission to update this incident",
    }


def test_unknown_route_and_method_use_the_uptimeio_error_shape(uptimeio: UptimeIOSandbox) -> None:
    route = uptimeio.api.get("/api/monitors")
    assert route.status_code == 404
    assert error(route)["code"] == "NOT_FOUND"
    method = uptimeio.api.delete(f"{INCIDENTS}/{UNKNOWN}")
    assert method.status_code == 405
    assert error(method)["code"] == "METHOD_NOT_ALLOWED"


# ---------------------------------------------------------------- incidents


def test_get_has_the_documented_shape_with_timeline_newest_first(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("resolved")
    incident = data(uptimeio.api.get(f"{INCIDENTS}/{incident_id}"))["incident"]
    assert set(incident) == {
        "id", "status_page_id", "title", "message", "severity", "status", "affected_monitor_ids",
        "created_at", "updated_at", "resolved_at", "affected_monitors", "updates",
    }  # fmt: skip
    assert incident["status_page_id"] == STATUS_PAGE_ID
    assert incident["status"] == "resolved"
    assert incident["resolved_at"].endswith("Z")
    assert [u["status"] for u in incident["updates"]] == [
        "resolved",
        "monitoring",
        "identified",
        "investigating",
    ]
    assert set(incident["updates"][0]) == {
        "id",
        "incident_id",
        "message",
        "status",
        "created_at",
        "created_by",
    }
    assert set(incident["affected_monitors"][0]) == {"id", "name", "type", "status"}


def test_sample_data_has_every_status_and_empty_reset_has_none(uptimeio: UptimeIOSandbox) -> None:
    listed = uptimeio.incidents()
    assert {i["status"] for i in listed} == {"investigating", "identified", "monitoring", "resolved"}
    assert all("updates_count" in i and "updates" not in i for i in listed)
    uptimeio.admin.post("/_sandbox/reset", json={"empty": True}).raise_for_status()
    assert uptimeio.incidents() == []


def test_patch_applies_fields_and_any_status_move(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("identified")
    url = f"{INCIDENTS}/{incident_id}"
    monitors = [MONITORS[0].id, MONITORS[1].id]
    patched = uptimeio.api.patch(
        url,
        json={
            "title": "Renamed",
            "severity": "minor",
            "status": "resolved",
            "affected_monitor_ids": monitors,
        },
    )
    incident = data(patched)["incident"]
    assert (incident["title"], incident["severity"], incident["status"]) == ("Renamed", "minor", "resolved")
    assert incident["affected_monitor_ids"] == monitors
    assert incident["resolved_at"] is not None
    reopened = data(uptimeio.api.patch(url, json={"status": "investigating"}))["incident"]
    assert reopened["status"] == "investigating"
    assert reopened["resolved_at"] is None
    assert data(uptimeio.api.patch(url, json={}))["incident"]["title"] == "Renamed"


def test_severity_only_patch_posts_no_timeline_update_and_keeps_the_status(uptimeio: UptimeIOSandbox) -> None:
    """What escalation relies on: a severity change is an absolute field write, not a new message."""
    incident_id = uptimeio.create(severity="minor", status="resolved")
    before = uptimeio.incident(incident_id)
    patched = data(uptimeio.api.patch(f"{INCIDENTS}/{incident_id}", json={"severity": "major"}))["incident"]
    assert (patched["severity"], patched["status"]) == ("major", "resolved")
    assert patched["resolved_at"] == before["resolved_at"]
    assert len(uptimeio.updates(incident_id)) == len(before["updates"])


def test_patch_validation_matches_the_documented_errors(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    url = f"{INCIDENTS}/{incident_id}"
    before = uptimeio.incident(incident_id)

    def refused(body: Any, **kwargs: Any) -> str:
        response = (
            uptimeio.api.patch(url, json=body, **kwargs)
            if body is not None
            else uptimeio.api.patch(url, **kwargs)
        )
        assert response.status_code == 400, response.text
        assert error(response)["code"] == "VALIDATION_ERROR"
        return str(error(response)["message"])

    assert refused({"status": "closed"}) == (
        "Validation failed: status: Invalid enum value. Expected 'investigating' | 'identified' | "
        "'monitoring' | 'resolved'"
    )
    assert (
        refused({"title": "x" * 201})
        == "Validation failed: title: String must contain at most 200 character(s)"
    )
    assert "message: String must contain at least 1" in refused({"message": ""})
    assert "severity: Invalid enum value" in refused({"severity": "sev1"})
    assert "affected_monitor_ids: Array must contain at least 1" in refused({"affected_monitor_ids": []})
    assert "affected_monitor_ids.0: Invalid uuid" in refused({"affected_monitor_ids": ["x"]})
    assert "Unrecognized key(s) in object: 'assignees'" in refused({"assignees": ["u"]})
    assert "title: Expected string, received number" in refused({"title": 5})
    assert "Expected object, received array" in refused([1])
    exports = MONITORS[3].id
    assert refused({"affected_monitor_ids": [exports]}) == (
        f"Invalid monitor IDs: {exports} - monitors must belong to this status page"
    )
    assert refused(None, content=b'{"title": "x"}', headers={"Content-Type": "text/plain"}) == (
        "Content-Type must be application/json"
    )
    assert (
        refused(None, content=b"{", headers={"Content-Type": "application/json"})
        == "Invalid JSON in request body"
    )
    assert uptimeio.incident(incident_id) == before


def test_resolve_sets_resolved_at_and_adds_the_resolution_update_once(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("monitoring")
    url = f"{INCIDENTS}/{incident_id}/resolve"
    body = data(uptimeio.api.post(url, json={"message": "All systems operational."}))
    assert body["incident"]["status"] == "resolved"
    assert body["incident"]["resolved_at"] is not None
    assert body["resolution_update"]["message"] == "All systems operational."
    assert body["resolution_update"]["status"] == "resolved"
    assert uptimeio.updates(incident_id)[0]["id"] == body["resolution_update"]["id"]
    again = uptimeio.api.post(url)
    assert again.status_code == 400
    assert error(again) == {"code": "VALIDATION_ERROR", "message": "Incident is already resolved"}
    other = uptimeio.with_status("identified")
    default = data(uptimeio.api.post(f"{INCIDENTS}/{other}/resolve"))
    assert default["resolution_update"]["message"] == "This incident has been resolved."
    too_long = uptimeio.api.post(f"{INCIDENTS}/{other}/resolve", json={"message": "x" * 5001})
    assert too_long.status_code == 400


def test_updates_are_201_move_the_status_and_page(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    url = f"{INCIDENTS}/{incident_id}/updates"
    created = uptimeio.api.post(url, json={"message": "Root cause found.", "status": "identified"})
    assert created.status_code == 201
    update = data(created)["update"]
    assert (update["incident_id"], update["message"], update["status"]) == (
        incident_id,
        "Root cause found.",
        "identified",
    )
    assert uptimeio.incident(incident_id)["status"] == "identified"
    missing = uptimeio.api.post(url, json={})
    assert error(missing)["message"] == "Validation failed: message: Required; status: Required"
    assert uptimeio.api.post(url, json={"message": "x" * 5001, "status": "identified"}).status_code == 400
    for index in range(3):
        uptimeio.api.post(url, json={"message": f"m{index}", "status": "identified"}).raise_for_status()
    newest = data(uptimeio.api.get(url, params={"limit": 2}))["updates"]
    assert [u["message"] for u in newest] == ["m2", "m1"]
    oldest = data(uptimeio.api.get(url, params={"limit": 2, "page": 2, "sort_order": "asc"}))["updates"]
    assert [u["message"] for u in oldest] == ["m0", "m1"]
    assert uptimeio.api.get(url, params={"limit": 101}).status_code == 400


def test_list_pages_filters_and_sorts_without_paging_fields(uptimeio: UptimeIOSandbox) -> None:
    for index in range(5):
        uptimeio.create(title=f"Extra {index}")
    everything = uptimeio.incidents()
    assert len(everything) == 9
    first = data(uptimeio.api.get(INCIDENTS, params={"limit": 4}))
    assert set(first) == {"incidents"}, "UptimeIO documents no paging fields"
    pages = [
        data(uptimeio.api.get(INCIDENTS, params={"limit": 4, "page": p}))["incidents"] for p in (1, 2, 3)
    ]
    assert [len(page) for page in pages] == [4, 4, 1]
    assert [i["id"] for page in pages for i in page] == [i["id"] for i in everything]
    created = [i["created_at"] for i in everything]
    assert created == sorted(created, reverse=True), "newest first by default"
    assert {i["status"] for i in uptimeio.incidents(status="monitoring")} == {"monitoring"}
    assert {i["severity"] for i in uptimeio.incidents(severity="critical")} == {"critical"}
    by_severity = [i["severity"] for i in uptimeio.incidents(sort_by="severity", sort_order="asc")]
    assert by_severity[0] == "minor"
    assert by_severity[-1] == "critical"
    for params in ({"limit": 0}, {"limit": 101}, {"page": "x"}, {"status": "open"}, {"sort_by": "title"}):
        assert uptimeio.api.get(INCIDENTS, params=params).status_code == 400, params


# ---------------------------------------------------------------- rate limits, CLI, connections


def test_rate_limit_is_429_with_retry_after(uptimeio: UptimeIOSandbox) -> None:
    uptimeio.configure(rate_limit_per_minute=2)
    assert [uptimeio.api.get(INCIDENTS).status_code for _ in range(2)] == [200, 200]
    limited = uptimeio.api.get(INCIDENTS)
    assert limited.status_code == 429
    assert error(limited)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    uptimeio.configure(omit_rate_limit_headers=True)
    assert "retry-after" not in uptimeio.api.get(INCIDENTS).headers
    uptimeio.configure(bare_429=True)
    bare = uptimeio.api.get(INCIDENTS)
    assert (bare.status_code, bare.content) == (429, b"")


def test_cli_flag_and_sandbox_connection(uptimeio: UptimeIOSandbox) -> None:
    assert build_parser().parse_args(["--token-uptimeio", "my-key"]).token_uptimeio == "my-key"
    connection = sandbox_connections("http://127.0.0.1:8989")["uptimeio_sandbox"]
    assert connection["conn_type"] == "uptimeio_incidents"
    assert connection["host"] == "http://127.0.0.1:8989/uptimeio"
    assert connection["extra"] == {"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID}
    served = uptimeio.server.connections()["uptimeio_sandbox"]
    assert served["password"] == uptimeio.key
