"""The DevHelm sandbox over real HTTP on 127.0.0.1: auth, errors, PUT, timeline, paging, rate limits.

Every body the sandbox answers is checked against the response schemas of DevHelm's spec (the contract
extract), so the emulation cannot drift from the real shapes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.sandbox import SandboxConfig
from airflow_incident_provider.sandbox.__main__ import build_parser
from airflow_incident_provider.sandbox.connections import sandbox_connections
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID, SECOND_STATUS_PAGE_ID
from tests.fixtures_devhelm import DEVHELM_PAGE_PATH, DevHelmSandbox

EXTRACT = json.loads((Path(__file__).parents[1] / "contract" / "devhelm_schemas.json").read_text("utf-8"))
PAGES = "/api/v1/status-pages"
INCIDENTS = f"{DEVHELM_PAGE_PATH}/incidents"
MISSING = "0f0f0f0f-0000-4000-8000-000000000404"
COMPONENT_API = "0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4"
COMPONENT_RUNNERS = "3e9b4f5a-6c7d-4e8f-b091-a2b3c4d5e6f7"


def conforms(response: httpx.Response, operation: str) -> dict[str, Any]:
    """The JSON body, after checking it against the spec: the success schema, or ``ErrorResponse``."""
    body: dict[str, Any] = response.json()
    spec = EXTRACT["operations"][operation]
    if response.is_success:
        assert response.status_code == spec["response"]["status"]
        schema = spec["response"]["schema"]
    else:
        schema = EXTRACT["error_response"]
        assert response.headers["x-request-id"] == body["requestId"]
        assert body["status"] == response.status_code
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    problems = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]
    assert problems == [], problems
    return body


GET_ONE = "GET /api/v1/status-pages/{id}/incidents/{incidentId}"
PUT_ONE = "PUT /api/v1/status-pages/{id}/incidents/{incidentId}"
LIST = "GET /api/v1/status-pages/{id}/incidents"
POST_UPDATE = "POST /api/v1/status-pages/{id}/incidents/{incidentId}/updates"


def error_of(response: httpx.Response, operation: str = GET_ONE) -> dict[str, Any]:
    return conforms(response, operation)


# ---------------------------------------------------------------- auth and errors


def test_missing_wrong_or_non_bearer_credentials_are_401_without_echo(devhelm: DevHelmSandbox) -> None:
    for authorization in (
        "",
        "Bearer not-the-key-7c1e",
        f"Token token={devhelm.key}",
        f"Basic {devhelm.key}",
    ):
        response = devhelm.api.get(INCIDENTS, headers={"Authorization": authorization})
        assert response.status_code == 401, authorization
        body = error_of(response, LIST)
        assert (body["code"], body["message"]) == ("UNAUTHORIZED", "Missing or invalid API key")
        assert "not-the-key" not in response.text
        assert devhelm.key not in response.text
    logged = devhelm.requests()
    assert all("authorization" not in record["headers"] for record in logged)
    assert devhelm.key not in json.dumps(logged)


def test_unknown_things_are_devhelm_404s_and_bad_ids_400s(devhelm: DevHelmSandbox) -> None:
    incident = devhelm.with_status("INVESTIGATING")
    cases = {
        f"{INCIDENTS}/{MISSING}": "Incident not found",
        f"{PAGES}/{MISSING}/incidents/{incident}": "Status page not found",
        f"{PAGES}/{SECOND_STATUS_PAGE_ID}/incidents/{incident}": "Incident not found",
    }
    for path, message in cases.items():
        response = devhelm.api.get(path)
        assert response.status_code == 404
        assert error_of(response)["message"] == message
    bad = error_of(devhelm.api.get(f"{INCIDENTS}/INC-1"))
    assert (bad["code"], bad["errors"][0]["field"], bad["errors"][0]["code"]) == (
        "VALIDATION_FAILED",
        "incidentId",
        "INVALID_FORMAT",
    )
    unknown = devhelm.api.get("/api/v1/nothing-here")
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "NOT_FOUND"
    wrong_method = devhelm.api.delete(f"{INCIDENTS}/{incident}/updates")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "METHOD_NOT_ALLOWED"


# ---------------------------------------------------------------- sample data and reads


def test_samples_cover_every_status_and_two_pages(devhelm: DevHelmSandbox) -> None:
    listed = conforms(devhelm.api.get(INCIDENTS), LIST)
    assert sorted(item["status"] for item in listed["data"]) == [
        "IDENTIFIED",
        "INVESTIGATING",
        "MONITORING",
        "RESOLVED",
    ]
    assert all(item["updates"] is None for item in listed["data"]), "lists carry no timeline"
    assert [item["createdAt"] for item in listed["data"]] == sorted(
        (item["createdAt"] for item in listed["data"]), reverse=True
    )
    other = conforms(devhelm.api.get(f"{PAGES}/{SECOND_STATUS_PAGE_ID}/incidents"), LIST)
    assert [item["title"] for item in other["data"]] == ["CI runners queueing"]
    resolved = conforms(devhelm.api.get(f"{INCIDENTS}/{devhelm.with_status('RESOLVED')}"), GET_ONE)["data"]
    assert [update["status"] for update in resolved["updates"]] == [
        "INVESTIGATING",
        "IDENTIFIED",
        "MONITORING",
        "RESOLVED",
    ]
    assert resolved["resolvedAt"] is not None
    assert resolved["postmortemUrl"] == "https://example.com/postmortems/sso"
    assert resolved["affectedComponents"] == [
        {
            "statusPageComponentId": COMPONENT_API,
            "componentStatus": "OPERATIONAL",
            "componentName": "Public API",
        }
    ]
    pages = conforms(devhelm.api.get(PAGES), "GET /api/v1/status-pages")
    assert [page["id"] for page in pages["data"]] == [DEFAULT_STATUS_PAGE_ID, SECOND_STATUS_PAGE_ID]
    page = conforms(devhelm.api.get(DEVHELM_PAGE_PATH), "GET /api/v1/status-pages/{id}")["data"]
    assert (page["name"], page["componentCount"]) == ("Acme Cloud Status", 3)


def test_reset_can_start_empty(devhelm: DevHelmSandbox) -> None:
    devhelm.admin.post("/_sandbox/reset", json={"empty": True}).raise_for_status()
    assert conforms(devhelm.api.get(INCIDENTS), LIST)["data"] == []
    assert devhelm.api.get(DEVHELM_PAGE_PATH).status_code == 200, "status pages exist even when empty"


# ---------------------------------------------------------------- PUT semantics and validation


def test_put_null_preserves_and_empty_string_clears(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("RESOLVED")
    before = devhelm.incident(incident_id)
    body = {"title": None, "impact": "MINOR", "postmortemUrl": "", "postmortemBody": "## Timeline"}
    after = conforms(devhelm.api.put(f"{INCIDENTS}/{incident_id}", json=body), PUT_ONE)["data"]
    assert after["title"] == before["title"]
    assert after["impact"] == "MINOR"
    assert after["postmortemUrl"] is None
    assert after["postmortemBody"] == "## Timeline"
    assert after["status"] == "RESOLVED"
    assert after["affectedComponents"] == before["affectedComponents"]
    cleared = devhelm.api.put(f"{INCIDENTS}/{incident_id}", json={"postmortemBody": ""}).json()["data"]
    assert cleared["postmortemBody"] is None


def test_put_status_moves_the_incident_without_a_timeline_update(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("MONITORING")
    updates = len(devhelm.timeline(incident_id))
    resolved = conforms(devhelm.api.put(f"{INCIDENTS}/{incident_id}", json={"status": "RESOLVED"}), PUT_ONE)[
        "data"
    ]
    assert resolved["resolvedAt"] is not None
    assert len(resolved["updates"]) == updates
    reopened = devhelm.api.put(f"{INCIDENTS}/{incident_id}", json={"status": "INVESTIGATING"}).json()["data"]
    assert reopened["resolvedAt"] is None


RUNNERS = [{"componentId": COMPONENT_RUNNERS, "status": "OPERATIONAL"}]
"""A component of the other status page."""


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"title": "x" * 501}, "title", "TOO_LONG"),
        ({"title": ""}, "title", "REQUIRED"),
        ({"title": 5}, "title", "INVALID_TYPE"),
        ({"status": "investigating"}, "status", "INVALID_VALUE"),
        ({"impact": "SEV1"}, "impact", "INVALID_VALUE"),
        ({"postmortemUrl": "example.com/pm"}, "postmortemUrl", "INVALID_FORMAT"),
        ({"postmortemUrl": "https://x/" + "a" * 2039}, "postmortemUrl", "TOO_LONG"),
        ({"affectedComponents": RUNNERS}, "affectedComponents", "INVALID_VALUE"),
        (
            {"affectedComponents": [{"componentId": COMPONENT_API}]},
            "affectedComponents[0].status",
            "REQUIRED",
        ),
        (
            {"affectedComponents": [{"componentId": COMPONENT_API, "status": "DOWN"}]},
            "affectedComponents[0].status",
            "INVALID_VALUE",
        ),
    ],
)
def test_put_validation_is_devhelm_shaped_and_changes_nothing(
    devhelm: DevHelmSandbox, body: dict[str, Any], field: str, code: str
) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    before = devhelm.incident(incident_id)
    response = devhelm.api.put(f"{INCIDENTS}/{incident_id}", json=body)
    assert response.status_code == 400
    error = error_of(response, PUT_ONE)
    assert error["code"] == "VALIDATION_FAILED"
    assert [(entry["field"], entry["code"]) for entry in error["errors"]] == [(field, code)]
    assert devhelm.incident(incident_id) == before


def test_writes_take_what_the_spec_takes(devhelm: DevHelmSandbox) -> None:
    """Keys the spec does not declare are ignored (Spring's Jackson default), a blank title is a title
    (only an empty one is refused: see the choices), a body of one space is not empty, and a create not
    scheduled may say so."""
    incident_id = devhelm.with_status("INVESTIGATING")
    put = devhelm.api.put(f"{INCIDENTS}/{incident_id}", json={"title": " ", "description": "x"})
    assert conforms(put, PUT_ONE)["data"]["title"] == " "
    update = {"status": "IDENTIFIED", "body": " ", "visibility": "internal"}
    posted = conforms(devhelm.api.post(f"{INCIDENTS}/{incident_id}/updates", json=update), POST_UPDATE)
    assert (posted["data"]["status"], posted["data"]["updates"][-1]["body"]) == ("IDENTIFIED", " ")
    create = {
        "title": " ",
        "impact": "MINOR",
        "body": "x",
        "scheduled": False,
        "scheduledFor": None,
        "autoResolve": False,
        "affectedComponents": [{"componentId": COMPONENT_API, "status": "OPERATIONAL", "name": "API"}],
    }
    created = conforms(devhelm.api.post(INCIDENTS, json=create), "POST /api/v1/status-pages/{id}/incidents")
    assert (created["data"]["title"], created["data"]["scheduled"]) == (" ", False)


def test_limits_are_inclusive(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    url = "https://x/" + "a" * 2038
    body = {"title": "t" * 500, "postmortemUrl": url}
    updated = conforms(devhelm.api.put(f"{INCIDENTS}/{incident_id}", json=body), PUT_ONE)["data"]
    assert (len(updated["title"]), updated["postmortemUrl"]) == (500, url)


def test_writes_need_a_json_body(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    as_text = devhelm.api.put(
        f"{INCIDENTS}/{incident_id}", content='{"title": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415
    assert error_of(as_text, PUT_ONE)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    broken = devhelm.api.put(
        f"{INCIDENTS}/{incident_id}", content="{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert error_of(broken, PUT_ONE)["message"] == "Malformed JSON request body"
    array = devhelm.api.post(f"{INCIDENTS}/{incident_id}/updates", json=[])
    assert array.status_code == 400


# ---------------------------------------------------------------- timeline updates and create


def test_timeline_update_moves_the_status_and_returns_201_with_the_incident(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    body = {"status": "RESOLVED", "body": "Fixed.", "notifySubscribers": False}
    created = devhelm.api.post(f"{INCIDENTS}/{incident_id}/updates", json=body)
    data = conforms(created, POST_UPDATE)["data"]
    assert (data["status"], data["updates"][-1]["body"]) == ("RESOLVED", "Fixed.")
    assert data["updates"][-1]["notifySubscribers"] is False
    assert data["updates"][-1]["createdBy"] == "USER"
    assert data["resolvedAt"] is not None
    default = {"status": "INVESTIGATING", "body": "It is back.", "affectedComponents": []}
    reopened = conforms(devhelm.api.post(f"{INCIDENTS}/{incident_id}/updates", json=default), POST_UPDATE)[
        "data"
    ]
    assert reopened["updates"][-1]["notifySubscribers"] is True, "DevHelm notifies unless told not to"
    assert reopened["resolvedAt"] is None
    assert reopened["affectedComponents"] == []


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"body": "x"}, "status", "REQUIRED"),
        ({"status": "RESOLVED"}, "body", "REQUIRED"),
        ({"status": "RESOLVED", "body": ""}, "body", "REQUIRED"),
        ({"status": "Resolved", "body": "x"}, "status", "INVALID_VALUE"),
        ({"status": "RESOLVED", "body": "x", "notifySubscribers": "no"}, "notifySubscribers", "INVALID_TYPE"),
    ],
)
def test_timeline_update_validation(
    devhelm: DevHelmSandbox, body: dict[str, Any], field: str, code: str
) -> None:
    incident_id = devhelm.with_status("IDENTIFIED")
    response = devhelm.api.post(f"{INCIDENTS}/{incident_id}/updates", json=body)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in error_of(response, POST_UPDATE)["errors"]] == [(field, code)]


def test_create_defaults_to_investigating(devhelm: DevHelmSandbox) -> None:
    body = {"title": "Search down", "impact": "MAJOR", "body": "Looking into it."}
    created = conforms(devhelm.api.post(INCIDENTS, json=body), "POST /api/v1/status-pages/{id}/incidents")[
        "data"
    ]
    assert (created["status"], created["statusPageId"]) == ("INVESTIGATING", DEFAULT_STATUS_PAGE_ID)
    assert [update["body"] for update in created["updates"]] == ["Looking into it."]
    missing = devhelm.api.post(INCIDENTS, json={"title": "x", "impact": "MAJOR"})
    assert error_of(missing, "POST /api/v1/status-pages/{id}/incidents")["errors"][0]["field"] == "body"


POST_CREATE = "POST /api/v1/status-pages/{id}/incidents"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"impact": "MAJOR", "body": "x"}, "title", "REQUIRED"),
        ({"title": "", "impact": "MAJOR", "body": "x"}, "title", "REQUIRED"),
        ({"title": "x" * 501, "impact": "MAJOR", "body": "x"}, "title", "TOO_LONG"),
        ({"title": "t", "body": "x"}, "impact", "REQUIRED"),
        ({"title": "t", "impact": "major", "body": "x"}, "impact", "INVALID_VALUE"),
        ({"title": "t", "impact": "MAJOR", "body": "x", "status": "OPEN"}, "status", "INVALID_VALUE"),
        (
            {"title": "t", "impact": "MAJOR", "body": "x", "notifySubscribers": 1},
            "notifySubscribers",
            "INVALID_TYPE",
        ),
        ({"title": "t", "impact": "MAJOR", "body": "x", "scheduled": True}, "scheduled", "NOT_EMULATED"),
        (
            {"title": "t", "impact": "MAJOR", "body": "x", "scheduledFor": "noon"},
            "scheduledFor",
            "INVALID_FORMAT",
        ),
        (
            {
                "title": "t",
                "impact": "MAJOR",
                "body": "x",
                "affectedComponents": [{"componentId": COMPONENT_RUNNERS, "status": "OPERATIONAL"}],
            },
            "affectedComponents",
            "INVALID_VALUE",
        ),
    ],
)
def test_create_validation_is_devhelm_shaped_and_creates_nothing(
    devhelm: DevHelmSandbox, body: dict[str, Any], field: str, code: str
) -> None:
    before = len(devhelm.incidents())
    response = devhelm.api.post(INCIDENTS, json=body)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in error_of(response, POST_CREATE)["errors"]] == [(field, code)]
    assert len(devhelm.incidents()) == before


def test_create_emails_subscribers_unless_told_not_to(devhelm: DevHelmSandbox) -> None:
    """DevHelm's documented default for ``notifySubscribers`` is true, on create as on updates."""
    body = {"title": "t", "impact": "NONE", "body": "x"}
    default = conforms(devhelm.api.post(INCIDENTS, json=body), POST_CREATE)["data"]
    quiet = conforms(devhelm.api.post(INCIDENTS, json={**body, "notifySubscribers": False}), POST_CREATE)[
        "data"
    ]
    assert [default["updates"][0]["notifySubscribers"], quiet["updates"][0]["notifySubscribers"]] == [
        True,
        False,
    ]
    assert default["id"] != quiet["id"], "creating is not idempotent: the same body makes a second incident"


# ---------------------------------------------------------------- listing


def test_paging_and_status_filters(devhelm: DevHelmSandbox) -> None:
    for index in range(3):
        devhelm.create(title=f"Extra {index}")
    first = conforms(devhelm.api.get(INCIDENTS, params={"page": 0, "size": 3}), LIST)
    assert (len(first["data"]), first["hasNext"], first["hasPrev"]) == (3, True, False)
    assert (first["totalElements"], first["totalPages"]) == (7, 3)
    last = conforms(devhelm.api.get(INCIDENTS, params={"page": 2, "size": 3}), LIST)
    assert (len(last["data"]), last["hasNext"], last["hasPrev"]) == (1, False, True)
    seen = [
        item["id"]
        for page in range(3)
        for item in devhelm.api.get(INCIDENTS, params={"page": page, "size": 3}).json()["data"]
    ]
    assert len(set(seen)) == 7
    default = devhelm.api.get(INCIDENTS).json()
    assert len(default["data"]) == 7, "Spring's default page size is 20"
    repeated = devhelm.api.get(INCIDENTS, params=[("status", "INVESTIGATING"), ("status", "RESOLVED")]).json()
    comma = devhelm.api.get(INCIDENTS, params={"status": "INVESTIGATING,RESOLVED"}).json()
    assert repeated == comma
    assert {item["status"] for item in repeated["data"]} == {"INVESTIGATING", "RESOLVED"}
    assert len(repeated["data"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "investigating"}, "status"),
        ({"page": -1}, "page"),
        ({"size": 0}, "size"),
        ({"size": "x"}, "size"),
    ],
)
def test_list_query_validation(devhelm: DevHelmSandbox, params: dict[str, Any], field: str) -> None:
    response = devhelm.api.get(INCIDENTS, params=params)
    assert response.status_code == 400
    assert error_of(response, LIST)["errors"][0]["field"] == field


