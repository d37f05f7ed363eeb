"""Scripted changes in the sandbox over real HTTP on 127.0.0.1: transitions and new incidents that happen
after some sandbox seconds, for every vendor, with the clock moved instead of waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Protocol, cast

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxAdminError, SandboxServer
from airflow_incident_provider.sandbox.__main__ import build_parser
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID
from airflow_incident_provider.sandbox.uptimeio import PROJECT_ID
from tests.fixtures import Sandbox, VendorSandbox
from tests.fixtures_devhelm import DevHelmSandbox
from tests.fixtures_pinghome import PinghomeSandbox
from tests.fixtures_rootly import RootlySandbox
from tests.fixtures_uptimeio import UptimeIOSandbox
from tests.sandbox.scheduling import load_schedule_cases, moment
from tests.vendor_cases import FIXTURES, VENDORS


@pytest.fixture(autouse=True)
def _no_leftover_schedules(sandbox: SandboxServer) -> Iterator[None]:
    """Each test starts and ends with no pending change, so none fires in a later test."""
    yield
    with httpx.Client(base_url=sandbox.url, timeout=10) as admin:
        admin.post("/_sandbox/reset").raise_for_status()


class Handle(Protocol):
    """What every vendor's test handle offers: its name, the admin client and a sample by status."""

    vendor: str
    admin: httpx.Client

    def with_status(self, status: str) -> str: ...


def handle(request: pytest.FixtureRequest, vendor: str) -> Handle:
    """The vendor's freshly reset test handle (its fixture)."""
    value = request.getfixturevalue(FIXTURES[vendor])
    assert isinstance(value, VendorSandbox)
    return cast("Handle", value)


def schedule(vh: Handle, ref: str, **body: Any) -> httpx.Response:
    return vh.admin.post(f"/_sandbox/{vh.vendor}/incidents/{ref}/schedule", json=body)


def appear(vh: Handle, **body: Any) -> httpx.Response:
    return vh.admin.post(f"/_sandbox/{vh.vendor}/incidents/schedule", json=body)


def advance(vh: Handle, seconds: float) -> None:
    vh.admin.put("/_sandbox/clock", json={"advance_seconds": seconds}).raise_for_status()


def schedules(vh: Handle) -> list[dict[str, Any]]:
    response = vh.admin.get("/_sandbox/schedules")
    response.raise_for_status()
    return list(response.json()["schedules"])


# ---------------------------------------------------------------- per-vendor facts


CASES, WITHOUT_SCHEDULE = load_schedule_cases()
"""Each vendor's ``SCHEDULE``, from its own ``tests/fixtures_<vendor>.py``."""


def test_every_registered_vendor_has_its_schedule_case() -> None:
    assert WITHOUT_SCHEDULE == (), f"declare SCHEDULE in tests/fixtures_<vendor>.py for {WITHOUT_SCHEDULE}"
    assert set(CASES) == set(VENDORS)


def check_timeline(vh: Handle, incident_id: str, due_at: str) -> None:
    """The vendor's own record of the move, as its UI would leave it, stamped at the due time."""
    CASES[vh.vendor].check_timeline(vh, incident_id, due_at)


# ---------------------------------------------------------------- transitions and appearances


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_transition_happens_after_its_sandbox_seconds_and_not_before(
    request: pytest.FixtureRequest, vendor: str
) -> None:
    vh, case = handle(request, vendor), CASES[vendor]
    incident_id = vh.with_status(case.start)

    response = schedule(vh, case.ref(incident_id), status=case.target, after_seconds=30)
    assert response.status_code == 201, response.text
    action = response.json()
    assert {k: action[k] for k in ("id", "vendor", "kind", "ref", "status", "state")} == {
        "id": "sch_1",
        "vendor": vendor,
        "kind": "transition",
        "ref": case.ref(incident_id),
        "status": case.target,
        "state": "pending",
    }
    delay = moment(action["due_at"]) - moment(action["scheduled_at"])
    assert abs(delay - timedelta(seconds=30)) < timedelta(milliseconds=2)

    assert case.status(vh, incident_id) == case.start
    advance(vh, 29)
    assert case.status(vh, incident_id) == case.start
    assert [s["state"] for s in schedules(vh)] == ["pending"]

    advance(vh, 2)
    assert case.status(vh, incident_id) == case.target
    [done] = schedules(vh)
    assert (done["state"], done["applied_at"], done["error"]) == ("applied", action["due_at"], None)
    assert done["ref"] == case.ref(incident_id)
    check_timeline(vh, incident_id, action["due_at"])


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_plain_incident_id_is_accepted_and_answered_with_the_ref(
    request: pytest.FixtureRequest, vendor: str
) -> None:
    vh, case = handle(request, vendor), CASES[vendor]
    incident_id = vh.with_status(case.start)
    response = schedule(vh, incident_id, status=case.target, after_seconds=0)
    assert response.status_code == 201, response.text
    assert (response.json()["ref"], response.json()["state"]) == (case.ref(incident_id), "applied")
    assert case.status(vh, incident_id) == case.target  # zero seconds: applied before the answer


