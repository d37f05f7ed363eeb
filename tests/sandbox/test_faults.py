"""Injected faults over real HTTP on 127.0.0.1: each kind, what the client sees, whether the write landed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_incident_provider.registry import VENDOR_NAMES
from tests.fixtures import Sandbox
from tests.fixtures_uptimeio import UPTIMEIO_PAGE_PATH, UptimeIOSandbox

CUT_OFF = (httpx.RemoteProtocolError, httpx.ReadError)
"""What a client sees of a reset: the connection closed mid-response, or reset by the peer (a race
between the server's close and the client's read decides which)."""


def add_fault(sandbox: Sandbox, **rule: Any) -> dict[str, Any]:
    response = sandbox.admin.post("/_sandbox/faults", json={"vendor": "pagerduty", **rule})
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def faults(sandbox: Sandbox) -> list[dict[str, Any]]:
    return list(sandbox.admin.get("/_sandbox/faults").json()["faults"])


def acknowledge(sandbox: Sandbox, incident_id: str) -> httpx.Response:
    body = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    return sandbox.pd.put(f"/incidents/{incident_id}", json=body)


def test_a_5xx_burst_strikes_its_count_in_the_vendors_error_format(pd: Sandbox) -> None:
    rule = add_fault(pd, kind="status", status=503, method="GET", path="/incidents", times=2)
    answers = [pd.pd.get("/incidents") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert [r["applied"] for r in pd.requests()] == [False, False, True]
    assert "error" in answers[0].json()  # PagerDuty's {"error": {...}} shape
    assert faults(pd)[0]["hits"] == 2
    assert [r["fault"] for r in pd.requests()] == [rule["id"], rule["id"], None]
    first = pd.requests()[0]["id"]
    later = pd.admin.get("/_sandbox/requests", params={"vendor": "pagerduty", "after": first}).json()
    assert [r["id"] for r in later["requests"]] == [first + 1, first + 2]


def test_an_injected_429_carries_the_vendors_rate_limit_headers(
    pd: Sandbox, uptimeio: UptimeIOSandbox
) -> None:
    add_fault(pd, kind="status", status=429, retry_after=7)
    answer = pd.pd.get("/incidents")
    assert answer.status_code == 429
    assert answer.headers["ratelimit-remaining"] == "0"
    assert answer.headers["ratelimit-reset"] == "7"
    uptimeio.admin.post("/_sandbox/faults", json={"vendor": "uptimeio", "kind": "status", "status": 429})
    answer = uptimeio.api.get(f"{UPTIMEIO_PAGE_PATH}/incidents")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "1"


def test_a_reset_before_the_body_is_read_loses_the_write(pd: Sandbox) -> None:
    incident = pd.with_status("triggered")
    add_fault(pd, kind="reset_before_body", method="PUT", times=1)
    with pytest.raises(CUT_OFF):
        acknowledge(pd, incident)
    assert pd.incident(incident)["status"] == "triggered"
    assert [r["applied"] for r in pd.requests() if r["method"] == "PUT"] == [False]


def test_a_reset_after_the_body_is_read_keeps_the_write_but_loses_the_answer(pd: Sandbox) -> None:
    incident = pd.with_status("triggered")
    add_fault(pd, kind="reset_after_body", method="PUT", times=1)
    with pytest.raises(CUT_OFF):
        acknowledge(pd, incident)
    assert pd.incident(incident)["status"] == "acknowledged"
    assert acknowledge(pd, incident).status_code == 200  # the rule struck once
    assert [r["applied"] for r in pd.requests() if r["method"] == "PUT"] == [True, True]


def test_malformed_json_and_an_html_page_follow_a_landed_write(pd: Sandbox) -> None:
    first, second = pd.incidents(**{"statuses[]": "triggered"})[:2]
    add_fault(pd, kind="malformed_json", method="PUT", times=1)
    answer = acknowledge(pd, first["id"])
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        answer.json()
    add_fault(pd, kind="wrong_content_type", method="PUT", times=1)
    answer = acknowledge(pd, second["id"])
    assert answer.headers["content-type"] == "text/html"
    assert answer.text.startswith("<html>")
    assert {pd.incident(first["id"])["status"], pd.incident(second["id"])["status"]} == {"acknowledged"}


def test_a_trickling_answer_never_completes(pd: Sandbox) -> None:
    add_fault(pd, kind="trickle", method="GET", seconds=0.05, max_seconds=30)
    received = 0
    with pd.pd.stream("GET", "/incidents") as answer:
        assert answer.status_code == 200
        for chunk in answer.iter_bytes():
            received += len(chunk)
            if received >= 5:
                break  # closing the stream ends the trickle on the server
    assert received >= 5


def test_a_delay_answers_normally_afterwards(pd: Sandbox) -> None:
    rule = add_fault(pd, kind="delay", seconds=0.05, path="/incidents")
    assert pd.pd.get("/incidents").status_code == 200
    assert pd.pd.get("/services").status_code == 200  # another path: untouched
    logged = {r["path"]: r["fault"] for r in pd.requests()}
    assert logged == {"/incidents": rule["id"], "/services": None}


def test_probability_with_a_seed_strikes_the_same_requests_every_run(pd: Sandbox) -> None:
    patterns = []
    for _ in range(2):
        pd.admin.delete("/_sandbox/faults").raise_for_status()
        add_fault(pd, kind="status", status=500, probability=0.5, seed=7, path="/services")
        patterns.append([pd.pd.get("/services").status_code for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert 0 < patterns[0].count(500) < 20


def test_skip_lets_the_first_requests_through(pd: Sandbox) -> None:
    add_fault(pd, kind="status", status=502, skip=2, times=1, path="/services")
    assert [pd.pd.get("/services").status_code for _ in range(4)] == [200, 200, 502, 200]


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ({"kind": "explode"}, "kind must be one of delay, status"),
        ({"kind": "status", "status": 404}, "status must be one of 403, 429, 500, 502, 503, 504"),
        ({"kind": "delay", "seconds": -1}, "seconds must be a number from 0"),
        ({"kind": "delay", "method": "BREW"}, "method must be one of GET"),
        ({"kind": "delay", "path": "incidents"}, "path must be a pattern starting with '/'"),
        ({"kind": "delay", "times": 0}, "times must be a whole number >= 1"),
        ({"kind": "delay", "colour": "red"}, "unknown field(s): colour"),
        ({"kind": "delay", "vendor": "opsgenie"}, f"vendor must be one of {', '.join(sorted(VENDOR_NAMES))}"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(pd: Sandbox, rule: dict[str, Any], named: str) -> None:
    answer = pd.admin.post("/_sandbox/faults", json={"vendor": "pagerduty", **rule})
    assert answer.status_code == 400
    assert named in answer.json()["detail"]
    assert faults(pd) == []


def test_reset_and_delete_remove_rules(pd: Sandbox) -> None:
    first = add_fault(pd, kind="delay", seconds=0)
    add_fault(pd, kind="delay", seconds=0)
    assert pd.admin.delete(f"/_sandbox/faults/{first['id']}").status_code == 204
    assert pd.admin.delete(f"/_sandbox/faults/{first['id']}").status_code == 404
    assert len(faults(pd)) == 1
    pd.admin.post("/_sandbox/reset").raise_for_status()
    assert faults(pd) == []


def test_the_server_helper_adds_lists_and_clears_faults(pd: Sandbox) -> None:
    rule = pd.server.add_fault("pagerduty", "status", status=500, times=1)
    assert rule["lands"] is False
    assert rule["times"] == 1
    assert pd.pd.get("/services").status_code == 500
    assert pd.server.faults()[0]["hits"] == 1
    pd.server.clear_faults()
    assert pd.server.faults() == []


def test_echo_credentials_quotes_what_the_request_carried_and_does_not_land(pd: Sandbox) -> None:
    incident_id = pd.with_status("triggered")
    rule = add_fault(pd, kind="echo_credentials", method="PUT", times=1)
    assert rule["lands"] is False
    answer = acknowledge(pd, incident_id)
    assert answer.status_code == 401
    message = answer.json()["error"]["message"]
    assert pd.pd.headers["Authorization"] in message, "the credential header is quoted"
    assert '"acknowledged"' in message, "so is the body (where a sign-in carries its password)"
    assert pd.pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "triggered"
