"""RootlyIncidentHook against the sandbox over real HTTP on 127.0.0.1 (respx only for timed 429s)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    ConnectionConfigError,
    IncidentNotFoundError,
    IncidentValidationError,
    UnsupportedOperationError,
    VendorError,
    VendorValidationError,
)
from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.hooks import HOOK_CLASSES, get_incident_hook
from airflow_incident_provider.hooks.rootly import RootlyIncidentHook
from airflow_incident_provider.hooks.settings import ConnectionSettings, Timeouts
from airflow_incident_provider.idempotency import idempotency_key, marker
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    EscalateIncidentOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
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
from airflow_incident_provider.vendors import rootly as rl
from tests.fixtures_rootly import ROOTLY_CONN_ID, RootlySandbox

MISSING = "00000000-0000-4000-8000-000000000404"


def hook() -> RootlyIncidentHook:
    result = get_incident_hook(ROOTLY_CONN_ID)
    assert isinstance(result, RootlyIncidentHook)
    return result


def body_of(rootly: RootlySandbox, method: str, suffix: str) -> Any:
    """The body of the last ``method`` request whose path ends with ``suffix``."""
    return next(
        r["body"] for r in reversed(rootly.requests()) if r["method"] == method and r["path"].endswith(suffix)
    )


# --- reading ----------------------------------------------------------------------------------------


def test_get_incident_is_normalized_and_raw_hides_the_meeting_password(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("acknowledged")
    incident = hook().get_incident(incident_id)
    assert (incident.vendor, incident.id, incident.ref) == ("rootly", incident_id, incident_id)
    assert incident.title == SAMPLE_TITLES["acknowledged"]
    assert (incident.status, incident.phase) == ("acknowledged", Phase.ACKNOWLEDGED)
    assert incident.severity == "SEV0"
    assert incident.url
    assert incident.created_at is not None
    assert incident.raw is None
    assert MEETING_PASSWORD in json.dumps(rootly.incident(incident_id)), "the sample carries a password"
    raw = hook().get_incident(incident_id, include_raw=True)
    assert raw.raw is not None
    attributes = raw.raw["attributes"]
    assert attributes["zoom_meeting_password"] == "***"
    assert attributes["zoom_meeting_join_url"] == "***"
    assert attributes["title"] == SAMPLE_TITLES["acknowledged"]
    assert MEETING_PASSWORD not in json.dumps(raw.to_json())


def test_slug_addresses_the_incident_too(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("started")
    slug = rootly.incident(incident_id)["slug"]
    assert hook().get_incident(slug).id == incident_id


def test_missing_incident_surfaces_rootly_message_without_retry(rootly: RootlySandbox) -> None:
    with pytest.raises(IncidentNotFoundError) as info:
        hook().get_incident(MISSING)
    assert info.value.status_code == 404
    assert "Record not found" in str(info.value)
    assert f"GET /v1/incidents/{MISSING}" in str(info.value)
    assert len(rootly.requests()) == 1


def test_connection_check(rootly: RootlySandbox) -> None:
    ok, message = hook().test_connection()
    assert ok
    assert rootly.url in message


def test_list_pages_for_the_caller_and_expands_phases(
    rootly: RootlySandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = {item["id"] for item in rootly.incidents()}
    rootly.clear_requests()
    monkeypatch.setattr(rl, "LIST_PAGE_SIZE", 2)
    listed = hook().list_incidents()
    assert {incident.id for incident in listed} == every
    assert [i.created_at for i in listed] == sorted(i.created_at for i in listed if i.created_at)
    pages = [dict(r["query"])["page[number]"] for r in rootly.requests() if r["path"] == "/v1/incidents"]
    assert pages == [["1"], ["2"], ["3"], ["4"]]
    rootly.clear_requests()
    open_ones = hook().list_incidents(statuses=["open"])
    assert {i.status for i in open_ones} == {"in_triage", "started", "scheduled"}
    filters = {r["query"]["filter[status]"][0] for r in rootly.requests()}
    assert filters == {"in_triage", "detected", "started", "scheduled", "in_progress"}
    assert [i.status for i in hook().list_incidents(statuses=["resolved", "cancelled"])] == [
        "resolved",
        "cancelled",
    ]
    assert len(hook().list_incidents(limit=3)) == 3


def test_list_by_creation_dates(rootly: RootlySandbox) -> None:
    listed = hook().list_incidents()
    middle = listed[3].created_at
    assert middle is not None
    newer = hook().list_incidents(since=middle)
    older = hook().list_incidents(until=middle - timedelta(seconds=1))
    assert {i.id for i in newer} | {i.id for i in older} == {i.id for i in listed}
    assert newer[0].id == listed[3].id


def test_list_scoped_to_services_or_teams_returns_only_their_incidents(rootly: RootlySandbox) -> None:
    def titles(service: str | None = None, team: str | None = None) -> set[str]:
        """The sample titles of a service and/or a team, from the seed's own table."""
        return {
            SAMPLE_TITLES[status]
            for status, (services, teams) in SAMPLE_SCOPES.items()
            if (service is None or service in services) and (team is None or team in teams)
        }

    rootly.clear_requests()
    checkout = hook().list_incidents(services=[SERVICES["checkout"]])
    assert {i.title for i in checkout} == titles(service="checkout") != set()
    assert {r["query"]["filter[service_ids]"][0] for r in rootly.requests()} == {SERVICES["checkout"]}
    platform = hook().list_incidents(teams=[TEAMS["platform"]])
    assert {i.title for i in platform} == titles(team="platform")
    assert "filter[service_ids]" not in rootly.requests()[-1]["query"]
    either = hook().list_incidents(services=[SERVICES["checkout"], SERVICES["search"]])
    assert {i.title for i in either} == titles(service="checkout") | titles(service="search")
    both = hook().list_incidents(services=[SERVICES["checkout"]], teams=[TEAMS["platform"]])
    assert {i.title for i in both} == titles(service="checkout", team="platform")
    assert titles(service="checkout", team="platform") == {SAMPLE_TITLES["mitigated"]}
    rootly.clear_requests()
    open_platform = hook().list_incidents(statuses=["open"], teams=[TEAMS["platform"]])
    assert {i.status for i in open_platform} == {"started", "scheduled"}
    sent = rootly.requests()
    assert len(sent) > 1, "one request per status of the phase"
    assert all(r["query"]["filter[team_ids]"] == [TEAMS["platform"]] for r in sent)