@pytest.mark.parametrize("vendor", VENDORS)
def test_new_incidents_appear_in_the_vendor_list_after_their_sandbox_seconds(
    request: pytest.FixtureRequest, vendor: str
) -> None:
    vh, case = handle(request, vendor), CASES[vendor]
    plain = appear(vh, title="Queue depth alarm", after_seconds=60)
    moved = appear(vh, title="Cache hit ratio dropped", after_seconds=90, status=case.spawn_status)
    assert (plain.status_code, moved.status_code) == (201, 201), plain.text + moved.text
    assert {k: plain.json()[k] for k in ("id", "vendor", "kind", "ref", "state")} == {
        "id": "sch_1",
        "vendor": vendor,
        "kind": "appear",
        "ref": None,
        "state": "pending",
    }
    assert moved.json()["status"] == case.spawn_status

    advance(vh, 59)
    assert not {"Queue depth alarm", "Cache hit ratio dropped"} & set(case.titles(vh))
    advance(vh, 2)
    listed = case.titles(vh)
    assert "Queue depth alarm" in listed
    assert "Cache hit ratio dropped" not in listed
    advance(vh, 30)
    listed = case.titles(vh)
    assert listed["Cache hit ratio dropped"] == case.spawn_status

    assert listed["Queue depth alarm"] == case.start  # the vendor's opening status

    first, second = schedules(vh)
    assert (first["state"], second["state"]) == ("applied", "applied")
    for action, status in ((first, case.start), (second, case.spawn_status)):
        incident_id = action["ref"].rpartition("/")[2]
        assert action["ref"] == case.ref(incident_id)
        assert case.status(vh, incident_id) == status


def test_a_new_pagerduty_incident_is_triggered_on_the_first_service(pd: Sandbox) -> None:
    action = appear(pd, title="Disk almost full", after_seconds=0).json()
    assert action["state"] == "applied"
    incident = pd.incident(action["ref"])
    assert (incident["status"], incident["service"]["id"]) == ("triggered", "PSVC001")


def test_a_new_rootly_incident_starts_and_can_appear_closed_or_as_maintenance(rootly: RootlySandbox) -> None:
    started = appear(rootly, title="Webhooks failing", after_seconds=0).json()
    closed = appear(rootly, title="Old alarm", after_seconds=0, status="closed").json()
    upkeep = appear(rootly, title="Planned failover", after_seconds=0, status="in_progress").json()
    assert [a["state"] for a in (started, closed, upkeep)] == ["applied"] * 3
    assert rootly.incident(started["ref"])["status"] == "started"
    closed_incident = rootly.incident(closed["ref"])
    assert closed_incident["status"] == "closed"
    assert closed_incident["resolved_at"] is not None
    maintenance = rootly.incident(upkeep["ref"])
    assert (maintenance["status"], maintenance["kind"]) == ("in_progress", "scheduled")


def test_transitions_apply_in_due_order_whatever_the_order_they_were_scheduled_in(
    uptimeio: UptimeIOSandbox,
) -> None:
    incident_id = uptimeio.with_status("investigating")
    schedule(uptimeio, incident_id, status="monitoring", after_seconds=20).raise_for_status()
    schedule(uptimeio, incident_id, status="identified", after_seconds=10).raise_for_status()
    advance(uptimeio, 25)
    newest, previous = uptimeio.updates(incident_id)[:2]
    assert (previous["status"], newest["status"]) == ("identified", "monitoring")
    assert uptimeio.incident(incident_id)["status"] == "monitoring"


