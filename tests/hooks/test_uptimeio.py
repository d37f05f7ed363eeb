"""UptimeIOIncidentHook against the sandbox over real HTTP on 127.0.0.1 (respx only for lost responses)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
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
    RateLimitedError,
    UnsupportedOperationError,
    VendorServerError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.settings import ConnectionSettings, Timeouts
from airflow_incident_provider.hooks.uptimeio import UptimeIOIncidentHook
from airflow_incident_provider.idempotency import idempotency_key, is_marked, mark_hidden, marker
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    EscalateIncidentOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.sandbox.uptimeio import (
    MONITORS,
    OTHER_STATUS_PAGE_ID,
    PROJECT_ID,
    STATUS_PAGE_ID,
)
from airflow_incident_provider.vendors import uptimeio as uv
from tests.fixtures_uptimeio import UPTIMEIO_CONN_ID, UptimeIOSandbox

PUBLIC = WriteOptions(public=True)


def hook() -> UptimeIOIncidentHook:
    result = get_incident_hook(UPTIMEIO_CONN_ID)
    assert isinstance(result, UptimeIOIncidentHook)
    return result


def key(task: str = "task") -> str:
    return idempotency_key("dag", "run", task)


# ---------------------------------------------------------------- reading and connections


def test_get_by_id_or_ref_is_normalized(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("identified")
    incident = hook().get_incident(incident_id)
    assert incident.vendor == "uptimeio"
    assert incident.id == incident_id
    assert incident.ref == f"{PROJECT_ID}/{STATUS_PAGE_ID}/{incident_id}"
    assert (incident.status, incident.phase, incident.severity) == (
        "identified",
        Phase.ACKNOWLEDGED,
        "critical",
    )
    assert incident.raw is None
    assert hook().get_incident(incident.ref) == incident
    raw = hook().get_incident(incident.ref, include_raw=True).raw
    assert raw is not None
    assert raw["id"] == incident_id
    assert [(r["method"], r["path"]) for r in uptimeio.requests()][-1] == ("GET", f"/incidents/{incident_id}")


def test_a_full_ref_reaches_another_page_and_a_bare_id_does_not(uptimeio: UptimeIOSandbox) -> None:
    other = uptimeio.api.get(f"/api/projects/{PROJECT_ID}/status-pages/{OTHER_STATUS_PAGE_ID}/incidents")
    other_id = other.json()["data"]["incidents"][0]["id"]
    ref = f"{PROJECT_ID}/{OTHER_STATUS_PAGE_ID}/{other_id}"
    assert hook().get_incident(ref).ref == ref
    uptimeio.clear_requests()
    with pytest.raises(IncidentNotFoundError) as info:
        hook().get_incident(other_id)
    assert (info.value.status_code, info.value.code) == (404, "NOT_FOUND")
    assert "Incident not found" in str(info.value)
    assert len(uptimeio.requests()) == 1, "404 is never retried"


def test_bare_id_without_scope_fails_before_any_request(
    uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    uptimeio.use_connection(monkeypatch, project_id=PROJECT_ID)
    with pytest.raises(IncidentValidationError, match="status_page_id"):
        hook().get_incident(uptimeio.with_status("identified"))
    ok, message = hook().test_connection()
    assert not ok
    assert "status_page_id" in message
    assert uptimeio.requests() == []


def test_connection_check_and_settings(uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = hook().test_connection()
    assert ok
    assert STATUS_PAGE_ID in message
    assert uptimeio.url in message
    for extra, match in (
        ({"note_marker": "visible"}, "note_marker"),
        ({"incident_url_template": "https://x/{incident}"}, "incident_url_template"),
        ({"incident_url_template": "ftp://x/{incident_id}"}, "incident_url_template"),
    ):
        uptimeio.use_connection(monkeypatch, **extra)
        with pytest.raises(ConnectionConfigError, match=match):
            hook().get_incident("x")
    monkeypatch.setenv(f"AIRFLOW_CONN_{UPTIMEIO_CONN_ID.upper()}", '{"conn_type": "uptimeio_incidents"}')
    with pytest.raises(ConnectionConfigError, match="API key in the password"):
        hook().get_incident("x")


def test_incident_url_comes_from_the_template(
    uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    uptimeio.use_connection(
        monkeypatch,
        project_id=PROJECT_ID,
        status_page_id=STATUS_PAGE_ID,
        incident_url_template="https://status.example.com/incidents/{incident_id}",
    )
    incident_id = uptimeio.with_status("monitoring")
    assert hook().get_incident(incident_id).url == f"https://status.example.com/incidents/{incident_id}"


# ---------------------------------------------------------------- updates


def test_title_only_update_is_one_patch_and_needs_no_public(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    result = hook().update_incident(incident_id, IncidentUpdate(title="Login timeouts in EU"))
    assert result.changed
    assert [(s.name, s.applied) for s in result.steps] == [("update", True)]
    assert result.incident.title == "Login timeouts in EU"
    assert [(r["method"], r["path"]) for r in uptimeio.requests()] == [("PATCH", f"/incidents/{incident_id}")]
    assert [r["body"] for r in uptimeio.requests()] == [{"title": "Login timeouts in EU"}]


def test_fields_and_monitors_reach_uptimeio_and_its_refusals_surface(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    monitors = [MONITORS[2].id]
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            description="Logins fail for some users",
            severity="Critical",
            vendor_fields={"affected_monitor_ids": monitors},
        ),
    )
    assert result.incident.severity == "critical"
    remote = uptimeio.incident(incident_id)
    assert remote["message"] == "Logins fail for some users"
    assert remote["affected_monitor_ids"] == monitors
    with pytest.raises(VendorValidationError) as info:
        hook().update_incident(
            incident_id, IncidentUpdate(vendor_fields={"affected_monitor_ids": [MONITORS[3].id]})
        )
    assert info.value.code == "VALIDATION_ERROR"
    assert "monitors must belong to this status page" in str(info.value)


def test_status_change_needs_public_and_nothing_is_sent_without_it(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    for update in (IncidentUpdate(status="identified"), IncidentUpdate(title="t", note="On it")):
        with pytest.raises(IncidentValidationError) as info:
            hook().update_incident(incident_id, update)
        assert info.value.field == "public"
    with pytest.raises(UnsupportedOperationError, match="notify_subscribers"):
        hook().update_incident(
            incident_id,
            IncidentUpdate(status="identified"),
            WriteOptions(public=True, notify_subscribers=True),
        )
    with pytest.raises(UnsupportedOperationError, match="assignees"):
        hook().update_incident(incident_id, IncidentUpdate(assignees=("u1",)))
    with pytest.raises(IncidentValidationError, match="names nothing"):
        hook().update_incident(incident_id, IncidentUpdate())
    assert uptimeio.requests() == []


def test_acknowledged_phase_with_a_note_is_posted_once(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    options = WriteOptions(public=True, idempotency_key=key())
    update = IncidentUpdate(status="acknowledged", note="We found the cause and are rolling back.")
    first = hook().update_incident(incident_id, update, options)
    assert first.changed
    assert [(s.name, s.applied) for s in first.steps] == [("update", True), ("note", True)]
    assert first.incident.status == "identified"
    newest = uptimeio.updates(incident_id)[0]
    assert newest["status"] == "identified"
    assert newest["message"] == mark_hidden("We found the cause and are rolling back.", key())
    uptimeio.clear_requests()
    again = hook().update_incident(incident_id, update, options)
    assert not again.changed
    assert [(s.name, s.applied, s.detail) for s in again.steps] == [
        ("update", False, "already as requested"),
        ("note", False, "already posted"),
    ]
    assert uptimeio.writes() == []


def test_note_marker_can_be_turned_off(uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    uptimeio.use_connection(
        monkeypatch, project_id=PROJECT_ID, status_page_id=STATUS_PAGE_ID, note_marker="none"
    )
    incident_id = uptimeio.with_status("monitoring")
    options = WriteOptions(public=True, idempotency_key=key())
    assert hook().add_note(incident_id, "Still watching.", options).changed
    assert uptimeio.updates(incident_id)[0]["message"] == "Still watching."
    assert ("GET", f"/incidents/{incident_id}/updates") not in [
        (r["method"], r["path"]) for r in uptimeio.requests()
    ]


def test_notes_keep_the_status_and_other_tasks_post_theirs(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("monitoring")
    with pytest.raises(IncidentValidationError, match="public"):
        hook().add_note(incident_id, "Still watching.")
    with pytest.raises(IncidentValidationError, match="idempotency marker"):
        hook().add_note(incident_id, "x" * 4990, WriteOptions(public=True, idempotency_key=key()))
    assert uptimeio.requests() == []
    for task in ("a", "a", "b"):
        hook().add_note(incident_id, "Still watching.", WriteOptions(public=True, idempotency_key=key(task)))
    posted = [u for u in uptimeio.updates(incident_id) if u["message"].startswith("Still watching.")]
    assert len(posted) == 2
    assert {u["status"] for u in posted} == {"monitoring"}
    assert uptimeio.incident(incident_id)["status"] == "monitoring"


def test_reopen_needs_allow_reopen(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("resolved")
    uptimeio.clear_requests()
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().update_incident(incident_id, IncidentUpdate(status="monitoring"), PUBLIC)
    assert uptimeio.writes() == []
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="open"), WriteOptions(public=True, allow_reopen=True)
    )
    assert result.incident.status == "investigating"
    assert result.incident.resolved_at is None


# ---------------------------------------------------------------- resolve and acknowledge


def test_resolve_uses_the_resolve_endpoint_once(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("identified")
    with pytest.raises(IncidentValidationError, match="public"):
        hook().resolve_incident(incident_id, "Fixed")
    assert uptimeio.requests() == []
    first = hook().resolve_incident(incident_id, "Certificate renewed.", None, PUBLIC)
    assert first.changed
    assert first.incident.phase is Phase.RESOLVED
    assert first.incident.resolved_at is not None
    assert uptimeio.writes() == [("POST", f"/incidents/{incident_id}/resolve")]
    assert uptimeio.updates(incident_id)[0]["message"] == "Certificate renewed."
    uptimeio.clear_requests()
    second = hook().resolve_incident(incident_id, "Certificate renewed.", None, PUBLIC)
    assert not second.changed
    assert second.steps[0].detail == "already resolved"
    assert uptimeio.writes() == []


def test_update_to_resolved_patches_then_resolves_with_the_resolution(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("monitoring")
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            status="resolved", resolution="Cache rebuilt.", severity="minor", title="Slow dashboards"
        ),
        PUBLIC,
    )
    assert [(s.name, s.applied) for s in result.steps] == [("update", True), ("resolve", True)]
    assert result.incident.status == "resolved"
    assert uptimeio.writes() == [
        ("PATCH", f"/incidents/{incident_id}"),
        ("POST", f"/incidents/{incident_id}/resolve"),
    ]
    patch = next(r for r in uptimeio.requests() if r["method"] == "PATCH")
    assert patch["body"] == {"title": "Slow dashboards", "severity": "minor"}
    assert uptimeio.updates(incident_id)[0]["message"] == "Cache rebuilt."


def test_resolve_with_note_posts_it_after(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    result = hook().resolve_incident(
        incident_id, None, "Postmortem to follow.", WriteOptions(public=True, idempotency_key=key())
    )
    assert [(s.name, s.applied) for s in result.steps] == [("resolve", True), ("note", True)]
    messages = [u["message"] for u in uptimeio.updates(incident_id)]
    assert is_marked(messages[0], key())
    assert messages[1] == "This incident has been resolved."


def test_acknowledge_is_unsupported_and_says_what_to_do(uptimeio: UptimeIOSandbox) -> None:
    with pytest.raises(UnsupportedOperationError, match=r"status='identified', public=True"):
        hook().acknowledge_incident(uptimeio.with_status("investigating"), options=PUBLIC)
    assert uptimeio.requests() == []


def test_operators_work_unchanged(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.with_status("investigating")
    context: Any = {"ti": SimpleNamespace(dag_id="d", run_id="r", task_id="t", map_index=-1)}
    acked = UpdateIncidentOperator(
        task_id="ack", conn_id=UPTIMEIO_CONN_ID, incident_id=incident_id, status="acknowledged",
        note="Rolling back.", public=True,
    ).execute(context)  # fmt: skip
    assert acked["status"] == "identified"
    assert acked["ref"] == f"{PROJECT_ID}/{STATUS_PAGE_ID}/{incident_id}"
    resolved = ResolveIncidentOperator(
        task_id="resolve", conn_id=UPTIMEIO_CONN_ID, incident_id=acked, resolution="Rolled back.", public=True
    ).execute(context)
    assert (resolved["phase"], resolved["changed"]) == ("resolved", True)


# ---------------------------------------------------------------- listing and limits


def test_list_pages_until_a_short_page_and_filters(
    uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(3):
        uptimeio.create(title=f"Extra {index}")
    every = {i["id"] for i in uptimeio.incidents()}
    monkeypatch.setattr(uv, "LIST_PAGE_SIZE", 2)
    uptimeio.clear_requests()
    listed = hook().list_incidents()
    assert {i.id for i in listed} == every
    pages = [r["query"]["page"] for r in uptimeio.requests()]
    assert pages == [["1"], ["2"], ["3"], ["4"]], "7 incidents in pages of 2: the short 4th page ends it"
    assert {i.status for i in hook().list_incidents(statuses=["open"])} == {"investigating"}
    both = hook().list_incidents(statuses=["mitigated", "resolved"])
    assert sorted(i.status for i in both) == ["monitoring", "resolved"]
    assert len(hook().list_incidents(limit=3)) == 3
    recent = hook().list_incidents(since=listed[0].created_at - timedelta(hours=4))  # type: ignore[operator]
    assert {i.title for i in recent} >= {"Checkout payments failing", "Intermittent login timeouts"}
    assert "Elevated API error rates" not in {i.title for i in recent}


@pytest.mark.parametrize("field", ["services", "teams"])
def test_list_scoped_to_services_or_teams_is_refused_before_any_request(
    uptimeio: UptimeIOSandbox, field: str
) -> None:
    uptimeio.clear_requests()
    scope: dict[str, Any] = {field: ["checkout"]}
    with pytest.raises(IncidentValidationError, match="project_id and status_page_id") as info:
        hook().list_incidents(**scope)
    assert info.value.field == field
    assert uptimeio.requests() == []


def test_client_side_limit_defaults_low_and_refuses_rather_than_wait(
    uptimeio: UptimeIOSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hook().rate_limit() > uv.RATE_LIMIT_PER_MINUTE, "tests run with a high override"
    uptimeio.use_connection(
        monkeypatch,
        project_id=PROJECT_ID,
        status_page_id=STATUS_PAGE_ID,
        rate_limit_per_minute=2,
        total_timeout=1,
    )
    incident_id = uptimeio.with_status("identified")
    uptimeio.clear_requests()
    for _ in range(2):
        hook().get_incident(incident_id)
    with pytest.raises(RateLimitedError, match="2/min"):
        hook().get_incident(incident_id)
    assert len(uptimeio.requests()) == 2


# ------------------------------------------------ lost responses (respx: a server cannot lose them)

BASE = "https://uptimeio.test"
RESPX_SCOPE = uv.Scope(PROJECT_ID, STATUS_PAGE_ID, "990e8400-e29b-41d4-a716-446655440050")
PATH = RESPX_SCOPE.path


def incident_body(status: str, severity: str = "minor") -> dict[str, Any]:
    incident = {
        "id": RESPX_SCOPE.incident_id,
        "status_page_id": STATUS_PAGE_ID,
        "title": "t",
        "status": status,
        "severity": severity,
    }
    return {"success": True, "data": {"incident": incident}}


def respx_hook() -> UptimeIOIncidentHook:
    settings = ConnectionSettings(
        conn_id="u",
        base_url=BASE,
        token="respx-key-5f1e",
        extras={"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID, "note_marker": "hidden"},
        timeouts=Timeouts(connect=1, read=1, total=10),
        rate_limit_per_minute=100_000,
    )
    result = UptimeIOIncidentHook(settings=settings)
    result.backoff_base = 0.01
    return result


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def test_429_honours_retry_after_then_succeeds(api: respx.MockRouter) -> None:
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "0.2"},
                json={"success": False, "error": {"code": "RATE_LIMITED"}},
            ),
            httpx.Response(200, json=incident_body("identified")),
        ]
    )
    assert respx_hook().get_incident(RESPX_SCOPE.incident_id).status == "identified"
    assert route.call_count == 2
    assert route.calls[0].request.headers["X-API-Key"] == "respx-key-5f1e"


def test_gateway_errors_are_retried_and_odd_bodies_still_explain(api: respx.MockRouter) -> None:
    flaky = api.get(PATH).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=incident_body("monitoring"))]
    )
    assert respx_hook().get_incident(RESPX_SCOPE.ref).phase is Phase.MITIGATED
    assert flaky.call_count == 2
    api.get(PATH).mock(return_value=httpx.Response(500, text="<html>oops</html>"))
    with pytest.raises(VendorServerError, match="HTTP 500"):
        respx_hook().get_incident(RESPX_SCOPE.incident_id)


def test_note_whose_response_was_lost_is_found_not_posted_again(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body("identified")))
    found = {"success": True, "data": {"updates": [{"message": mark_hidden("Rolling back", key())}]}}
    api.get(f"{PATH}/updates").mock(
        side_effect=[
            httpx.Response(200, json={"success": True, "data": {"updates": []}}),
            httpx.Response(200, json=found),
        ]
    )
    post = api.post(f"{PATH}/updates").mock(side_effect=httpx.ReadError("connection reset"))
    result = respx_hook().add_note(
        RESPX_SCOPE.ref, "Rolling back", WriteOptions(public=True, idempotency_key=key())
    )
    assert result.changed
    assert post.call_count == 1
    assert marker(key()) in post.calls[0].request.content.decode()


def test_note_without_key_reports_the_ambiguity(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body("identified")))
    post = api.post(f"{PATH}/updates").mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        respx_hook().add_note(RESPX_SCOPE.ref, "Rolling back", PUBLIC)
    assert post.call_count == 1


def test_resolve_whose_response_was_lost_is_read_back(api: respx.MockRouter) -> None:
    api.get(PATH).mock(
        side_effect=[
            httpx.Response(200, json=incident_body("identified")),
            httpx.Response(200, json=incident_body("resolved")),
        ]
    )
    post = api.post(f"{PATH}/resolve").mock(side_effect=httpx.ReadError("connection reset"))
    result = respx_hook().resolve_incident(RESPX_SCOPE.ref, "Done", None, PUBLIC)
    assert result.changed
    assert result.steps[0].detail == "response lost, found resolved"
    assert post.call_count == 1


def test_resolve_refused_because_someone_else_resolved_is_unchanged(api: respx.MockRouter) -> None:
    api.get(PATH).mock(
        side_effect=[
            httpx.Response(200, json=incident_body("monitoring")),
            httpx.Response(200, json=incident_body("resolved")),
        ]
    )
    refusal = {
        "success": False,
        "error": {"code": "VALIDATION_ERROR", "message": "Incident is already resolved"},
    }
    api.post(f"{PATH}/resolve").mock(return_value=httpx.Response(400, json=refusal))
    result = respx_hook().resolve_incident(RESPX_SCOPE.ref, None, None, PUBLIC)
    assert not result.changed
    assert result.steps[0].detail == "resolved concurrently"


def test_resolve_refused_for_another_reason_is_raised(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body("monitoring")))
    refusal = {"success": False, "error": {"code": "VALIDATION_ERROR", "message": "Status page is archived"}}
    api.post(f"{PATH}/resolve").mock(return_value=httpx.Response(400, json=refusal))
    with pytest.raises(VendorValidationError, match="Status page is archived"):
        respx_hook().resolve_incident(RESPX_SCOPE.ref, None, None, PUBLIC)


def test_resolve_lost_every_time_gives_up_after_bounded_attempts(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body("monitoring")))
    post = api.post(f"{PATH}/resolve").mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(AmbiguousWriteError):
        respx_hook().resolve_incident(RESPX_SCOPE.ref, None, None, PUBLIC)
    assert post.call_count == 3


def test_provider_info_declares_the_connection_form() -> None:
    from airflow_incident_provider.get_provider_info import get_provider_info
    from airflow_incident_provider.hooks import HOOK_CLASSES

    info = get_provider_info()
    (connection,) = [c for c in info["connection-types"] if c["connection-type"] == "uptimeio_incidents"]
    assert connection["hook-class-name"] == HOOK_CLASSES["uptimeio_incidents"]
    assert connection["hook-name"] == UptimeIOIncidentHook.hook_name == "UptimeIO Incidents"
    fields = connection["conn-fields"]
    assert {"project_id", "status_page_id", "incident_url_template", "note_marker", "proxy"} <= set(fields)
    for field in fields.values():
        assert set(field) <= {"label", "schema", "description"}
        assert "type" in field["schema"]
    assert fields["note_marker"]["schema"]["enum"] == list(uv.MARKER_STYLES)
    assert connection["ui-field-behaviour"]["relabeling"]["password"] == "API key"
    assert "UptimeIO Incidents" in {integration["integration-name"] for integration in info["integrations"]}


# ---------------------------------------------------------------- create, escalate, reassign


def test_create_is_unsupported_and_says_to_pass_the_id_before_any_request(uptimeio: UptimeIOSandbox) -> None:
    create = IncidentCreate(title="Checkout down", severity="major", dedup_key="alert-1")
    before = len(uptimeio.incidents())
    uptimeio.clear_requests()
    with pytest.raises(UnsupportedOperationError, match="documents no endpoint to create") as info:
        hook().create_incident(create, PUBLIC)
    assert "pass its id" in str(info.value)
    with pytest.raises(UnsupportedOperationError, match="documents no endpoint to create"):
        asyncio.run(hook().acreate_incident(create, PUBLIC))
    assert uptimeio.requests() == []
    assert len(uptimeio.incidents()) == before


@pytest.mark.parametrize(("start", "target"), [("minor", "major"), ("major", "critical")])
def test_one_step_writes_the_next_severity_as_an_absolute_value(
    uptimeio: UptimeIOSandbox, start: str, target: str
) -> None:
    incident_id = uptimeio.create(severity=start)
    result = hook().escalate_incident(incident_id, Escalation(), PUBLIC)
    assert result.changed
    assert result.incident.severity == target
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [
        ("escalate", True, f"severity {start} -> {target}")
    ]
    assert [(r["method"], r["path"], r["body"]) for r in uptimeio.requests()] == [
        ("GET", f"/incidents/{incident_id}", None),
        ("PATCH", f"/incidents/{incident_id}", {"severity": target}),
    ]
    assert uptimeio.incident(incident_id)["severity"] == target


def test_at_the_top_nothing_is_written(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="critical")
    result = hook().escalate_incident(incident_id, options=PUBLIC)
    assert not result.changed
    assert result.steps[0].detail == "already at the top"
    assert result.incident.severity == "critical"
    assert uptimeio.writes() == []


def test_explicit_severity_is_set_but_never_lowered(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="minor")
    jumped = hook().escalate_incident(incident_id, Escalation(severity="Critical"), PUBLIC)
    assert (jumped.changed, jumped.incident.severity) == (True, "critical")
    assert [r["body"] for r in uptimeio.requests() if r["method"] == "PATCH"] == [{"severity": "critical"}]
    uptimeio.clear_requests()
    same = hook().escalate_incident(incident_id, Escalation(severity="critical"), PUBLIC)
    lower = hook().escalate_incident(incident_id, Escalation(severity="major"), PUBLIC)
    assert [(r.changed, r.steps[0].detail) for r in (same, lower)] == [
        (False, "already critical"),
        (False, "already critical, above major"),
    ]
    assert uptimeio.writes() == []
    assert uptimeio.incident(incident_id)["severity"] == "critical"


def test_escalation_note_is_public_marked_and_posted_once(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="major", status="identified")
    options = WriteOptions(public=True, idempotency_key=key())
    first = hook().escalate_incident(incident_id, Escalation(note="Impact widened to all regions."), options)
    assert [(s.name, s.applied) for s in first.steps] == [("escalate", True), ("note", True)]
    newest = uptimeio.updates(incident_id)[0]
    assert newest["message"] == mark_hidden("Impact widened to all regions.", key())
    assert newest["status"] == "identified"
    again = hook().escalate_incident(incident_id, Escalation(note="Impact widened to all regions."), options)
    assert [(s.applied, s.detail) for s in again.steps] == [
        (False, "already at the top"),
        (False, "already posted"),
    ]
    posted = [u for u in uptimeio.updates(incident_id) if is_marked(u["message"], key())]
    assert len(posted) == 1


def test_escalation_refusals_come_before_any_request(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="minor")
    uptimeio.clear_requests()
    with pytest.raises(IncidentValidationError) as info:
        hook().escalate_incident(incident_id)
    assert info.value.field == "public"
    with pytest.raises(UnsupportedOperationError, match=r"'escalation_level' is PagerDuty's.*severity="):
        hook().escalate_incident(incident_id, Escalation(escalation_level=2), PUBLIC)
    with pytest.raises(UnsupportedOperationError, match=r"no assignees.*ReassignIncidentOperator"):
        hook().escalate_incident(incident_id, Escalation(assignees=("u1",)), PUBLIC)
    with pytest.raises(IncidentValidationError, match="allowed: minor, major, critical"):
        hook().escalate_incident(incident_id, Escalation(severity="sev1"), PUBLIC)
    with pytest.raises(UnsupportedOperationError, match="notify_subscribers"):
        hook().escalate_incident(incident_id, options=WriteOptions(public=True, notify_subscribers=True))
    with pytest.raises(IncidentValidationError, match="idempotency marker"):
        hook().escalate_incident(
            incident_id, Escalation(note="x" * 4990), WriteOptions(public=True, idempotency_key=key())
        )
    with pytest.raises(IncidentValidationError, match="incident_id"):
        hook().escalate_incident("a/b", options=PUBLIC)
    assert uptimeio.requests() == []
    assert uptimeio.incident(incident_id)["severity"] == "minor"


def test_resolved_incident_is_escalated_only_with_allow_reopen(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="minor", status="resolved")
    with pytest.raises(IncidentValidationError, match=r"'resolved'.*allow_reopen=True") as info:
        hook().escalate_incident(incident_id, options=PUBLIC)
    assert info.value.field == "status"
    assert uptimeio.writes() == []
    result = hook().escalate_incident(incident_id, options=WriteOptions(public=True, allow_reopen=True))
    assert (result.changed, result.incident.severity, result.incident.status) == (True, "major", "resolved")


def test_reassign_is_unsupported_and_names_what_to_do(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create()
    uptimeio.clear_requests()
    with pytest.raises(UnsupportedOperationError, match=r"no assignees.*PagerDuty, Rootly, Pinghome"):
        hook().reassign_incident(incident_id, ("u1",), "Handing over", PUBLIC)
    with pytest.raises(UnsupportedOperationError, match="no assignees"):
        asyncio.run(hook().areassign_incident(incident_id, ("u1",)))
    assert uptimeio.requests() == []


def test_create_escalate_and_reassign_operators(uptimeio: UptimeIOSandbox) -> None:
    incident_id = uptimeio.create(severity="minor")
    context: Any = {"ti": SimpleNamespace(dag_id="d", run_id="r", task_id="t", map_index=-1)}
    with pytest.raises(UnsupportedOperationError, match="pass its id"):
        CreateIncidentOperator(
            task_id="create", conn_id=UPTIMEIO_CONN_ID, title="Checkout down", public=True
        ).execute(context)
    escalate = EscalateIncidentOperator(
        task_id="escalate", conn_id=UPTIMEIO_CONN_ID, incident_id=incident_id, public=True
    )
    first = escalate.execute(context)
    assert (first["severity"], first["changed"]) == ("major", True)
    assert first["ref"] == f"{PROJECT_ID}/{STATUS_PAGE_ID}/{incident_id}"
    explicit = EscalateIncidentOperator(
        task_id="escalate2", conn_id=UPTIMEIO_CONN_ID, incident_id=first, severity="critical", public=True
    ).execute(context)
    assert (explicit["severity"], explicit["changed"]) == ("critical", True)
    top = escalate.execute(context)
    assert (top["changed"], top["steps"][0]["detail"]) == (False, "already at the top")
    with pytest.raises(IncidentValidationError, match="public"):
        EscalateIncidentOperator(task_id="e", conn_id=UPTIMEIO_CONN_ID, incident_id=incident_id).execute(
            context
        )
    with pytest.raises(UnsupportedOperationError, match="no assignees"):
        ReassignIncidentOperator(
            task_id="reassign", conn_id=UPTIMEIO_CONN_ID, incident_id=incident_id, assignees=["u1"]
        ).execute(context)
    assert uptimeio.incident(incident_id)["severity"] == "critical"


def test_escalate_whose_response_was_lost_resends_the_same_absolute_target(api: respx.MockRouter) -> None:
    read = api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body("identified", "minor")))
    patch = api.patch(PATH).mock(
        side_effect=[
            httpx.ReadError("connection reset"),
            httpx.Response(503),
            httpx.Response(200, json=incident_body("identified", "major")),
        ]
    )
    result = respx_hook().escalate_incident(RESPX_SCOPE.ref, options=PUBLIC)
    assert (result.changed, result.incident.severity) == (True, "major")
    assert read.call_count == 1
    assert patch.call_count == 3
    assert [json.loads(call.request.content) for call in patch.calls] == [{"severity": "major"}] * 3
