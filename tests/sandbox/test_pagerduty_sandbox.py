"""The PagerDuty sandbox over real HTTP on 127.0.0.1: auth, headers, lifecycle, paging, rate limits, CLI."""

from __future__ import annotations

import json
import os
import queue
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxConfig, SandboxServer
from airflow_incident_provider.sandbox.connections import (
    PAGERDUTY_CONN_ID,
    connection_env_line,
    sandbox_connections,
)
from airflow_incident_provider.sandbox.core import RateLimiter, SandboxClock
from airflow_incident_provider.sandbox.pagerduty import DEFAULT_FROM_EMAIL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TOKEN = "pd-sandbox-test-token-5b1e9d77c2"
ACCEPT = "application/vnd.pagerduty+json;version=2"
SERVICE = {"id": "PSVC001", "type": "service_reference"}
SRC_DIR = Path(__file__).resolve().parents[2]


def headers(*, write: bool = False, token: str = TOKEN, sender: str = DEFAULT_FROM_EMAIL) -> dict[str, str]:
    result = {"Authorization": f"Token token={token}", "Accept": ACCEPT}
    if write:
        result["From"] = sender
    return result


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(config=SandboxConfig(tokens={"pagerduty": TOKEN})) as running:
        yield running


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/_sandbox", timeout=5) as client:
        assert client.post("/reset").status_code == 200
        yield client


@pytest.fixture
def pd(server: SandboxServer, admin: httpx.Client) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.vendor_url("pagerduty"), headers=headers(), timeout=5) as client:
        yield client


def create(pd: httpx.Client, title: str = "Disk full on db-1", **fields: Any) -> dict[str, Any]:
    body = {"incident": {"type": "incident", "title": title, "service": SERVICE, **fields}}
    response = pd.post("/incidents", json=body, headers=headers(write=True))
    assert response.status_code == 201, response.text
    return response.json()["incident"]  # type: ignore[no-any-return]


def put(
    pd: httpx.Client, incident_id: str, sender: str = DEFAULT_FROM_EMAIL, **fields: Any
) -> httpx.Response:
    body = {"incident": {"type": "incident_reference", **fields}}
    return pd.put(f"/incidents/{incident_id}", json=body, headers=headers(write=True, sender=sender))