# --- updating ---------------------------------------------------------------------------------------


def test_update_title_summary_severity_status_and_note_in_one_put_and_one_event(
    rootly: RootlySandbox,
) -> None:
    incident_id = rootly.create(status="started")
    key = idempotency_key("dag", "run", "task")
    rootly.clear_requests()
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            title="Checkout: DB failover",
            description="Primary lost; failing over.",
            severity="sev1",
            status="acknowledged",
            note="Failing over",
        ),
        WriteOptions(idempotency_key=key),
    )
    assert result.changed
    assert [(s.name, s.applied) for s in result.steps] == [("update", True), ("note", True)]
    assert result.steps[0].detail == "severity_id, status, summary, title"
    assert (result.incident.status, result.incident.severity) == ("acknowledged", "SEV1")
    remote = rootly.incident(incident_id)
    assert (remote["title"], remote["summary"]) == ("Checkout: DB failover", "Primary lost; failing over.")
    assert remote["severity"]["data"]["id"] == SEVERITIES[1].id
    assert rootly.writes() == [
        ("PUT", f"/v1/incidents/{incident_id}"),
        ("POST", f"/v1/incidents/{incident_id}/events"),
    ]
    event = rootly.events(incident_id)[-1]
    assert (event["event"], event["visibility"]) == (f"Failing over\n\n[{marker(key)}]", "internal")
    xcom = result.to_xcom()
    assert (xcom["changed"], xcom["phase"], xcom["ref"]) == (True, "acknowledged", incident_id)


