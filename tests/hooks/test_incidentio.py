"""IncidentIOIncidentHook against the sandbox over real HTTP on 127.0.0.1 (respx only for lost answers)."""

from __future__ import annotations

import httpx
import pytest
import respx

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    ConnectionConfigError,
    IncidentNotFoundError,
    IncidentValidationError,
    UnsupportedOperationError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.incidentio import IncidentIOIncidentHook
from airflow_incident_provider.hooks.write_once import WRITE_ATTEMPTS
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.sandbox.incidentio import ROLES, SEVERITIES, STATUSES, USERS
from tests.fixtures_incidentio import INCIDENTIO_CONN_ID, IncidentIOSandbox

FIXING = next(status for status in STATUSES if status.name == "Fixing")


def hook() -> IncidentIOIncidentHook:
    result = get_incident_hook(INCIDENTIO_CONN_ID)
    assert isinstance(result, IncidentIOIncidentHook)
    return result


def test_get_reads_the_status_category_severity_and_lead(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(title="Disk full", category="live", severity=1)
    incident = hook().get_incident(incident_id, include_raw=True)
    assert (incident.status, incident.phase, incident.severity) == ("live", Phase.ACKNOWLEDGED, "Major")
    assert incident.title == "Disk full"
    assert incident.url is not None
    assert incident.url.startswith("https://app.incident.io/")
    assert incident.raw is not None
    assert incident.raw["incident_status"]["name"] == "Investigating"
    assert incidentio.calls() == [("GET", f"/v2/incidents/{incident_id}")]


def test_list_filters_by_category_and_pages_with_the_cursor(incidentio: IncidentIOSandbox) -> None:
    for n in range(3):
        incidentio.create(title=f"Open {n}")
    listed = hook().list_incidents(statuses=["open"])
    assert {item.status for item in listed} == {"triage"}
    assert len(listed) == len(incidentio.incidents(**{"status_category[one_of]": "triage"}))
    resolved = hook().list_incidents(statuses=["resolved"])
    assert resolved
    assert all(item.phase is Phase.RESOLVED for item in resolved)
    queries = [r["query"] for r in incidentio.requests() if r["path"] == "/v2/incidents"]
    assert queries[-1]["status_category[one_of]"] == ["learning", "closed", "declined", "merged", "canceled"]
    assert len(hook().list_incidents(limit=2)) == 2


def test_list_refuses_services_and_teams_before_any_request(incidentio: IncidentIOSandbox) -> None:
    with pytest.raises(IncidentValidationError, match="teams"):
        hook().list_incidents(teams=["platform"])
    assert incidentio.requests() == []


def test_update_edits_name_severity_and_live_status_without_notifying(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    update = IncidentUpdate(
        title="Renamed", severity="critical", vendor_fields={"incident_status_id": "Fixing"}
    )
    result = hook().update_incident(incident_id, update)
    assert result.changed
    assert (result.incident.title, result.incident.severity) == ("Renamed", "Critical")
    assert result.incident.raw is None
    (edit,) = [r for r in incidentio.requests() if r["method"] == "POST"]
    assert edit["body"] == {
        "incident": {"name": "Renamed", "severity_id": SEVERITIES[2].id, "incident_status_id": FIXING.id},
        "notify_incident_channel": False,
    }
    again = hook().update_incident(incident_id, update)
    assert not again.changed, "values already set are not sent again"


def test_notify_subscribers_tells_the_incident_channel(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    hook().update_incident(incident_id, IncidentUpdate(title="Loud"), WriteOptions(notify_subscribers=True))
    (edit,) = [r for r in incidentio.requests() if r["method"] == "POST"]
    assert edit["body"]["notify_incident_channel"] is True


def test_lifecycle_moves_the_api_cannot_make_name_the_app(incidentio: IncidentIOSandbox) -> None:
    triage = incidentio.create()
    live = incidentio.create(category="live")
    incidentio.clear_requests()
    with pytest.raises(UnsupportedOperationError, match=r"incident\.io app"):
        hook().acknowledge_incident(triage)
    with pytest.raises(UnsupportedOperationError, match=r"resolve it in the incident\.io app"):
        hook().resolve_incident(live)
    with pytest.raises(UnsupportedOperationError, match="live"):
        hook().update_incident(live, IncidentUpdate(status="resolved"))
    with pytest.raises(UnsupportedOperationError, match="move this triage incident"):
        hook().update_incident(triage, IncidentUpdate(vendor_fields={"incident_status_id": "Fixing"}))
    assert incidentio.writes() == [], "refused before any write"
    assert not hook().acknowledge_incident(live).changed
    closed = incidentio.create(category="closed")
    assert not hook().resolve_incident(closed).changed


def test_a_non_live_status_is_refused_before_any_request(incidentio: IncidentIOSandbox) -> None:
    live = incidentio.create(category="live")
    with pytest.raises(IncidentValidationError, match="closed status"):
        hook().update_incident(live, IncidentUpdate(vendor_fields={"incident_status_id": "Closed"}))
    assert incidentio.writes() == []


def test_the_sandbox_refuses_what_the_spec_refuses_with_its_own_words(incidentio: IncidentIOSandbox) -> None:
    triage = incidentio.create()
    answer = incidentio.api.post(
        f"/v2/incidents/{triage}/actions/edit",
        json={"incident": {"incident_status_id": FIXING.id}, "notify_incident_channel": False},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "invalid_status_transition"


def test_notes_are_unsupported_and_name_the_alternative(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    with pytest.raises(UnsupportedOperationError, match=r"description=\.\.\."):
        hook().add_note(incident_id, "Rolled back")
    with pytest.raises(UnsupportedOperationError, match="incident_updates"):
        hook().update_incident(incident_id, IncidentUpdate(title="x", note="y"))
    assert incidentio.requests() == []


def test_create_uses_the_api_idempotency_key_and_reports_the_retry(incidentio: IncidentIOSandbox) -> None:
    create = IncidentCreate(title="Queue stuck", severity="Major", dedup_key="dag/run/open")
    first = hook().create_incident(create)
    again = hook().create_incident(create)
    assert (first.changed, again.changed) == (True, False)
    assert first.incident.id == again.incident.id
    assert [item["name"] for item in incidentio.incidents()].count("Queue stuck") == 1
    body = next(r for r in incidentio.requests() if r["method"] == "POST")["body"]
    assert body == {
        "name": "Queue stuck",
        "severity_id": SEVERITIES[1].id,
        "idempotency_key": "dag/run/open",
        "visibility": "public",
    }


def test_create_without_a_severity_surfaces_the_vendor_message(
    incidentio: IncidentIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incidentio.use_connection(monkeypatch, default_severity=None)
    with pytest.raises(VendorValidationError, match="A severity is required to open an incident"):
        hook().create_incident(IncidentCreate(title="No severity", dedup_key="k"))


def test_escalate_climbs_one_rank_at_a_time_and_stops_at_the_top(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    steps = [hook().escalate_incident(incident_id) for _ in range(3)]
    assert [step.changed for step in steps] == [True, True, False]
    assert steps[1].incident.severity == "Critical"
    lower = hook().escalate_incident(incident_id, Escalation(severity="Minor"))
    assert not lower.changed, "an escalation never lowers a severity"
    with pytest.raises(UnsupportedOperationError, match="escalation levels"):
        hook().escalate_incident(incident_id, Escalation(escalation_level=2))


def test_reassign_fills_the_lead_role_or_the_connection_s_role(
    incidentio: IncidentIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = incidentio.create(category="live")
    result = hook().reassign_incident(incident_id, (USERS[1].id,))
    assert result.changed
    assert result.incident.assignees == (USERS[1].id,)
    by_email = hook().reassign_incident(incident_id, (USERS[1].email,))
    assert not by_email.changed, "the same person given by email"
    with pytest.raises(IncidentValidationError, match="holds one person"):
        hook().reassign_incident(incident_id, (USERS[0].id, USERS[1].id))
    incidentio.use_connection(monkeypatch, assignee_role="comms")
    comms = hook().reassign_incident(incident_id, (USERS[2].email,))
    assert comms.incident.assignees == (USERS[2].id,)
    edit = [r for r in incidentio.requests() if r["method"] == "POST"][-1]["body"]
    assert edit["incident"]["incident_role_assignments"] == [
        {"incident_role_id": ROLES[2].id, "assignee": {"email": USERS[2].email}}
    ]


def test_a_lost_edit_answer_is_settled_by_reading_back(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    target = hook()
    url = f"{incidentio.url}/v2/incidents/{incident_id}/actions/edit"
    with respx.mock(assert_all_called=False) as mock:
        mock.route(method="POST", url=url).mock(side_effect=httpx.ReadError("connection reset"))
        mock.route(host="127.0.0.1").pass_through()
        with pytest.raises(AmbiguousWriteError):
            target.update_incident(incident_id, IncidentUpdate(title="Lost"))
    reads = [call for call in incidentio.calls() if call == ("GET", f"/v2/incidents/{incident_id}")]
    assert len(reads) == 1 + WRITE_ATTEMPTS, "read before editing, then read back after each lost answer"
    assert incidentio.incident(incident_id)["name"] != "Lost"


def test_connection_errors_name_the_setting(
    incidentio: IncidentIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hook().test_connection() == (True, f"Connected to incident.io at {incidentio.url}")
    incidentio.use_connection(monkeypatch, visibility="secret")
    with pytest.raises(ConnectionConfigError, match="visibility 'secret'"):
        hook().get_incident("x")
    incidentio.use_connection(monkeypatch)
    with pytest.raises(IncidentNotFoundError, match="Incident not found"):
        hook().get_incident("01MISSING")


def test_an_edit_whose_answer_trickles_is_found_by_reading_back_within_the_deadline(
    incidentio: IncidentIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edit lands, its answer never ends: the edit's attempt leaves half the time for the read back,
    which finds the new name, so the task succeeds instead of failing with its write in place."""
    incident_id = incidentio.create(category="live")
    incidentio.use_connection(monkeypatch, read_timeout=0.5, connect_timeout=1.0, total_timeout=2.0)
    path = f"/v2/incidents/{incident_id}/actions/edit"
    incidentio.server.add_fault("incidentio", "trickle", seconds=0.05, method="POST", path=path)
    result = hook().update_incident(incident_id, IncidentUpdate(title="Found after a lost answer"))
    assert result.changed
    assert result.incident.title == "Found after a lost answer"
    (rule,) = incidentio.server.faults()
    assert rule["hits"] == 1, "the edit is never sent twice"