def test_a_vendor_status_is_matched_case_insensitively_and_stored_in_the_vendor_spelling(
    devhelm: DevHelmSandbox,
) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    action = schedule(devhelm, incident_id, status="identified", after_seconds=0).json()
    assert action["status"] == "IDENTIFIED"
    assert devhelm.incident(incident_id)["status"] == "IDENTIFIED"


def test_time_scale_makes_sandbox_seconds_pass_faster(pd: Sandbox) -> None:
    incident_id = pd.with_status("triggered")
    pd.admin.put("/_sandbox/clock", json={"time_scale": 50}).raise_for_status()
    try:
        started = time.monotonic()
        action = schedule(pd, incident_id, status="acknowledged", after_seconds=20).json()  # 0.4 real s
        assert action["state"] == "pending"
        assert pd.incident(incident_id)["status"] == "triggered"
        while pd.incident(incident_id)["status"] != "acknowledged":
            assert time.monotonic() - started < 0.9, "20 sandbox seconds at 50x took over 0.9 real seconds"
            time.sleep(0.05)
        assert time.monotonic() - started >= 0.4 - 0.05
        assert schedules(pd)[0]["state"] == "applied"
    finally:
        pd.admin.put("/_sandbox/clock", json={"time_scale": 1}).raise_for_status()


# ---------------------------------------------------------------- lifecycle refusals


REFUSALS = {
    # PagerDuty reopens a resolved incident on triggered/acknowledged (allowed); resolving it again is not.
    "pagerduty": ("resolved", "resolved", "HTTP 400: Incident Already Resolved"),
    # Rootly: a terminal incident must be restarted before any other status.
    "rootly": ("resolved", "acknowledged", "HTTP 422: Unprocessable Entity; The incident is resolved"),
    # UptimeIO: resolving twice is refused; any other move is allowed.
    "uptimeio": ("resolved", "resolved", "HTTP 400: Incident is already resolved"),
}


@pytest.mark.parametrize("vendor", sorted(REFUSALS))
def test_a_move_the_vendor_refuses_is_reported_as_failed(request: pytest.FixtureRequest, vendor: str) -> None:
    vh = handle(request, vendor)
    start, target, error = REFUSALS[vendor]
    incident_id = vh.with_status(start)
    later = vh.with_status(CASES[vendor].start)
    schedule(vh, incident_id, status=target, after_seconds=10).raise_for_status()
    schedule(vh, later, status=CASES[vendor].target, after_seconds=20).raise_for_status()

    advance(vh, 30)  # the request that applies both answers normally
    refused, applied = schedules(vh)
    assert refused["state"] == "failed"
    assert refused["error"].startswith(error), refused["error"]
    assert refused["applied_at"] == refused["due_at"]
    assert CASES[vendor].status(vh, incident_id) == start
    assert (applied["state"], applied["error"]) == ("applied", None)  # one failure stops nothing
    assert CASES[vendor].status(vh, later) == CASES[vendor].target


def test_a_refused_move_never_fails_the_vendor_request_that_applies_it(pd: Sandbox) -> None:
    resolved = pd.with_status("resolved")
    pd.admin.put("/_sandbox/clock", json={"time_scale": 1000}).raise_for_status()
    try:
        schedule(pd, resolved, status="resolved", after_seconds=100).raise_for_status()  # 0.1 real s
        time.sleep(0.15)
        listing = pd.pd.get("/incidents", params={"date_range": "all"})  # applies the refused move
    finally:
        pd.admin.put("/_sandbox/clock", json={"time_scale": 1}).raise_for_status()
    assert listing.status_code == 200
    [failed] = schedules(pd)
    assert failed["state"] == "failed"
    assert "Incident Already Resolved" in failed["error"]


def test_a_refused_zero_second_move_still_answers_201_with_the_failure(rootly: RootlySandbox) -> None:
    response = schedule(rootly, rootly.with_status("cancelled"), status="mitigated", after_seconds=0)
    assert response.status_code == 201
    assert response.json()["state"] == "failed"
    assert "restart it" in response.json()["error"]