# ---------------------------------------------------------------- rate limits


def test_rate_limit_headers_and_429_with_retry_after(devhelm: DevHelmSandbox) -> None:
    devhelm.configure(rate_limit_per_minute=2)
    first = devhelm.api.get(INCIDENTS)
    assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == ("2", "1")
    reset = int(first.headers["x-ratelimit-reset"])
    now = datetime.fromisoformat(devhelm.admin.get("/_sandbox/clock").json()["now"]).timestamp()
    assert now < reset <= now + 61, "X-RateLimit-Reset is epoch seconds (of the sandbox clock)"
    devhelm.api.get(INCIDENTS)
    limited = devhelm.api.get(INCIDENTS)
    assert limited.status_code == 429
    body = error_of(limited, LIST)
    assert (body["code"], body["message"]) == ("RATE_LIMITED", "Rate limit exceeded")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert devhelm.api.get(INCIDENTS, headers={"Authorization": "Bearer wrong"}).status_code == 401
    devhelm.admin.put("/_sandbox/clock", json={"advance_seconds": 61}).raise_for_status()
    assert devhelm.api.get(INCIDENTS).status_code == 200, "the window slides with the sandbox clock"


def test_rate_limit_variants_without_headers_or_body(devhelm: DevHelmSandbox) -> None:
    devhelm.configure(rate_limit_per_minute=1, omit_rate_limit_headers=True)
    assert "x-ratelimit-limit" not in devhelm.api.get(INCIDENTS).headers
    plain = devhelm.api.get(INCIDENTS)
    assert plain.status_code == 429
    assert "retry-after" not in plain.headers
    assert plain.json()["code"] == "RATE_LIMITED"
    devhelm.configure(bare_429=True)
    bare = devhelm.api.get(INCIDENTS)
    assert (bare.status_code, bare.content) == (429, b"")


# ---------------------------------------------------------------- connections and CLI


def test_sandbox_connection_and_cli_token() -> None:
    config = SandboxConfig(tokens={"devhelm": "dh-cli-key-1"})
    connection = sandbox_connections("http://127.0.0.1:8989", config)["devhelm_sandbox"]
    assert connection == {
        "conn_type": "devhelm_incidents",
        "host": "http://127.0.0.1:8989/devhelm",
        "password": "dh-cli-key-1",
        "extra": {"status_page_id": DEFAULT_STATUS_PAGE_ID},
    }
    assert build_parser().parse_args(["--token-devhelm", "k-1"]).token_devhelm == "k-1"