def error(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- auth and headers


def test_missing_or_wrong_token_is_401_without_echoing_it(pd: httpx.Client) -> None:
    missing = pd.get("/incidents", headers={"Authorization": ""})
    wrong = pd.get("/incidents", headers={"Authorization": "Token token=not-the-right-token"})
    malformed = pd.get("/incidents", headers={"Authorization": f"Basic {TOKEN}"})
    for response in (missing, wrong, malformed):
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Authentication failed", "code": 2006}}
    assert "not-the-right-token" not in wrong.text


def test_bearer_token_is_accepted(pd: httpx.Client) -> None:
    response = pd.get("/incidents", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert len(response.json()["incidents"]) == 4


def test_accept_header_must_be_the_v2_media_type(pd: httpx.Client) -> None:
    for accept in ("", "application/json", "application/vnd.pagerduty+json;version=1"):
        response = pd.get("/incidents", headers={"Accept": accept})
        assert response.status_code == 400, accept
        assert error(response)["code"] == 2001
        assert error(response)["message"] == "Invalid Input Provided"
        assert "Accept" in error(response)["errors"][0]
    tolerant = pd.get("/incidents", headers={"Accept": "Application/VND.PagerDuty+JSON; version=2"})
    assert tolerant.status_code == 200


def test_writes_need_a_known_from_user_and_json(pd: httpx.Client) -> None:
    incident_id = pd.get("/incidents").json()["incidents"][0]["id"]
    body = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    no_from = pd.put(f"/incidents/{incident_id}", json=body)
    stranger = pd.put(f"/incidents/{incident_id}", json=body, headers={"From": "mallory@example.org"})
    for response in (no_from, stranger):
        assert response.status_code == 400
        assert error(response)["code"] == 2001
        assert "From" in error(response)["errors"][0]
    as_form = pd.put(
        f"/incidents/{incident_id}",
        content=json.dumps(body),
        headers={"From": DEFAULT_FROM_EMAIL, "Content-Type": "text/plain"},
    )
    assert as_form.status_code == 400
    assert "Content-Type" in error(as_form)["errors"][0]
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] != "acknowledged"


# ---------------------------------------------------------------- incident lifecycle


def test_create_get_update_and_notes_round_trip(pd: httpx.Client, server: SandboxServer) -> None:
    created = create(
        pd,
        urgency="low",
        incident_key="disk-db-1",
        priority={"id": "PPRIO02", "type": "priority_reference"},
        body={"type": "incident_body", "details": "95% used"},
    )
    assert created["id"].startswith("Q")
    assert created["type"] == "incident"
    assert created["status"] == "triggered"
    assert created["summary"] == f"[#{created['incident_number']}] Disk full on db-1"
    assert created["self"] == f"{server.vendor_url('pagerduty')}/incidents/{created['id']}"
    assert created["priority"]["name"] == "P2"
    assert created["priority"]["type"] == "priority"
    assert created["service"] == {
        **SERVICE,
        **{k: created["service"][k] for k in ("summary", "self", "html_url")},
    }
    assert [a["assignee"]["id"] for a in created["assignments"]] == ["PUSER01"]
    assert created["escalation_level"] == 1
    assert created["resolved_at"] is None

    fetched = pd.get(f"/incidents/{created['id']}").json()["incident"]
    assert fetched == created
    with_body = pd.get(f"/incidents/{created['id']}", params={"include[]": "body"}).json()["incident"]
    assert with_body["body"] == {"type": "incident_body", "details": "95% used"}

    acked = put(pd, created["id"], sender="blair.chen@example.com", status="acknowledged").json()["incident"]
    assert acked["status"] == "acknowledged"
    assert [a["acknowledger"]["id"] for a in acked["acknowledgements"]] == ["PUSER02"]
    assert acked["last_status_change_by"]["id"] == "PUSER02"

    escalated = put(pd, created["id"], escalation_level=3, title="Disk full on db-1 and db-2").json()[
        "incident"
    ]
    assert escalated["escalation_level"] == 3
    assert sorted(a["assignee"]["id"] for a in escalated["assignments"]) == ["PUSER03", "PUSER04"]
    assert escalated["title"] == "Disk full on db-1 and db-2"

    first = pd.post(
        f"/incidents/{created['id']}/notes",
        json={"note": {"content": "Rotating logs now."}},
        headers=headers(write=True),
    )
    assert first.status_code == 200  # PagerDuty answers 200, not 201
    note = first.json()["note"]
    assert note["content"] == "Rotating logs now."
    assert note["user"]["id"] == "PUSER01"
    assert note["user"]["type"] == "user_reference"
    assert note["channel"] == {"summary": "The PagerDuty website or APIs"}
    pd.post(
        f"/incidents/{created['id']}/notes",
        json={"note": {"content": "Freed 40 GB."}},
        headers=headers(write=True),
    )
    notes = pd.get(f"/incidents/{created['id']}/notes").json()["notes"]
    assert [n["content"] for n in notes] == ["Rotating logs now.", "Freed 40 GB."]

    resolved = put(pd, created["id"], status="resolved", resolution="Logs rotated.").json()["incident"]
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    assert resolved["assignments"] == []
    assert resolved["acknowledgements"] == []

    log = pd.get(f"/incidents/{created['id']}/log_entries").json()["log_entries"]
    types = [entry["type"] for entry in reversed(log)]  # the API lists newest first
    assert types[0] == "trigger_log_entry"
    assert "acknowledge_log_entry" in types
    assert "escalate_log_entry" in types
    assert types.count("annotate_log_entry") == 2
    assert types[-1] == "resolve_log_entry"
    assert log[0]["note"] == "Logs rotated."
    assert log[0]["incident"]["id"] == created["id"]


def test_note_validation_and_unknown_incident(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    for note in ({"content": "x" * 25_001}, {}, {"content": 7}, {"content": None}):
        response = pd.post(
            f"/incidents/{incident_id}/notes", json={"note": note}, headers=headers(write=True)
        )
        assert response.status_code == 400, note
        assert error(response)["code"] == 2001
    at_limit = pd.post(
        f"/incidents/{incident_id}/notes",
        json={"note": {"content": "y" * 25_000}},
        headers=headers(write=True),
    )
    assert at_limit.status_code == 200


def test_writes_take_what_the_spec_takes(pd: httpx.Client) -> None:
    """Keys the spec does not declare are ignored (as PagerDuty's servers do), an empty title or note is
    text the spec allows, an empty assignment list names nobody, and an incident type may name none."""
    incident_id = create(pd)["id"]
    body = {
        "incident": {
            "type": "incident_reference",
            "title": "",
            "severity": "high",
            "assignments": [],
            "incident_type": {},
            "conference_bridge": {"conference_url": "https://meet.example.com/x", "pin": "1234"},
        },
        "dry_run": True,
    }
    updated = pd.put(f"/incidents/{incident_id}", json=body, headers=headers(write=True))
    assert updated.status_code == 200, updated.text
    incident = updated.json()["incident"]
    assert incident["title"] == ""
    assert [a["assignee"]["id"] for a in incident["assignments"]] == ["PUSER01"], "assignees stay"
    assert incident["conference_bridge"] == {"conference_url": "https://meet.example.com/x"}
    for note in ({"content": ""}, {"content": "ok", "subject": "x"}):
        response = pd.post(
            f"/incidents/{incident_id}/notes", json={"note": note, "x": 1}, headers=headers(write=True)
        )
        assert response.status_code == 200, response.text
    assert pd.get(f"/incidents/{incident_id}/notes").json()["notes"][-1]["content"] == "ok"


def test_create_holds_the_body_to_the_spec(pd: httpx.Client) -> None:
    """The create's priority is a reference (the name form is the update's); its body needs a type and
    takes details as an object or as text (the provider sends text); an empty title is a title."""

    def post(**fields: Any) -> httpx.Response:
        body = {"incident": {"type": "incident", "title": "", "service": SERVICE, **fields}, "x": 1}
        return pd.post("/incidents", json=body, headers=headers(write=True))

    assert post(body={"type": "incident_body", "details": "db-1 at 99%"}).status_code == 201
    assert post(body={"type": "incident_body", "details": {"host": "db-1"}}).status_code == 201
    assert (
        "details must be an object or text" in error(post(body={"type": "x", "details": None}))["errors"][0]
    )
    assert "body.type is required" in error(post(body={"details": {}}))["errors"][0]
    assert "incident.priority must be a JSON object" in error(post(priority="P1"))["errors"][0]


def test_priority_and_references_that_name_nothing_are_refused_by_lookup(pd: httpx.Client) -> None:
    """The spec takes any string for a priority name or a reference id; what names nothing is refused
    as PagerDuty does, for the account's data (1020 Invalid Priority, 1014, Invalid Input naming the id)."""
    incident_id = create(pd)["id"]
    assert error(put(pd, incident_id, priority=""))["code"] == 1020
    assert error(put(pd, incident_id, priority={"id": "", "type": "priority_reference"}))["code"] == 1020
    policy = {"id": "", "type": "escalation_policy_reference"}
    assert error(put(pd, incident_id, escalation_policy=policy))["code"] == 1014
    nobody = put(pd, incident_id, assignments=[{"assignee": {"id": "", "type": "user_reference"}}])
    assert "is not a user on this account" in error(nobody)["errors"][0]
    echo = {"id": "PUSER02", "type": "user_reference", "summary": 7}
    assert (
        "summary must be a string"
        in error(put(pd, incident_id, assignments=[{"assignee": echo}]))["errors"][0]
    )


def test_unknown_incident_is_404_2100(pd: httpx.Client) -> None:
    not_found = {"error": {"message": "Not Found", "code": 2100}}
    assert pd.get("/incidents/QDOESNOTEXIST1").json() == not_found
    assert pd.get("/incidents/QDOESNOTEXIST1").status_code == 404
    assert put(pd, "QDOESNOTEXIST1", status="resolved").status_code == 404
    notes = pd.post(
        "/incidents/QDOESNOTEXIST1/notes", json={"note": {"content": "x"}}, headers=headers(write=True)
    )
    assert notes.status_code == 404
    assert notes.json() == not_found
    assert pd.get("/incidents/QDOESNOTEXIST1/notes").status_code == 404


def test_resolving_twice_is_1001(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    assert put(pd, incident_id, status="resolved").status_code == 200
    again = put(pd, incident_id, status="resolved")
    assert again.status_code == 400
    assert error(again) == {"message": "Incident Already Resolved", "code": 1001}


def test_unknown_status_is_1003_and_bad_fields_are_2001(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    bad_status = put(pd, incident_id, status="closed")
    assert bad_status.status_code == 400
    assert error(bad_status)["code"] == 1003

    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": 42}, "incident.title"),
        ({"urgency": "medium"}, "incident.urgency"),
        ({"escalation_level": 4}, "incident.escalation_level"),
        ({"escalation_level": "2"}, "incident.escalation_level"),
        ({"assignments": [{"assignee": {"id": "PNOBODY", "type": "user_reference"}}]}, "PNOBODY"),
        ({"assignments": [{"assignee": {"id": "PUSER02", "type": "user"}}]}, "incident.assignments[0]"),
    ]
    for fields, named in cases:
        response = put(pd, incident_id, **fields)
        assert response.status_code == 400, fields
        assert error(response)["code"] == 2001, fields
        assert named in " ".join(error(response)["errors"]), (fields, response.text)
    missing_type = pd.put(
        f"/incidents/{incident_id}", json={"incident": {"status": "resolved"}}, headers=headers(write=True)
    )
    assert missing_type.status_code == 400
    assert "incident.type" in error(missing_type)["errors"][0]
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"


def test_setting_an_open_status_on_a_resolved_incident_reopens_it(pd: httpx.Client) -> None:
    incident_id = create(pd, urgency="high")["id"]
    put(pd, incident_id, status="resolved", resolution="False alarm")

    reopened = put(pd, incident_id, status="triggered").json()["incident"]
    assert reopened["status"] == "triggered"
    assert reopened["resolved_at"] is None
    assert [a["assignee"]["id"] for a in reopened["assignments"]] == ["PUSER01"]

    put(pd, incident_id, status="resolved")
    reacked = put(pd, incident_id, sender="casey.okafor@example.com", status="acknowledged").json()[
        "incident"
    ]
    assert reacked["status"] == "acknowledged"
    assert reacked["resolved_at"] is None
    assert [a["acknowledger"]["id"] for a in reacked["acknowledgements"]] == ["PUSER03"]
    assert [a["assignee"]["id"] for a in reacked["assignments"]] == ["PUSER03"]


def test_incident_key_dedupes_creates_while_open(pd: httpx.Client) -> None:
    first = create(pd, incident_key="job-42")
    body = {"incident": {"type": "incident", "title": "again", "service": SERVICE, "incident_key": "job-42"}}
    duplicate = pd.post("/incidents", json=body, headers=headers(write=True))
    assert duplicate.status_code == 400
    assert error(duplicate)["code"] == 2001
    assert "already exists" in error(duplicate)["errors"][0]
    found = pd.get("/incidents", params={"incident_key": "job-42"}).json()["incidents"]
    assert [i["id"] for i in found] == [first["id"]]
    put(pd, first["id"], status="resolved")
    assert pd.post("/incidents", json=body, headers=headers(write=True)).status_code == 201


def test_incident_key_search_is_per_service_any_status_newest_first(pd: httpx.Client) -> None:
    """What the provider's create looks for before posting: the key on one service, resolved ones too."""
    old = create(pd, incident_key="job-7")
    put(pd, old["id"], status="resolved")
    new = create(pd, incident_key="job-7")
    elsewhere = create(pd, incident_key="job-7", service={"id": "PSVC002", "type": "service_reference"})
    params = {"incident_key": "job-7", "service_ids[]": "PSVC001", "date_range": "all"}
    found = pd.get("/incidents", params={**params, "sort_by": "created_at:desc"}).json()["incidents"]
    assert [i["id"] for i in found] == [new["id"], old["id"]]
    assert elsewhere["id"] not in {i["id"] for i in found}


def test_escalating_a_resolved_incident_is_1006_unless_it_reopens(pd: httpx.Client) -> None:
    incident = create(pd)
    put(pd, incident["id"], status="resolved")
    refused = put(pd, incident["id"], escalation_level=2)
    assert refused.status_code == 400
    assert error(refused)["code"] == 1006
    reopened = put(pd, incident["id"], status="triggered", escalation_level=2).json()["incident"]
    assert (reopened["status"], reopened["escalation_level"]) == ("triggered", 2)


# ---------------------------------------------------------------- listing


def test_default_list_window_is_30_days_unless_date_range_all(pd: httpx.Client) -> None:
    default = pd.get("/incidents").json()
    everything = pd.get("/incidents", params={"date_range": "all"}).json()
    assert len(default["incidents"]) == 4
    assert len(everything["incidents"]) == 5
    (old,) = [i for i in everything["incidents"] if i not in default["incidents"]]
    assert old["title"] == "Backup verification has not run"
    assert old["status"] == "triggered"
    since = pd.get("/incidents", params={"since": "2000-01-01T00:00:00Z"}).json()["incidents"]
    assert old["id"] in [i["id"] for i in since]
    statuses = {i["status"] for i in everything["incidents"]}
    assert statuses == {"triggered", "acknowledged", "resolved"}
    created = [i["created_at"] for i in everything["incidents"]]
    assert created == sorted(created)  # created_at ascending by default
    newest_first = pd.get("/incidents", params={"date_range": "all", "sort_by": "created_at:desc"}).json()
    assert [i["id"] for i in newest_first["incidents"]] == [
        i["id"] for i in reversed(everything["incidents"])
    ]


def test_offset_paging_and_total(pd: httpx.Client) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = pd.get("/incidents", params={"date_range": "all", "limit": 2, "offset": offset}).json()
        assert page["limit"] == 2
        assert page["offset"] == offset
        assert page["total"] is None
        seen += [i["id"] for i in page["incidents"]]
        if not page["more"]:
            break
        offset += 2
    assert len(seen) == len(set(seen)) == 5
    counted = pd.get("/incidents", params={"date_range": "all", "total": "true", "limit": 1}).json()
    assert counted["total"] == 5
    assert counted["more"] is True
    assert pd.get("/incidents", params={"limit": 1000}).json()["limit"] == 100


def test_list_filters(pd: httpx.Client) -> None:
    url = "/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged"
    open_ones = pd.get(url).json()["incidents"]
    assert {i["status"] for i in open_ones} == {"triggered", "acknowledged"}
    assert len(open_ones) == 4
    low = pd.get("/incidents", params={"date_range": "all", "urgencies[]": "low"}).json()["incidents"]
    assert {i["urgency"] for i in low} == {"low"}
    mine = pd.get("/incidents", params={"date_range": "all", "user_ids[]": "PUSER01"}).json()["incidents"]
    assert mine
    assert all("PUSER01" in [a["assignee"]["id"] for a in i["assignments"]] for i in mine)
    invalid = pd.get("/incidents", params={"statuses[]": "open"})
    assert invalid.status_code == 400
    assert error(invalid)["code"] == 2001


def test_incidents_carry_their_services_teams_and_list_by_them(pd: httpx.Client) -> None:
    def listed(**params: Any) -> list[dict[str, Any]]:
        return list(pd.get("/incidents", params={"date_range": "all", **params}).json()["incidents"])

    every = listed()
    for item in every:
        expected = {"PSVC001": ["PTEAM01"], "PSVC002": ["PTEAM02"]}[item["service"]["id"]]
        assert [team["id"] for team in item["teams"]] == expected
        assert all(team["type"] == "team_reference" for team in item["teams"])
    payments = listed(**{"team_ids[]": "PTEAM01"})
    assert payments
    assert {i["service"]["id"] for i in payments} == {"PSVC001"}
    both_teams = pd.get("/incidents?date_range=all&team_ids[]=PTEAM01&team_ids[]=PTEAM02").json()
    assert len(both_teams["incidents"]) == len(every)
    assert listed(**{"team_ids[]": "PTEAMXX"}) == []
    assert listed(**{"service_ids[]": "PSVC002", "team_ids[]": "PTEAM01"}) == []
    service = pd.get("/services/PSVC002").json()["service"]
    assert [team["summary"] for team in service["teams"]] == ["Data Platform"]


def test_priorities_are_listed_most_severe_first(pd: httpx.Client) -> None:
    body = pd.get("/priorities").json()
    assert [p["name"] for p in body["priorities"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert all(p["type"] == "priority" and p["description"] for p in body["priorities"])
    assert (body["limit"], body["offset"], body["more"], body["total"]) == (25, 0, False, None)


# ---------------------------------------------------------------- rate limits and request log


def test_rate_limit_429_with_headers_then_window_slides(pd: httpx.Client, admin: httpx.Client) -> None:
    assert admin.put("/config/pagerduty", json={"rate_limit_per_minute": 3}).status_code == 200
    remaining = [int(pd.get("/priorities").headers["ratelimit-remaining"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    limited = pd.get("/priorities")
    assert limited.status_code == 429
    assert limited.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    assert limited.headers["ratelimit-limit"] == "3"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(limited.headers["ratelimit-reset"]) <= 60
    admin.put("/clock", json={"advance_seconds": 61})
    assert pd.get("/priorities").status_code == 200


def test_bare_429_and_omitted_headers(pd: httpx.Client, admin: httpx.Client) -> None:
    admin.put("/config/pagerduty", json={"rate_limit_per_minute": 1, "omit_rate_limit_headers": True})
    ok = pd.get("/priorities")
    assert ok.status_code == 200
    assert "ratelimit-limit" not in ok.headers
    headerless = pd.get("/priorities")
    assert headerless.status_code == 429
    assert "ratelimit-reset" not in headerless.headers
    assert error(headerless)["code"] == 2020

    admin.put("/config/pagerduty", json={"omit_rate_limit_headers": False, "bare_429": True})
    bare = pd.get("/priorities")
    assert bare.status_code == 429
    assert bare.content == b""
    assert not [name for name in bare.headers if name.startswith("ratelimit-")]
    assert admin.put("/config/pagerduty", json={"burst": 3}).status_code == 400


def test_request_log_never_holds_the_token(pd: httpx.Client, admin: httpx.Client) -> None:
    pd.get("/incidents", params={"statuses[]": "triggered"})
    pd.get("/incidents", headers={"Authorization": f"Bearer {TOKEN}", "X-API-Key": TOKEN})
    pd.get("/incidents", headers={"Authorization": "Token token=wrong-token-123456"})
    create(pd, title=f"pasted {TOKEN} by mistake")
    log = admin.get("/requests", params={"vendor": "pagerduty"}).json()["requests"]
    assert [r["status"] for r in log] == [200, 200, 401, 201]
    assert log[0]["query"] == {"statuses[]": ["triggered"]}
    assert log[3]["headers"]["from"] == DEFAULT_FROM_EMAIL
    assert log[3]["method"] == "POST"
    dumped = json.dumps(log)
    assert TOKEN not in dumped
    assert "wrong-token-123456" not in dumped
    assert all("authorization" not in r["headers"] and "x-api-key" not in r["headers"] for r in log)
    assert admin.delete("/requests").status_code == 204
    assert admin.get("/requests").json()["requests"] == []


def test_clock_scale_and_sliding_window_without_http() -> None:
    clock = SandboxClock(time_scale=0)
    frozen = clock.timestamp()
    assert clock.timestamp() == frozen
    limiter = RateLimiter(clock)
    key = RateLimiter.key("pagerduty", TOKEN)
    assert TOKEN not in key
    assert [limiter.hit(key, 2).allowed for _ in range(3)] == [True, True, False]
    clock.advance(30)
    denied = limiter.hit(key, 2)
    assert (denied.allowed, denied.remaining, denied.reset_seconds) == (False, 0, 30)
    clock.advance(30)
    assert limiter.hit(key, 2).allowed
    clock.set_time_scale(10_000)
    before = clock.timestamp()
    time.sleep(0.01)
    assert clock.timestamp() - before >= 100
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


# ---------------------------------------------------------------- server, connections, CLI


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _serve_then_fail(sandbox: SandboxServer, ports: list[int]) -> None:
    with sandbox:
        ports.append(sandbox.port)
        assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
        with httpx.Client() as client:
            listed = client.get(
                f"{sandbox.vendor_url('pagerduty')}/incidents",
                headers=headers(token=sandbox.token("pagerduty")),
            )
        assert listed.json()["incidents"] == []
        raise RuntimeError("boom")


def test_server_stops_cleanly_even_when_the_body_raises() -> None:
    sandbox = SandboxServer(config=SandboxConfig(empty=True))
    ports: list[int] = []
    with pytest.raises(RuntimeError, match="boom"):
        _serve_then_fail(sandbox, ports)
    assert not sandbox.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports[0]), timeout=1).close()
    assert _port_is_free(ports[0])
    sandbox.stop()  # idempotent


def test_non_loopback_hosts_are_refused() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        SandboxServer(host="0.0.0.0")  # noqa: S104
    assert SandboxServer(host="localhost").host == "127.0.0.1"


def test_connection_helpers(server: SandboxServer) -> None:
    connections = sandbox_connections(server.url, server.config)
    conn = connections[PAGERDUTY_CONN_ID]
    assert conn == {
        "conn_type": "pagerduty_incidents",
        "host": server.vendor_url("pagerduty"),
        "password": TOKEN,
        "extra": {"from_email": DEFAULT_FROM_EMAIL},
    }
    line = connection_env_line(PAGERDUTY_CONN_ID, conn)
    name, _, quoted = line.partition("=")
    assert name == "AIRFLOW_CONN_PAGERDUTY_SANDBOX"
    assert json.loads(shlex.split(quoted)[0]) == conn


def _line_reader(stream: IO[str]) -> Callable[[float], str]:
    """Lines of ``stream`` with a timeout each, read by a daemon thread (pipes have no read timeout)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()

    def read(timeout: float) -> str:
        try:
            return lines.get(timeout=timeout).rstrip("\n")
        except queue.Empty:
            raise TimeoutError("the sandbox CLI printed nothing in time") from None

    return read


def test_cli_prints_url_and_connections_and_stops_on_terminate() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC_DIR), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "airflow_incident_provider.sandbox",
        "--port",
        "0",
        "--print-connections",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        read_line = _line_reader(proc.stdout)
        first = read_line(15)
        assert first.startswith("Sandbox listening on http://127.0.0.1:")
        url = first.removeprefix("Sandbox listening on ")
        export = read_line(5)
        assert export.startswith("export AIRFLOW_CONN_PAGERDUTY_SANDBOX=")
        conn = json.loads(shlex.split(export.partition("=")[2])[0])
        assert conn["host"] == f"{url}/pagerduty"
        response = httpx.get(
            f"{conn['host']}/incidents",
            headers={"Authorization": f"Token token={conn['password']}", "Accept": ACCEPT},
            timeout=5,
        )
        assert response.status_code == 200
        assert len(response.json()["incidents"]) == 4
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            raise
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert code == 0


# ---------------------------------------------------------------- bulk update


def bulk(pd: httpx.Client, items: list[dict[str, Any]]) -> httpx.Response:
    return pd.put("/incidents", json={"incidents": items}, headers=headers(write=True))


def test_bulk_update_applies_each_item_and_returns_the_incidents(pd: httpx.Client) -> None:
    first, second = create(pd)["id"], create(pd, title="Queue backlog")["id"]
    response = bulk(
        pd,
        [
            {"id": first, "type": "incident_reference", "status": "resolved", "resolution": "Disk cleaned"},
            {"id": second, "type": "incident_reference", "status": "acknowledged"},
        ],
    )
    assert response.status_code == 200, response.text
    returned = response.json()["incidents"]
    assert [(i["id"], i["status"]) for i in returned] == [(first, "resolved"), (second, "acknowledged")]
    assert pd.get(f"/incidents/{first}").json()["incident"]["status"] == "resolved"
    assert pd.get(f"/incidents/{second}").json()["incident"]["status"] == "acknowledged"


def test_bulk_resolving_an_already_resolved_incident_leaves_it_and_answers_200(pd: httpx.Client) -> None:
    done, open_ = create(pd)["id"], create(pd, title="Queue backlog")["id"]
    resolved_at = put(pd, done, status="resolved").json()["incident"]["resolved_at"]
    response = bulk(
        pd, [{"id": i, "type": "incident_reference", "status": "resolved"} for i in (done, open_)]
    )
    assert response.status_code == 200, response.text
    returned = {i["id"]: i for i in response.json()["incidents"]}
    assert returned[done]["status"] == returned[open_]["status"] == "resolved"
    assert returned[done]["resolved_at"] == resolved_at


def test_bulk_update_needs_the_write_headers(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    body = {"incidents": [{"id": incident_id, "type": "incident_reference", "status": "resolved"}]}
    no_from = pd.put("/incidents", json=body, headers=headers())
    assert no_from.status_code == 400
    assert "From" in error(no_from)["errors"][0]
    wrong_accept = pd.put(
        "/incidents", json=body, headers={**headers(write=True), "Accept": "application/json"}
    )
    assert wrong_accept.status_code == 400
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"


def test_bulk_update_over_250_is_413(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    items = [{"id": incident_id, "type": "incident_reference", "status": "acknowledged"}] * 251
    response = bulk(pd, items)
    assert response.status_code == 413
    assert error(response)["message"] == "Request Entity Too Large"
    assert "250" in error(response)["errors"][0]
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"


def test_bulk_update_with_an_unknown_id_is_404_and_changes_nothing(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    response = bulk(
        pd,
        [
            {"id": incident_id, "type": "incident_reference", "status": "resolved"},
            {"id": "QNOPE404", "type": "incident_reference", "status": "resolved"},
        ],
    )
    assert response.status_code == 404
    assert error(response)["code"] == 2100
    assert "QNOPE404" in error(response)["errors"][0]
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"


def test_bulk_update_checks_every_item_before_applying_any(pd: httpx.Client) -> None:
    incident_id = create(pd)["id"]
    good = {"id": incident_id, "type": "incident_reference", "status": "resolved"}
    cases: list[tuple[dict[str, Any], int, int, str]] = [
        ({"type": "incident_reference", "status": "resolved"}, 400, 2001, "incidents[1].id"),
        ({"id": incident_id, "status": "resolved"}, 400, 2001, "incidents[1].type"),
        ({"id": incident_id, "type": "incident_reference", "status": "closed"}, 400, 1003, "closed"),
        ({"id": incident_id, "type": "incident_reference", "urgency": "medium"}, 400, 2001, "incidents[1]"),
    ]
    for item, status_code, code, named in cases:
        response = bulk(pd, [good, item])
        assert response.status_code == status_code, item
        assert error(response)["code"] == code, item
        assert named in " ".join(error(response)["errors"]), (item, response.text)
    bodies: list[dict[str, Any]] = [{"incidents": "Q1"}, {"incident": good}]
    for body in bodies:
        response = pd.put("/incidents", json=body, headers=headers(write=True))
        assert response.status_code == 400, body
    nothing = pd.put("/incidents", json={"incidents": []}, headers=headers(write=True))
    assert (nothing.status_code, nothing.json()) == (200, {"incidents": []}), "the spec sets no minItems"
    assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"


# ---------------------------------------------------------------- the account log


def test_account_log_lists_every_incidents_entries_since_a_moment_newest_first(pd: httpx.Client) -> None:
    since = pd.get("/incidents", params={"date_range": "all", "sort_by": "created_at:desc", "limit": 1})
    newest_seed = since.json()["incidents"][0]["created_at"]
    first = create(pd, title="Queue depth above 10k")["id"]
    second = create(pd, title="Cache hit rate below 50%")["id"]
    put(pd, first, status="acknowledged")
    put(pd, second, status="resolved")

    window = pd.get("/log_entries", params={"since": newest_seed, "limit": 100}).json()
    entries = window["log_entries"]
    created = [entry["created_at"] for entry in entries]
    assert created == sorted(created, reverse=True)  # newest first
    assert all(entry["created_at"] >= newest_seed for entry in entries)
    assert {entry["incident"]["id"] for entry in entries} >= {first, second}
    assert entries[0]["incident"] == {**entries[0]["incident"], "type": "incident_reference"}
    kinds = {(entry["incident"]["id"], entry["type"]) for entry in entries}
    assert {(first, "acknowledge_log_entry"), (second, "resolve_log_entry")} <= kinds

    included = pd.get("/log_entries", params=[("since", newest_seed), ("include[]", "incidents")]).json()
    statuses = {entry["incident"]["id"]: entry["incident"]["status"] for entry in included["log_entries"]}
    assert statuses[first] == "acknowledged"
    assert statuses[second] == "resolved"
    assert all(entry["incident"]["type"] == "incident" for entry in included["log_entries"])

    later = pd.get("/log_entries", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert later["log_entries"] == []
    assert later["more"] is False


def test_account_log_pages_by_offset(pd: httpx.Client) -> None:
    everything = pd.get("/log_entries", params={"since": "2000-01-01T00:00:00Z", "limit": 100}).json()
    assert len(everything["log_entries"]) > 3
    seen: list[str] = []
    offset = 0
    while True:
        page = pd.get("/log_entries", params={"since": "2000-01-01T00:00:00Z", "limit": 2, "offset": offset})
        seen += [entry["id"] for entry in page.json()["log_entries"]]
        if not page.json()["more"]:
            break
        offset += 2
    assert seen == [entry["id"] for entry in everything["log_entries"]]


def test_the_date_header_is_the_sandbox_clock(pd: httpx.Client, admin: httpx.Client) -> None:
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    admin.put("/clock", json={"advance_seconds": 7200}).raise_for_status()
    answer = pd.get("/log_entries")
    answered = parsedate_to_datetime(answer.headers["date"])
    now = datetime.fromisoformat(admin.get("/clock").json()["now"].replace("Z", "+00:00"))
    assert len(answer.headers.get_list("date")) == 1
    assert abs((answered - now).total_seconds()) < 5  # the clock its log entries are stamped with
    assert (answered - datetime.now(UTC)).total_seconds() > 3600