@pytest.mark.parametrize(("vendor", "reopened"), [("devhelm", "INVESTIGATING"), ("pinghome", "open")])
def test_status_pages_and_pinghome_accept_any_move_reopening_included(
    request: pytest.FixtureRequest, vendor: str, reopened: str
) -> None:
    vh = handle(request, vendor)
    resolved = vh.with_status("RESOLVED" if vendor == "devhelm" else "resolved")
    action = schedule(vh, resolved, status=reopened, after_seconds=0).json()
    assert action["state"] == "applied"
    assert CASES[vendor].status(vh, resolved) == reopened


def test_rootly_restarts_a_resolved_incident_scripted_to_started(rootly: RootlySandbox) -> None:
    resolved = rootly.with_status("resolved")
    assert schedule(rootly, resolved, status="started", after_seconds=0).json()["state"] == "applied"
    attributes = rootly.incident(resolved)
    assert (attributes["status"], attributes["resolved_at"]) == ("started", None)
    assert rootly.events(resolved)[-1]["event"] == "Incident restarted from resolved by Sam Patel"


# ---------------------------------------------------------------- validation


def test_unknown_vendor_and_unknown_incident_are_404(pd: Sandbox) -> None:
    body = {"status": "resolved", "after_seconds": 5}
    for response in (
        pd.admin.post("/_sandbox/opsgenie/incidents/Q1/schedule", json=body),
        pd.admin.post("/_sandbox/opsgenie/incidents/schedule", json={"title": "x", "after_seconds": 1}),
    ):
        assert response.status_code == 404
        assert "unknown vendor 'opsgenie'" in response.json()["detail"]
        assert "pagerduty" in response.json()["detail"]
    missing = schedule(pd, "QNOSUCHINCIDENT", **body)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "pagerduty has no incident 'QNOSUCHINCIDENT'"
    other_page = schedule(pd, "unknown/ref/shape", **body)
    assert other_page.status_code == 404
    assert schedules(pd) == []


ELSEWHERE = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("vendor", "ref"),
    [
        ("devhelm", f"{ELSEWHERE}/{{id}}"),
        ("uptimeio", f"{PROJECT_ID}/{ELSEWHERE}/{{id}}"),
        ("uptimeio", "{id}/{id}"),
        ("pinghome", f"{ELSEWHERE}/{{id}}"),
    ],
)
def test_a_ref_must_name_the_incident_s_own_scope(
    request: pytest.FixtureRequest, vendor: str, ref: str
) -> None:
    vh = handle(request, vendor)
    incident_id = vh.with_status(CASES[vendor].start)
    response = schedule(vh, ref.format(id=incident_id), status=CASES[vendor].target, after_seconds=1)
    assert response.status_code == 404
    assert response.json()["detail"].startswith(f"{vendor} has no incident")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "resovled", "after_seconds": 5}, "status 'resovled' is not a pagerduty status; allowed: "
         "triggered, acknowledged, resolved"),
        ({"status": "mitigated", "after_seconds": 5}, "allowed: triggered, acknowledged, resolved"),
        ({"status": 3, "after_seconds": 5}, "status must be a string"),
        ({"status": "resolved", "after_seconds": -1}, "after_seconds must be >= 0 (got -1)"),
        ({"status": "resolved", "after_seconds": "10"}, "after_seconds must be a number of seconds"),
        ({"status": "resolved", "after_seconds": True}, "after_seconds must be a number of seconds"),
        ({"status": "resolved", "after_seconds": None}, "after_seconds must be a number of seconds"),
        ({"status": "resolved", "after_seconds": 1e12}, "after_seconds must be at most"),
        ({"status": "resolved"}, "missing field(s): after_seconds"),
        ({"after_seconds": 5}, "missing field(s): status"),
        ({"status": "resolved", "after_seconds": 5, "delay": 3}, "unknown field(s): delay; allowed: "
         "after_seconds, status"),
    ],
)  # fmt: skip
def test_bad_transition_bodies_are_400_naming_the_field(
    pd: Sandbox, body: dict[str, Any], message: str
) -> None:
    response = schedule(pd, pd.with_status("triggered"), **body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert schedules(pd) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"after_seconds": 5}, "missing field(s): title"),
        ({"title": "  ", "after_seconds": 5}, "title must be a non-empty string"),
        ({"title": "x" * 201, "after_seconds": 5}, "title must be at most 200 characters"),
        ({"title": "x", "after_seconds": 5, "status": "Investigating"}, "allowed: in_triage, started"),
        ({"title": "x", "after_seconds": -0.5}, "after_seconds must be >= 0"),
        ({"title": "x", "after_seconds": 5, "severity": "sev1"}, "unknown field(s): severity; allowed: "
         "after_seconds, status, title"),
    ],
)  # fmt: skip
def test_bad_appearance_bodies_are_400_naming_the_field(
    rootly: RootlySandbox, body: dict[str, Any], message: str
) -> None:
    response = appear(rootly, **body)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_a_body_that_is_not_a_json_object_is_400(pd: Sandbox) -> None:
    incident_id = pd.with_status("triggered")
    url = f"/_sandbox/pagerduty/incidents/{incident_id}/schedule"
    assert pd.admin.post(url, content=b"[1, 2]").json()["detail"] == "the body must be a JSON object"
    assert pd.admin.post(url, content=b"{nope").json()["detail"] == "the body is not valid JSON"


