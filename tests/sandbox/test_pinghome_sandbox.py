"""The Pinghome sandbox over real HTTP on 127.0.0.1: auth, sign-in, validation, replacement, paging."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxConfig
from airflow_incident_provider.sandbox.config import DEFAULT_TOKENS
from airflow_incident_provider.sandbox.connections import connection_env_line, sandbox_connections
from airflow_incident_provider.sandbox.pinghome import (
    ACCOUNT_EMAIL,
    DEFAULT_TEAM_ID,
    PAYMENTS_TEAM,
    SIGNIN_SECRET,
    USERS,
)
from tests.fixtures_pinghome import PinghomeSandbox

USER = USERS[1].id


def put(ph: PinghomeSandbox, incident_id: str, **body: Any) -> httpx.Response:
    return ph.cmd.put(f"/incident/{incident_id}", json=body)


def full(ph: PinghomeSandbox, incident_id: str) -> dict[str, Any]:
    """The documented replacement body of an incident as it is now."""
    current = ph.incident(incident_id)
    return {key: current[key] for key in ("name", "description", "urgency", "assignees", "actions")}


def sign_in(ph: PinghomeSandbox, email: str = ACCOUNT_EMAIL, password: str | None = None) -> httpx.Response:
    body = {"email": email, "password": ph.password if password is None else password}
    return httpx.post(f"{ph.gateway}/auth/v1/auth", json=body, timeout=10)


# ---------------------------------------------------------------- auth and services


def test_missing_wrong_or_non_bearer_token_is_401_without_echoing_it(ph: PinghomeSandbox) -> None:
    path = f"/team/{ph.team_id}/incidents"
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": f"Basic {ph.token}"},
    ):
        response = ph.query.get(path, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized"}
        assert "not-the-token" not in response.text
    assert ph.cmd.put("/incident/x", json={}, headers={"Authorization": ""}).status_code == 401


def test_health_checks_need_no_token_on_either_service_and_prefix(ph: PinghomeSandbox) -> None:
    for service in ("incident-cmd", "incident-query"):
        for prefix in ("/v1", "/default/v1"):
            response = httpx.get(f"{ph.gateway}/{service}{prefix}/health-check", timeout=10)
            assert response.status_code == 200, (service, prefix)
            assert response.json() == {"message": "Service is healthy"}


def test_default_prefix_serves_the_same_api(ph: PinghomeSandbox) -> None:
    url = f"{ph.gateway}/incident-query/default/v1/team/{ph.team_id}/incidents"
    response = httpx.get(url, headers={"Authorization": f"Bearer {ph.token}"}, timeout=10)
    assert response.status_code == 200
    assert len(response.json()["incidents"]) == len(ph.incidents())


def test_sign_in_issues_a_token_both_services_accept(ph: PinghomeSandbox) -> None:
    response = sign_in(ph)
    assert response.status_code == 200
    body = response.json()
    assert body["account"]["email"] == ACCOUNT_EMAIL
    assert body["tokens"]["expires_in"] == 3600
    token = body["tokens"]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert ph.query.get(f"/team/{ph.team_id}/incidents", headers=auth).status_code == 200
    incident_id = ph.with_status("open")
    assert put(ph, incident_id, **full(ph, incident_id)).status_code == 200
    assert ph.cmd.put(f"/incident/{incident_id}", json=full(ph, incident_id), headers=auth).status_code == 200
    log = json.dumps(ph.requests())
    assert ph.password not in log
    assert token not in log
    assert ph.token not in log


def test_sign_in_refuses_wrong_credentials_and_bad_bodies(ph: PinghomeSandbox) -> None:
    for response in (sign_in(ph, password="wrong"), sign_in(ph, email="mallory@example.org")):
        assert response.status_code == 401
        assert response.json() == {"message": "Incorrect email or password"}
    missing = httpx.post(f"{ph.gateway}/auth/v1/auth", json={"email": ACCOUNT_EMAIL}, timeout=10)
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "password", "message": "is required and must be a non-empty string"}
    ]
    garbage = httpx.post(f"{ph.gateway}/auth/v1/auth", content=b"{", timeout=10)
    assert garbage.status_code == 422


def test_signed_in_tokens_expire_with_the_sandbox_clock(ph: PinghomeSandbox) -> None:
    token = sign_in(ph).json()["tokens"]["access_token"]
    ph.expire_sessions()
    response = ph.query.get(f"/team/{ph.team_id}/incidents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"message": "The incoming token has expired"}
    assert ph.query.get(f"/team/{ph.team_id}/incidents").status_code == 200, "the static token never expires"


def test_unknown_routes_and_methods_answer_in_pinghome_style(ph: PinghomeSandbox) -> None:
    missing = ph.query.get("/nothing-here")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    wrong_method = ph.cmd.delete("/incident/x")
    assert wrong_method.status_code == 405
    assert "message" in wrong_method.json()


# ---------------------------------------------------------------- create and replace


def test_create_validates_every_field_at_once(ph: PinghomeSandbox) -> None:
    response = ph.cmd.post(
        f"/team/{ph.team_id}/incident",
        json={
            "name": "",
            "urgency": "critical",
            "status": "open",
            "assignees": [{"type": "group", "id": "g"}],
            "actions": [{"settings": []}],
        },
    )
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["status", "name", "description", "urgency", "assignees[0].type", "actions[0]"]
    unknown = ph.cmd.post(
        f"/team/{ph.team_id}/incident",
        json={
            "name": "n",
            "description": "d",
            "urgency": "low",
            "assignees": [{"type": "user", "id": "nobody"}],
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "assignees[0].id", "message": "no user with id 'nobody'"}]
    assert ph.cmd.post(
        "/team/no-such-team/incident", json={"name": "n", "description": "", "urgency": "low"}
    ).json() == {"message": "Team not found"}


def test_create_returns_the_id_and_the_incident_starts_open(ph: PinghomeSandbox) -> None:
    response = ph.cmd.post(
        f"/team/{ph.team_id}/incident",
        json={
            "name": "Disk full on db-1",
            "description": "95% and rising",
            "urgency": "medium",
            "assignees": [{"type": "user", "id": USER}],
            "actions": [{"id": "", "type": "trigger-alerts", "settings": [{"status_page_id": "sp"}]}],
        },
    )
    assert response.status_code == 201
    incident = ph.incident(response.json()["id"])
    assert (incident["status"], incident["urgency"], incident["resolved_at"]) == ("open", "medium", None)
    assert incident["assignees"] == [{"type": "user", "id": USER}]
    assert incident["actions"][0]["id"], "an empty action id is filled in"
    assert incident["team_id"] == ph.team_id


def test_put_is_a_full_replacement(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(
        assignees=[{"type": "user", "id": USER}],
        actions=[{"type": "trigger-alerts", "settings": []}],
    )
    response = put(ph, incident_id, name="Renamed", description="New text", urgency="low")
    assert (response.status_code, response.json()) == (200, {"message": "Incident updated"})
    incident = ph.incident(incident_id)
    assert (incident["name"], incident["description"], incident["urgency"]) == ("Renamed", "New text", "low")
    assert incident["assignees"] == [], "a PUT without assignees blanks them"
    assert incident["actions"] == [], "a PUT without actions blanks them"
    assert incident["status"] == "open", "a PUT without status keeps it"


def test_put_requires_the_documented_fields(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    response = put(ph, incident_id, name="Only the name")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["description", "urgency"]
    assert ph.incident(incident_id)["name"] != "Only the name", "a refused PUT changes nothing"
    assert put(ph, "no-such-incident", **full(ph, incident_id)).json() == {"message": "Incident not found"}
    assert ph.cmd.put(f"/incident/{incident_id}", content=b"not json").status_code == 422


def test_status_lifecycle_sets_and_clears_its_timestamps(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    body = full(ph, incident_id)
    assert put(ph, incident_id, **body, status="acknowledged").status_code == 200
    acked = ph.incident(incident_id)
    assert acked["status"] == "acknowledged"
    assert acked["acknowledged_at"]
    assert put(ph, incident_id, **body, status="resolved").status_code == 200
    assert ph.incident(incident_id)["resolved_at"]
    assert put(ph, incident_id, **body, status="open").status_code == 200
    reopened = ph.incident(incident_id)
    assert (reopened["status"], reopened["resolved_at"], reopened["acknowledged_at"]) == ("open", None, None)
    bad = put(ph, incident_id, **body, status="closed")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


def test_actions_of_an_incident(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(actions=[{"type": "trigger-alerts", "settings": [{"component_id": "c"}]}])
    actions = ph.query.get(f"/incident/{incident_id}/actions").json()["actions"]
    assert [(a["type"], a["settings"]) for a in actions] == [("trigger-alerts", [{"component_id": "c"}])]
    assert ph.query.get("/incident/nope/actions").status_code == 404


# ---------------------------------------------------------------- listing


def test_list_is_newest_first_and_pages_with_last_received_at(ph: PinghomeSandbox) -> None:
    every = ph.incidents()
    received = [item["received_at"] for item in every]
    assert received == sorted(received, reverse=True)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = ph.query.get(f"/team/{ph.team_id}/incidents", params=params).json()
        assert len(body["incidents"]) <= 2
        seen.extend(item["id"] for item in body["incidents"])
        if body["last_received_at"] is None:
            break
        assert body["last_received_at"] == body["incidents"][-1]["received_at"]
        params["last_received_at"] = body["last_received_at"]
    assert seen == [item["id"] for item in every]


def test_list_validates_paging_and_the_team(ph: PinghomeSandbox) -> None:
    path = f"/team/{ph.team_id}/incidents"
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"last_received_at": "yesterday"}):
        response = ph.query.get(path, params=params)
        assert response.status_code == 422, params
    naive = ph.query.get(path, params={"last_received_at": "2026-01-01T00:00:00"})
    assert naive.json()["errors"] == [{"field": "last_received_at", "message": "must carry a time zone"}]
    assert ph.query.get("/team/nope/incidents").json() == {"message": "Team not found"}


def test_samples_cover_every_status_in_two_teams(ph: PinghomeSandbox) -> None:
    platform = ph.incidents()
    assert {item["status"] for item in platform} == {"open", "acknowledged", "resolved"}
    assert len(platform) >= 5
    assert [item["name"] for item in ph.incidents(PAYMENTS_TEAM.id)] == ["Card processor timeouts"]
    ph.admin.post("/_sandbox/reset", json={"empty": True}).raise_for_status()
    assert ph.incidents() == []


# ---------------------------------------------------------------- rate limits


def test_rate_limit_headers_and_429_with_retry_after(ph: PinghomeSandbox) -> None:
    path = f"/team/{ph.team_id}/incidents"
    ph.configure(rate_limit_per_minute=2)
    first = ph.query.get(path)
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert 0 < int(first.headers["x-ratelimit-reset"]) - time.time() <= 61
    ph.query.get(path)
    limited = ph.query.get(path)
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Requests"}
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    token = sign_in(ph).json()["tokens"]["access_token"]
    other = ph.query.get(path, headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 200, "a signed-in account has its own bucket"


def test_rate_limit_headers_can_be_omitted_and_429_can_be_bare(ph: PinghomeSandbox) -> None:
    path = f"/team/{ph.team_id}/incidents"
    ph.configure(rate_limit_per_minute=1, omit_rate_limit_headers=True)
    assert "x-ratelimit-limit" not in ph.query.get(path).headers
    limited = ph.query.get(path)
    assert limited.status_code == 429
    assert "retry-after" not in limited.headers
    ph.configure(bare_429=True)
    bare = ph.query.get(path)
    assert (bare.status_code, bare.content) == (429, b"")


# ---------------------------------------------------------------- configuration


def test_the_sandbox_connection_is_the_gateway_form() -> None:
    connection = sandbox_connections("http://127.0.0.1:8989/")["pinghome_sandbox"]
    assert connection == {
        "conn_type": "pinghome_incidents",
        "host": "http://127.0.0.1:8989/pinghome",
        "password": DEFAULT_TOKENS["pinghome"],
        "extra": {"team_id": DEFAULT_TEAM_ID},
    }
    line = connection_env_line("pinghome_sandbox", connection)
    assert line.startswith("AIRFLOW_CONN_PINGHOME_SANDBOX='{")


def test_the_sign_in_password_is_a_sandbox_secret() -> None:
    config = SandboxConfig(tokens={"pinghome": "custom-pinghome-token"})
    assert config.token("pinghome") == "custom-pinghome-token"
    assert config.token(SIGNIN_SECRET) == DEFAULT_TOKENS[SIGNIN_SECRET]
    with pytest.raises(ValueError, match="pinghome"):
        SandboxConfig(tokens={"pinghome": "has space"})