def test_title_only_update_is_a_single_put(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    rootly.clear_requests()
    hook().update_incident(incident_id, IncidentUpdate(title="Renamed"))
    assert [(r["method"], r["path"]) for r in rootly.requests()] == [("PUT", f"/v1/incidents/{incident_id}")]
    assert body_of(rootly, "PUT", incident_id) == {
        "data": {"type": "incidents", "attributes": {"title": "Renamed"}}
    }


def test_severity_by_id_slug_or_name_read_once_per_hook(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    same_hook = hook()
    for value, name in ((SEVERITIES[0].id, "SEV0"), ("sev2", "SEV2"), ("Sev3", "SEV3")):
        assert (
            same_hook.update_incident(incident_id, IncidentUpdate(severity=value)).incident.severity == name
        )
    assert [r["path"] for r in rootly.requests()].count("/v1/severities") == 1
    with pytest.raises(IncidentValidationError, match=r"SEV0 \(sev0\), SEV1 \(sev1\)"):
        same_hook.update_incident(incident_id, IncidentUpdate(severity="catastrophic"))


def test_vendor_fields_reach_rootly(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    hook().update_incident(
        incident_id,
        IncidentUpdate(
            vendor_fields={
                "service_ids": ["svc-checkout"],
                "labels": {"platform": "web"},
                "public_title": "Checkout degraded",
                "started_at": "2026-01-01T10:00:00Z",
                "slack_channel_name": "inc-checkout",
            }
        ),
    )
    remote = rootly.incident(incident_id)
    assert remote["labels"] == {"platform": "web"}
    assert remote["public_title"] == "Checkout degraded"
    assert remote["started_at"].startswith("2026-01-01T10:00:00")
    assert remote["slack_channel_name"] == "inc-checkout"
    relationships = rootly.api.get(f"/v1/incidents/{incident_id}").json()["data"]["relationships"]
    assert relationships["services"]["data"] == [{"id": "svc-checkout", "type": "services"}]


def test_update_to_mitigated_uses_the_mitigate_endpoint(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    result = hook().update_incident(
        incident_id, IncidentUpdate(title="Failed over", status="mitigated", resolution="Traffic on replica")
    )
    assert [(s.name, s.applied) for s in result.steps] == [("update", True), ("mitigate", True)]
    assert result.incident.status == "mitigated"
    assert rootly.incident(incident_id)["mitigation_message"] == "Traffic on replica"


def test_update_to_the_current_status_sends_nothing(rootly: RootlySandbox) -> None:
    incident_id = rootly.create(status="acknowledged")
    rootly.clear_requests()
    result = hook().update_incident(incident_id, IncidentUpdate(status="acknowledged"))
    assert not result.changed
    assert result.steps[0].detail == "already acknowledged"
    assert rootly.writes() == []


def test_reopen_needs_allow_reopen_and_then_restarts(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("resolved")
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().update_incident(incident_id, IncidentUpdate(status="acknowledged", note="reopening"))
    assert rootly.writes() == []
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="acknowledged"), WriteOptions(allow_reopen=True)
    )
    assert [(s.name, s.detail) for s in result.steps] == [
        ("restart", "resolved -> started"),
        ("acknowledge", "started -> acknowledged"),
    ]
    assert (result.incident.status, result.incident.resolved_at) == ("acknowledged", None)
    assert rootly.writes() == [
        ("PUT", f"/v1/incidents/{incident_id}/restart"),
        ("PUT", f"/v1/incidents/{incident_id}"),
    ]


def test_close_after_resolve_and_resolving_a_closed_incident_is_a_no_op(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("mitigated")
    result = hook().update_incident(incident_id, IncidentUpdate(status="closed", resolution="Done"))
    assert [s.name for s in result.steps] == ["resolve", "close"]
    assert rootly.incident(incident_id)["resolution_message"] == "Done"
    again = hook().resolve_incident(incident_id)
    assert not again.changed
    assert again.steps[0].detail == "already closed"


def test_invalid_and_unsupported_input_fails_before_any_request(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("started")
    rootly.clear_requests()
    with pytest.raises(UnsupportedOperationError, match="incident roles"):
        hook().update_incident(incident_id, IncidentUpdate(assignees=("u1",)))
    with pytest.raises(IncidentValidationError, match="'status'"):
        hook().update_incident(incident_id, IncidentUpdate(status="resovled"))
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.urgency"):
        hook().update_incident(incident_id, IncidentUpdate(vendor_fields={"urgency": "high"}))
    with pytest.raises(IncidentValidationError, match="'incident_id'"):
        hook().resolve_incident("../v1/severities")
    with pytest.raises(IncidentValidationError, match="nothing to change"):
        hook().update_incident(incident_id, IncidentUpdate())
    assert rootly.requests() == []


def test_rootly_refusals_surface_with_their_detail(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()  # started now: a mitigation in 2000 is before it
    with pytest.raises(VendorValidationError) as info:
        hook().update_incident(
            incident_id, IncidentUpdate(vendor_fields={"mitigated_at": "2000-01-01T00:00:00Z"})
        )
    assert info.value.status_code == 422
    assert info.value.vendor_message == "Unprocessable Entity"
    assert info.value.details == ("mitigated_at must be greater than or equal to started_at.",)


# --- the lifecycle operations -----------------------------------------------------------------------


def test_resolving_an_incident_in_triage_starts_it_first_then_is_idempotent(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("in_triage")
    first = hook().resolve_incident(incident_id, resolution="Rolled back release 42")
    assert [(s.name, s.applied, s.detail) for s in first.steps] == [
        ("start", True, "in_triage -> started"),
        ("resolve", True, "started -> resolved"),
    ]
    assert first.incident.phase is Phase.RESOLVED
    assert first.incident.resolved_at is not None
    assert rootly.incident(incident_id)["resolution_message"] == "Rolled back release 42"
    writes = len(rootly.writes())
    second = hook().resolve_incident(incident_id, resolution="Rolled back release 42")
    assert not second.changed
    assert second.steps[0].detail == "already resolved"
    assert len(rootly.writes()) == writes


def test_from_triage_cancel_and_fail(rootly: RootlySandbox) -> None:
    triage = rootly.create(status="in_triage")
    rootly.clear_requests()
    with pytest.raises(IncidentValidationError, match="'from_triage'"):
        hook().resolve_incident(triage, options=WriteOptions(from_triage="fail"))
    assert rootly.writes() == []
    result = hook().resolve_incident(
        triage, resolution="False positive", options=WriteOptions(from_triage="cancel")
    )
    assert [s.name for s in result.steps] == ["cancel"]
    assert (result.incident.status, result.incident.phase) == ("cancelled", Phase.RESOLVED)
    assert rootly.incident(triage)["cancellation_message"] == "False positive"


def test_a_bare_resolve_of_an_incident_in_triage_is_refused_by_the_sandbox(rootly: RootlySandbox) -> None:
    triage = rootly.create(status="in_triage")
    resolve = rl.Transition("resolve", "resolve", "resolved")
    with pytest.raises(VendorValidationError, match="in_triage to resolved"):
        hook().send(rl.build_transition(triage, resolve, None))


def test_acknowledge_never_goes_backwards(rootly: RootlySandbox) -> None:
    started = rootly.create(status="started")
    assert hook().acknowledge_incident(started).changed
    assert body_of(rootly, "PUT", started) == {
        "data": {"type": "incidents", "attributes": {"status": "acknowledged"}}
    }
    assert not hook().acknowledge_incident(started).changed
    mitigated = rootly.with_status("mitigated")
    result = hook().acknowledge_incident(mitigated)
    assert not result.changed
    assert result.incident.status == "mitigated"


def test_mitigate_incident_is_native_and_idempotent(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    result = hook().mitigate_incident(incident_id, message="Scaled out", note="Watching error rate")
    assert [(s.name, s.applied) for s in result.steps] == [("mitigate", True), ("note", True)]
    assert rootly.incident(incident_id)["mitigation_message"] == "Scaled out"
    assert not hook().mitigate_incident(incident_id).changed
    resolved = rootly.with_status("resolved")
    assert hook().mitigate_incident(resolved).steps[0].detail == "already resolved"


def test_scheduled_maintenance_is_read_but_not_moved(rootly: RootlySandbox) -> None:
    maintenance = rootly.with_status("scheduled")
    assert hook().get_incident(maintenance).phase is Phase.OPEN
    with pytest.raises(UnsupportedOperationError, match="scheduled maintenance"):
        hook().resolve_incident(maintenance)
    assert rootly.writes() == []


# --- notes ------------------------------------------------------------------------------------------


def test_note_with_key_is_posted_once_across_event_pages(
    rootly: RootlySandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rl, "LIST_PAGE_SIZE", 2)
    incident_id = rootly.with_status("started")
    key_a = idempotency_key("dag", "run", "task_a")
    key_b = idempotency_key("dag", "run", "task_b")
    assert hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a)).changed
    assert len(rootly.events(incident_id)) > 2, "the marker is not on the first page"
    repeat = hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a))
    assert not repeat.changed
    assert repeat.steps[0].detail == "already posted"
    assert hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_b)).changed
    texts = [e["event"] for e in rootly.events(incident_id)]
    assert sum("Restarted workers" in text for text in texts) == 2


def test_public_note_is_an_external_event_with_a_hidden_marker(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    key = idempotency_key("dag", "run", "announce")
    hook().add_note(incident_id, "We are rolling back.", WriteOptions(public=True, idempotency_key=key))
    event = rootly.events(incident_id)[-1]
    assert event["event"] == f"We are rolling back.\n\n<!-- {marker(key)} -->"
    assert event["visibility"] == "external"
    assert (
        not hook()
        .add_note(incident_id, "We are rolling back.", WriteOptions(public=True, idempotency_key=key))
        .changed
    )
    plain = hook().add_note(incident_id, "No key, no marker.")
    assert plain.changed
    assert rootly.events(incident_id)[-1]["event"] == "No key, no marker."


# --- rate limits and retries ------------------------------------------------------------------------


def _respx_hook() -> RootlyIncidentHook:
    settings = ConnectionSettings(
        conn_id="rl",
        base_url="https://rootly.test",
        token="respx-key-1f2e3d",
        timeouts=Timeouts(connect=1, read=1, total=10),
        rate_limit_per_minute=100_000,
    )
    result = RootlyIncidentHook(settings=settings)
    result.backoff_base = 0.01
    return result


INCIDENT_BODY = {
    "data": {
        "id": "e2823ca6-7112-442c-b913-69bf705af341",
        "type": "incidents",
        "attributes": {"title": "t", "status": "started", "created_at": "2026-01-01T00:00:00Z"},
    }
}


@pytest.mark.parametrize("header", ["X-RateLimit-Reset", "RateLimit-Reset"])
def test_429_waits_for_the_epoch_reset_in_either_spelling(header: str) -> None:
    incident_id = INCIDENT_BODY["data"]["id"]
    with respx.mock(base_url="https://rootly.test") as api:
        route = api.get(f"/v1/incidents/{incident_id}").mock(
            side_effect=[
                httpx.Response(
                    429,
                    headers={header: str(int(time.time()))},
                    json={"error": "Rate limit exceeded. Try again later."},
                ),
                httpx.Response(200, json=INCIDENT_BODY),
            ]
        )
        assert _respx_hook().get_incident(str(incident_id)).status == "started"
    assert route.call_count == 2


def test_event_whose_response_was_lost_is_found_not_posted_again() -> None:
    incident_id = str(INCIDENT_BODY["data"]["id"])
    key = idempotency_key("dag", "run", "task")
    marked = {
        "data": [{"id": "e1", "type": "incident_events", "attributes": {"event": f"x\n\n[{marker(key)}]"}}]
    }
    with respx.mock(base_url="https://rootly.test") as api:
        api.get(f"/v1/incidents/{incident_id}").mock(return_value=httpx.Response(200, json=INCIDENT_BODY))
        api.get(f"/v1/incidents/{incident_id}/events").mock(
            side_effect=[
                httpx.Response(200, json={"data": [], "meta": {"next_page": None}}),
                httpx.Response(200, json={**marked, "meta": {"next_page": None}}),
            ]
        )
        post = api.post(f"/v1/incidents/{incident_id}/events").mock(side_effect=httpx.ReadError("reset"))
        result = _respx_hook().add_note(incident_id, "x", WriteOptions(idempotency_key=key))
    assert result.changed
    assert post.call_count == 1


# --- async twins ------------------------------------------------------------------------------------


# --- the vendor-agnostic operators and the provider registration --------------------------------------


def _context(task_id: str) -> Any:
    return {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=-1)}


def test_operators_work_unchanged_against_rootly(rootly: RootlySandbox) -> None:
    incident_id = rootly.create(status="in_triage")
    mitigate = UpdateIncidentOperator(
        task_id="mitigate",
        conn_id=ROOTLY_CONN_ID,
        incident_id=incident_id,
        status="mitigated",
        note="Failing over",
    )
    value = mitigate.execute(_context("mitigate"))
    assert (value["status"], value["phase"], value["changed"]) == ("mitigated", "mitigated", True)
    assert [step["name"] for step in value["steps"]] == ["mitigate", "note"]
    assert not mitigate.execute(_context("mitigate"))["changed"], "a retry of the same task changes nothing"
    assert sum("Failing over" in e["event"] for e in rootly.events(incident_id)) == 1
    resolve = ResolveIncidentOperator(task_id="resolve", conn_id=ROOTLY_CONN_ID, incident_id=value)
    assert resolve.execute(_context("resolve"))["status"] == "resolved"
    triage = rootly.create(status="in_triage")
    cancel = ResolveIncidentOperator(
        task_id="cancel",
        conn_id=ROOTLY_CONN_ID,
        incident_id=triage,
        resolution="Duplicate",
        from_triage="cancel",
    )
    assert cancel.execute(_context("cancel"))["status"] == "cancelled"


def test_provider_declares_the_rootly_connection_type() -> None:
    (connection,) = [
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == "rootly_incidents"
    ]
    assert connection["hook-class-name"] == HOOK_CLASSES["rootly_incidents"]
    assert connection["hook-name"] == RootlyIncidentHook.hook_name == "Rootly Incidents"
    assert connection["conn-fields"]["proxy"]["schema"]["format"] == "password"
    assert set(connection["ui-field-behaviour"]["hidden-fields"]) == {"schema", "login", "port"}
    assert connection["ui-field-behaviour"]["relabeling"]["password"] == "API key"
    assert RootlyIncidentHook(rootly_incidents_conn_id="x").conn_id == "x"


def test_connection_needs_a_key_and_https_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ROOTLY_BROKEN", json.dumps({"conn_type": "rootly_incidents"}))
    with pytest.raises(ConnectionConfigError, match="API key in the password"):
        _ = get_incident_hook("rootly_broken").settings
    monkeypatch.setenv(
        "AIRFLOW_CONN_ROOTLY_BROKEN",
        json.dumps(
            {"conn_type": "rootly_incidents", "host": "http://rootly.example.com", "password": "k-123456"}
        ),
    )
    with pytest.raises(ConnectionConfigError, match="only allowed for loopback"):
        _ = get_incident_hook("rootly_broken").settings
    monkeypatch.setenv(
        "AIRFLOW_CONN_ROOTLY_BROKEN", json.dumps({"conn_type": "rootly_incidents", "password": "k-123456"})
    )
    assert get_incident_hook("rootly_broken").settings.base_url == "https://api.rootly.com"


def incident_resource(**attributes: Any) -> dict[str, Any]:
    """``INCIDENT_BODY``'s resource with other attributes."""
    resource: dict[str, Any] = json.loads(json.dumps(INCIDENT_BODY["data"]))
    resource["attributes"].update(attributes)
    return resource


# --- create -----------------------------------------------------------------------------------------

COMMANDER, SCRIBE = ROLES
MORGAN, SAM = (user.id for user in USERS)


def test_create_stores_the_dedup_key_as_a_label_and_a_second_call_returns_the_first(
    rootly: RootlySandbox,
) -> None:
    create = IncidentCreate(
        title="Queue backlog", description="Consumers stalled", severity="sev2", dedup_key="k-1"
    )
    first = hook().create_incident(create)
    assert first.changed
    assert [step.name for step in first.steps] == ["create"]
    attributes = rootly.incident(first.incident.id)
    assert (attributes["title"], attributes["summary"], attributes["status"]) == (
        "Queue backlog",
        "Consumers stalled",
        "started",
    )
    assert attributes["labels"] == {rl.DEDUP_LABEL: "k-1"}
    assert rootly.severity_id(first.incident.id) == SEVERITIES[2].id
    second = hook().create_incident(create)
    assert (second.changed, second.incident.id) == (False, first.incident.id)
    assert second.steps[0].model_dump() == {"name": "create", "applied": False, "detail": "already created"}
    labelled = rootly.incidents(**{"filter[labels]": f"{rl.DEDUP_LABEL}:k-1"})
    assert [item["id"] for item in labelled] == [first.incident.id]
    assert sum(method == "POST" and path == "/v1/incidents" for method, path in rootly.calls()) == 1


def test_create_without_a_key_always_creates(rootly: RootlySandbox) -> None:
    before = len(rootly.incidents())
    rootly.clear_requests()
    assert hook().create_incident(IncidentCreate(title="One")).changed
    assert hook().create_incident(IncidentCreate(title="One")).changed
    assert rootly.calls() == [("POST", "/v1/incidents")] * 2, "nothing to look for without a key"
    assert len(rootly.incidents()) == before + 2


def test_create_with_assignees_fills_the_commander_role_once(rootly: RootlySandbox) -> None:
    create = IncidentCreate(title="Paged", assignees=(SAM,), dedup_key="k-2")
    result = hook().create_incident(create)
    assert [step.name for step in result.steps] == ["create", "reassign"]
    assert result.incident.assignees == (SAM,)
    assert rootly.holders(result.incident.id, COMMANDER.id) == [SAM]
    again = hook().create_incident(create)
    assert not again.changed
    assert again.incident.assignees == (SAM,)


@pytest.mark.parametrize(
    ("create", "error"),
    [
        (IncidentCreate(title="  "), "title"),
        (IncidentCreate(title="t", severity="sev9"), "severity"),
        (IncidentCreate(title="t", dedup_key="has space"), "dedup_key"),
        (IncidentCreate(title="t", vendor_fields={"urgency": "high"}), "vendor_fields.urgency"),
        (IncidentCreate(title="t", vendor_fields={"labels": {rl.DEDUP_LABEL: "x"}}), "dedup_key"),
        (IncidentCreate(title="t", assignees=(MORGAN, SAM)), "holds one user"),
    ],
)
def test_invalid_create_sends_no_write(rootly: RootlySandbox, create: IncidentCreate, error: str) -> None:
    before = len(rootly.incidents())
    rootly.clear_requests()
    with pytest.raises(IncidentValidationError, match=error):
        hook().create_incident(create)
    assert rootly.writes() == []
    if error in ("title", "dedup_key", "vendor_fields.urgency"):
        assert rootly.requests() == [], "checked before any request"
    assert len(rootly.incidents()) == before


def test_a_create_whose_response_was_lost_is_found_by_its_key_not_posted_again() -> None:
    labelled = incident_resource(labels={rl.DEDUP_LABEL: "k-lost"})
    with respx.mock(base_url="https://rootly.test") as api:
        lookups = api.get("/v1/incidents").mock(
            side_effect=[
                httpx.Response(200, json={"data": [], "meta": {"next_page": None}}),
                httpx.Response(200, json={"data": [labelled], "meta": {"next_page": None}}),
            ]
        )
        post = api.post("/v1/incidents").mock(side_effect=httpx.ReadError("connection reset"))
        result = _respx_hook().create_incident(IncidentCreate(title="t", dedup_key="k-lost"))
    assert result.changed
    assert result.incident.id == INCIDENT_BODY["data"]["id"]
    assert (post.call_count, lookups.call_count) == (1, 2)
    assert dict(lookups.calls[1].request.url.params)["filter[labels]"] == f"{rl.DEDUP_LABEL}:k-lost"


def test_a_lost_create_without_a_key_is_reported_not_retried() -> None:
    with respx.mock(base_url="https://rootly.test") as api:
        post = api.post("/v1/incidents").mock(side_effect=httpx.ReadError("connection reset"))
        with pytest.raises(AmbiguousWriteError, match="may have been applied"):
            _respx_hook().create_incident(IncidentCreate(title="t"))
    assert post.call_count == 1


# --- escalate ---------------------------------------------------------------------------------------


def test_one_step_climbs_each_rung_with_an_absolute_severity_and_stops_at_the_top(
    rootly: RootlySandbox,
) -> None:
    incident_id = rootly.create()  # no severity: the first step is onto the bottom rung
    for expected in (SEVERITIES[3], SEVERITIES[2], SEVERITIES[1], SEVERITIES[0]):
        result = hook().escalate_incident(incident_id)
        assert result.changed
        assert result.incident.severity == expected.name
        assert body_of(rootly, "PUT", incident_id) == {
            "data": {"type": "incidents", "attributes": {"severity_id": expected.id}}
        }
    rootly.clear_requests()
    top = hook().escalate_incident(incident_id)
    assert not top.changed
    assert str(top.steps[0].detail).startswith("already at the top")
    assert rootly.writes() == []


def test_explicit_severity_is_set_absolutely_and_is_idempotent(rootly: RootlySandbox) -> None:
    incident_id = rootly.create(severity_id=SEVERITIES[2].id)
    result = hook().escalate_incident(incident_id, Escalation(severity="SEV1"))
    assert (result.changed, result.incident.severity) == (True, "SEV1")
    again = hook().escalate_incident(incident_id, Escalation(severity=SEVERITIES[1].id))
    assert not again.changed
    assert again.steps[0].detail == "already SEV1"
    lower = hook().escalate_incident(incident_id, Escalation(severity="SEV2"))
    assert not lower.changed, "an escalation never lowers the severity"
    assert lower.steps[0].detail == "already SEV1, above SEV2"


def test_a_retried_escalation_puts_the_same_absolute_target() -> None:
    incident_id = str(INCIDENT_BODY["data"]["id"])
    at_sev2 = {"id": "s2", "type": "severities", "attributes": {"name": "SEV2"}}
    current = {"data": incident_resource(severity={"data": at_sev2})}
    severities = {
        "data": [
            {
                "id": f"s{n}",
                "type": "severities",
                "attributes": {"name": f"SEV{n}", "slug": f"sev{n}", "position": n},
            }
            for n in range(3)
        ],
        "meta": {"next_page": None},
    }
    with respx.mock(base_url="https://rootly.test") as api:
        api.get("/v1/severities").mock(return_value=httpx.Response(200, json=severities))
        api.get(f"/v1/incidents/{incident_id}").mock(return_value=httpx.Response(200, json=current))
        put = api.put(f"/v1/incidents/{incident_id}").mock(
            side_effect=[httpx.ReadError("response lost"), httpx.Response(200, json=current)]
        )
        _respx_hook().escalate_incident(incident_id)
    assert put.call_count == 2
    targets = [json.loads(call.request.content)["data"]["attributes"] for call in put.calls]
    assert targets == [{"severity_id": "s1"}, {"severity_id": "s1"}], "one step from SEV2, sent twice as is"


def test_escalating_a_resolved_incident_needs_allow_reopen(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("resolved")
    rootly.clear_requests()
    with pytest.raises(IncidentValidationError, match="is resolved") as info:
        hook().escalate_incident(incident_id)
    assert "allow_reopen" in str(info.value)
    assert rootly.writes() == []
    result = hook().escalate_incident(incident_id, options=WriteOptions(allow_reopen=True))
    assert [step.name for step in result.steps] == ["restart", "severity"]
    assert (result.incident.status, result.incident.severity) == ("started", "SEV2")


def test_escalation_level_and_bad_input_fail_before_any_request(rootly: RootlySandbox) -> None:
    incident_id = rootly.with_status("started")
    rootly.clear_requests()
    with pytest.raises(UnsupportedOperationError, match="escalation_level is PagerDuty's"):
        hook().escalate_incident(incident_id, Escalation(escalation_level=2))
    with pytest.raises(IncidentValidationError, match="note"):
        hook().escalate_incident(incident_id, Escalation(note=" "))
    with pytest.raises(IncidentValidationError, match="incident_id"):
        hook().escalate_incident("INC 42")
    assert rootly.requests() == []
    with pytest.raises(IncidentValidationError, match="sev9"):
        hook().escalate_incident(incident_id, Escalation(severity="sev9"))
    assert rootly.writes() == []


def test_escalate_with_assignees_and_a_note_posts_the_note_once(rootly: RootlySandbox) -> None:
    incident_id = rootly.create(severity_id=SEVERITIES[2].id)
    escalation = Escalation(severity="sev1", assignees=(SAM,), note="Escalating to SEV1")
    options = WriteOptions(idempotency_key=idempotency_key("d", "r", "escalate"))
    result = hook().escalate_incident(incident_id, escalation, options)
    assert [step.name for step in result.steps] == ["severity", "reassign", "note"]
    assert (result.incident.severity, result.incident.assignees) == ("SEV1", (SAM,))
    assert not hook().escalate_incident(incident_id, escalation, options).changed
    assert sum("Escalating to SEV1" in e["event"] for e in rootly.events(incident_id)) == 1


# --- reassign ---------------------------------------------------------------------------------------


def test_reassign_fills_the_commander_role_and_is_idempotent(rootly: RootlySandbox) -> None:
    incident_id = rootly.create()
    first = hook().reassign_incident(incident_id, (SAM,))
    assert (first.changed, first.incident.assignees) == (True, (SAM,))
    assert rootly.holders(incident_id, COMMANDER.id) == [SAM]
    assert body_of(rootly, "POST", "/assign_role_to_user")["data"]["attributes"] == {
        "user_id": SAM,
        "incident_role_id": COMMANDER.id,
    }
    rootly.clear_requests()
    again = hook().reassign_incident(incident_id, (SAM,))
    assert not again.changed
    assert rootly.writes() == []
    moved = hook().reassign_incident(incident_id, (MORGAN,), note="Handing over")
    assert moved.changed
    assert rootly.holders(incident_id, COMMANDER.id) == [MORGAN]
    assert [step.name for step in moved.steps] == ["reassign", "note"]


def test_reassign_through_a_configured_multi_holder_role(
    rootly: RootlySandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    rootly.use_connection(monkeypatch, assignee_role="Scribe")
    incident_id = rootly.create()
    result = hook().reassign_incident(incident_id, (MORGAN, SAM))
    assert set(result.incident.assignees) == {MORGAN, SAM}
    result = hook().reassign_incident(incident_id, (SAM,))
    assert rootly.holders(incident_id, SCRIBE.id) == [SAM]
    assert ("DELETE", f"/v1/incidents/{incident_id}/unassign_role_from_user") in rootly.calls()


def test_reassign_errors_name_the_role_setting_or_surface_rootly_detail(
    rootly: RootlySandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = rootly.create()
    rootly.clear_requests()
    with pytest.raises(IncidentValidationError, match="assignees"):
        hook().reassign_incident(incident_id, ("",))
    assert rootly.requests() == []
    with pytest.raises(IncidentValidationError, match="holds one user"):
        hook().reassign_incident(incident_id, (MORGAN, SAM))
    with pytest.raises(VendorValidationError, match="not a user of this team"):
        hook().reassign_incident(incident_id, ("9999",))
    rootly.use_connection(monkeypatch, assignee_role="lead")
    with pytest.raises(IncidentValidationError, match=r"'assignee_role'.*Commander"):
        hook().reassign_incident(incident_id, (SAM,))


def test_an_assignment_that_does_not_read_back_fails_loudly() -> None:
    incident_id = str(INCIDENT_BODY["data"]["id"])
    roles = {
        "data": [
            {"id": "r1", "type": "incident_roles", "attributes": {"name": "Commander", "slug": "commander"}}
        ],
        "meta": {"next_page": None},
    }
    with respx.mock(base_url="https://rootly.test") as api:
        api.get("/v1/incident_roles").mock(return_value=httpx.Response(200, json=roles))
        api.get(f"/v1/incidents/{incident_id}").mock(return_value=httpx.Response(200, json=INCIDENT_BODY))
        api.post(f"/v1/incidents/{incident_id}/assign_role_to_user").mock(
            return_value=httpx.Response(200, json=INCIDENT_BODY)
        )
        with pytest.raises(VendorError, match="did not take"):
            _respx_hook().reassign_incident(incident_id, ("u1",))


# --- the operators and the async twins ----------------------------------------------------------------


def test_create_escalate_and_reassign_operators(rootly: RootlySandbox) -> None:
    create = CreateIncidentOperator(
        task_id="create", conn_id=ROOTLY_CONN_ID, title="Nightly load failed", severity="SEV3"
    )
    created = create.execute(_context("create"))
    assert (created["changed"], created["severity"], created["status"]) == (True, "SEV3", "started")
    retried = create.execute(_context("create"))
    assert (retried["changed"], retried["id"]) == (False, created["id"]), "a task retry creates nothing"
    escalate = EscalateIncidentOperator(task_id="escalate", conn_id=ROOTLY_CONN_ID, incident_id=created)
    escalated = escalate.execute(_context("escalate"))
    assert (escalated["changed"], escalated["severity"]) == (True, "SEV2")
    reassign = ReassignIncidentOperator(
        task_id="reassign", conn_id=ROOTLY_CONN_ID, incident_id=escalated, assignees=SAM, note="Yours now"
    )
    reassigned = reassign.execute(_context("reassign"))
    assert (reassigned["changed"], reassigned["assignees"]) == (True, [SAM])
    assert not reassign.execute(_context("reassign"))["changed"]
    assert sum("Yours now" in e["event"] for e in rootly.events(created["id"])) == 1