# ---------------------------------------------------------------- listing, cancelling, reset


def test_reset_clears_schedules_and_numbering(pd: Sandbox) -> None:
    appear(pd, title="Never appears", after_seconds=10).raise_for_status()
    appear(pd, title="Already there", after_seconds=0).raise_for_status()
    assert len(schedules(pd)) == 2
    pd.admin.post("/_sandbox/reset").raise_for_status()
    assert schedules(pd) == []
    advance(pd, 20)
    assert not {"Never appears", "Already there"} & {i["title"] for i in pd.incidents()}
    assert appear(pd, title="After reset", after_seconds=1).json()["id"] == "sch_1"


def test_delete_cancels_pending_actions_and_keeps_the_past(ph: PinghomeSandbox) -> None:
    done = appear(ph, title="Already there", after_seconds=0).json()
    appear(ph, title="Cancelled", after_seconds=10).raise_for_status()
    assert ph.admin.delete("/_sandbox/schedules").status_code == 204
    advance(ph, 20)
    assert [(s["id"], s["state"]) for s in schedules(ph)] == [(done["id"], "applied")]
    assert "Cancelled" not in {i["name"] for i in ph.incidents()}


# ---------------------------------------------------------------- Python API and CLI


def test_server_methods_schedule_over_http(pd: Sandbox, sandbox: SandboxServer) -> None:
    incident_id = pd.with_status("triggered")
    moved = sandbox.schedule_status("pagerduty", incident_id, "resolved", 15)
    spawned = sandbox.schedule_incident("devhelm", "Status page widget broken", 15, status="identified")
    assert (moved["kind"], moved["state"], spawned["kind"], spawned["status"]) == (
        "transition",
        "pending",
        "appear",
        "IDENTIFIED",
    )
    advance(pd, 16)
    listed = {s["id"]: s for s in sandbox.schedules()}
    assert listed[moved["id"]]["state"] == listed[spawned["id"]]["state"] == "applied"
    assert pd.incident(incident_id)["status"] == "resolved"
    page_id, _, new_id = listed[spawned["id"]]["ref"].partition("/")
    assert page_id == DEFAULT_STATUS_PAGE_ID
    assert pd.admin.get("/_sandbox/schedules").json()["schedules"] == sandbox.schedules()

    with pytest.raises(SandboxAdminError) as refused:
        sandbox.schedule_status("pagerduty", incident_id, "snoozed", 1)
    assert refused.value.status_code == 400
    assert "allowed: triggered, acknowledged, resolved" in refused.value.detail
    with pytest.raises(SandboxAdminError) as unknown:
        sandbox.schedule_incident("opsgenie", "x", 1)
    assert unknown.value.status_code == 404
    assert new_id


def test_the_cli_takes_a_time_scale() -> None:
    assert build_parser().parse_args(["--time-scale", "10"]).time_scale == 10.0
    assert build_parser().parse_args([]).time_scale == 1.0
