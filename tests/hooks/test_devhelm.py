"""DevHelmIncidentHook against the sandbox over real HTTP on 127.0.0.1 (respx only for lost responses)."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
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
    VendorValidationError,
)
from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.hooks import HOOK_CLASSES, get_incident_hook
from airflow_incident_provider.hooks.devhelm import DevHelmIncidentHook
from airflow_incident_provider.hooks.settings import ConnectionSettings, Timeouts
from airflow_incident_provider.idempotency import idempotency_key, mark_hidden, marker
from airflow_incident_provider.models import (
    Escalation,
    IncidentCreate,
    IncidentUpdate,
    Phase,
    Step,
    WriteOptions,
)
from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    EscalateIncidentOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID, SECOND_STATUS_PAGE_ID
from airflow_incident_provider.vendors import devhelm as dh_vendor
from airflow_incident_provider.vendors.devhelm import create as dh_create
from tests.fixtures_devhelm import DEVHELM_CONN_ID, DEVHELM_PAGE_PATH, DevHelmSandbox

PUBLIC = WriteOptions(public=True)
MISSING = "0f0f0f0f-0000-4000-8000-000000000404"


def hook() -> DevHelmIncidentHook:
    result = get_incident_hook(DEVHELM_CONN_ID)
    assert isinstance(result, DevHelmIncidentHook)
    return result


def keyed(task: str = "task", **options: Any) -> WriteOptions:
    return WriteOptions(public=True, idempotency_key=idempotency_key("dag", "run", task), **options)


# --- reading ----------------------------------------------------------------------------------------


def test_get_by_id_or_ref_is_normalized(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("IDENTIFIED")
    by_id = hook().get_incident(incident_id)
    assert by_id.vendor == "devhelm"
    assert by_id.id == incident_id
    assert by_id.ref == f"{DEFAULT_STATUS_PAGE_ID}/{incident_id}"
    assert by_id.title == "Delayed webhook deliveries"
    assert (by_id.status, by_id.phase, by_id.severity) == ("identified", Phase.ACKNOWLEDGED, "minor")
    assert by_id.created_at is not None
    assert by_id.url is None
    assert by_id.raw is None
    assert hook().get_incident(by_id.ref) == by_id
    raw = hook().get_incident(by_id.ref, include_raw=True).raw
    assert raw is not None
    assert raw["status"] == "IDENTIFIED"
    assert [update["status"] for update in raw["updates"]] == ["INVESTIGATING", "IDENTIFIED"]


def test_a_ref_reaches_another_status_page(devhelm: DevHelmSandbox) -> None:
    other = devhelm.incidents(page_id=SECOND_STATUS_PAGE_ID)[0]["id"]
    incident = hook().get_incident(f"{SECOND_STATUS_PAGE_ID}/{other}")
    assert incident.ref == f"{SECOND_STATUS_PAGE_ID}/{other}"
    with pytest.raises(IncidentNotFoundError, match="Incident not found"):
        hook().get_incident(other)  # an id alone is looked up on the connection's page


def test_missing_incident_surfaces_devhelm_message_code_and_request_id(devhelm: DevHelmSandbox) -> None:
    with pytest.raises(IncidentNotFoundError) as info:
        hook().get_incident(MISSING)
    assert info.value.status_code == 404
    assert info.value.code == "NOT_FOUND"
    assert "Incident not found" in str(info.value)
    assert f"GET /api/v1/status-pages/{DEFAULT_STATUS_PAGE_ID}/incidents/{MISSING}" in str(info.value)
    assert any(detail.startswith("request id ") for detail in info.value.details)
    assert len(devhelm.requests()) == 1, "404 is never retried"


def test_connection_check_reads_the_page_or_lists_pages(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, message = hook().test_connection()
    assert ok
    assert DEFAULT_STATUS_PAGE_ID in message
    assert devhelm.requests()[-1]["path"] == ""  # GET of the status page itself
    devhelm.use_connection(monkeypatch, status_page_id=MISSING)
    ok, message = hook().test_connection()
    assert not ok
    assert "Status page not found" in message
    devhelm.use_connection(monkeypatch, status_page_id=None)
    ok, _ = hook().test_connection()
    assert ok
    assert devhelm.requests()[-1]["path"] == "/api/v1/status-pages"


def test_tenant_headers_are_sent_only_when_set(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    devhelm.clear_requests()
    hook().get_incident(incident_id)
    devhelm.use_connection(monkeypatch, org_id="42", workspace_id="7")
    hook().get_incident(incident_id)
    first, second = (request["headers"] for request in devhelm.requests())
    assert "x-phelm-org-id" not in first
    assert "x-phelm-workspace-id" not in first
    assert (second["x-phelm-org-id"], second["x-phelm-workspace-id"]) == ("42", "7")
    assert "authorization" not in second, "the sandbox never logs credentials"


def test_incident_url_comes_from_the_connection_template(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = "https://app.devhelm.io/status-pages/{page_id}/incidents/{incident_id}"
    devhelm.use_connection(monkeypatch, incident_url_template=template)
    incident_id = devhelm.with_status("MONITORING")
    incident = hook().get_incident(incident_id)
    assert (
        incident.url
        == f"https://app.devhelm.io/status-pages/{DEFAULT_STATUS_PAGE_ID}/incidents/{incident_id}"
    )


# --- updates ------------------------------------------------------------------------------------------


def test_title_severity_and_vendor_fields_are_one_put_and_need_no_public(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("RESOLVED")
    assert devhelm.incident(incident_id)["postmortemUrl"] is not None
    devhelm.clear_requests()
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            title="Login failures for SSO users (postmortem)",
            severity="Major",
            vendor_fields={"postmortemUrl": "", "postmortemBody": "# What happened"},
        ),
    )
    assert result.changed
    assert [(s.name, s.applied) for s in result.steps] == [("update", True)]
    assert devhelm.writes() == [("PUT", f"/incidents/{incident_id}")]
    assert devhelm.requests()[0]["body"] == {
        "title": "Login failures for SSO users (postmortem)",
        "impact": "MAJOR",
        "postmortemUrl": "",
        "postmortemBody": "# What happened",
    }
    remote = devhelm.incident(incident_id)
    assert remote["postmortemUrl"] is None, "an empty string clears the postmortem URL"
    assert remote["postmortemBody"] == "# What happened"
    assert remote["status"] == "RESOLVED", "the fields DevHelm's PUT did not name are preserved"
    assert result.incident.severity == "major"


def test_status_and_note_are_one_timeline_update(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    options = keyed()
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="acknowledged", note="We found the faulty deploy."), options
    )
    assert result.changed
    assert [(s.name, s.applied) for s in result.steps] == [("identified", True)]
    assert result.incident.status == "identified"
    assert devhelm.writes() == [("POST", f"/incidents/{incident_id}/updates")]
    latest = devhelm.timeline(incident_id)[-1]
    assert latest["status"] == "IDENTIFIED"
    assert latest["body"] == mark_hidden("We found the faulty deploy.", str(options.idempotency_key))
    assert latest["notifySubscribers"] is False, "DevHelm notifies by default: the provider says no"
    again = hook().update_incident(
        incident_id, IncidentUpdate(status="acknowledged", note="We found the faulty deploy."), options
    )
    assert not again.changed
    assert len(devhelm.timeline(incident_id)) == 2, "a retried task never posts twice"


def test_status_change_without_note_posts_the_default_message(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("IDENTIFIED")
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="mitigated"), WriteOptions(public=True, notify_subscribers=True)
    )
    assert result.incident.phase is Phase.MITIGATED
    assert result.steps[0].detail == "notified subscribers"
    latest = devhelm.timeline(incident_id)[-1]
    assert latest["body"] == dh_vendor.STATUS_MESSAGES["monitoring"]
    assert latest["notifySubscribers"] is True
    same = hook().update_incident(incident_id, IncidentUpdate(status="MONITORING"), PUBLIC)
    assert not same.changed
    assert same.steps[0].detail == "already monitoring"


def test_a_resolution_only_goes_with_the_change_to_resolved(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("RESOLVED")
    devhelm.clear_requests()
    result = hook().update_incident(incident_id, IncidentUpdate(status="resolved", resolution="Done"), PUBLIC)
    assert not result.changed
    assert devhelm.writes() == []


def test_a_message_already_posted_still_reports_the_incident_after_the_put(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    options = keyed("retitle")
    hook().update_incident(incident_id, IncidentUpdate(note="Looking"), options)
    result = hook().update_incident(incident_id, IncidentUpdate(title="New title", note="Looking"), options)
    assert [(s.name, s.applied) for s in result.steps] == [("update", True), ("note", False)]
    assert result.incident.title == "New title"


def test_status_or_note_without_public_fails_before_any_request(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    devhelm.clear_requests()
    for update in (IncidentUpdate(status="identified"), IncidentUpdate(note="Still looking")):
        with pytest.raises(IncidentValidationError, match=r"'public'.*public=True"):
            hook().update_incident(incident_id, update)
    with pytest.raises(IncidentValidationError, match="public=True"):
        hook().add_note(incident_id, "Still looking")
    with pytest.raises(IncidentValidationError, match="public=True"):
        hook().resolve_incident(incident_id)
    with pytest.raises(IncidentValidationError, match="notify_subscribers"):
        hook().update_incident(incident_id, IncidentUpdate(title="x"), WriteOptions(notify_subscribers=True))
    assert devhelm.requests() == []


def test_reopen_needs_allow_reopen_and_nothing_is_sent_without_it(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("RESOLVED")
    devhelm.clear_requests()
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().update_incident(incident_id, IncidentUpdate(status="investigating", title="Again"), PUBLIC)
    assert devhelm.writes() == []
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(status="open", note="The problem is back."),
        WriteOptions(public=True, allow_reopen=True),
    )
    assert result.incident.status == "investigating"
    assert result.incident.resolved_at is None


def test_unsupported_and_invalid_input_fail_before_any_request(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    devhelm.clear_requests()
    with pytest.raises(UnsupportedOperationError, match="note="):
        hook().update_incident(incident_id, IncidentUpdate(description="long text"), PUBLIC)
    with pytest.raises(UnsupportedOperationError, match="no assignees"):
        hook().update_incident(incident_id, IncidentUpdate(assignees=("u1",)), PUBLIC)
    with pytest.raises(IncidentValidationError, match="none, minor, major, critical"):
        hook().update_incident(incident_id, IncidentUpdate(severity="sev1"))
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.postmortemUrl"):
        hook().update_incident(incident_id, IncidentUpdate(vendor_fields={"postmortemUrl": "ftp://x"}))
    with pytest.raises(IncidentValidationError, match="is not a UUID"):
        hook().get_incident("not-a-uuid")
    with pytest.raises(IncidentValidationError, match="triggered"):
        hook().update_incident(incident_id, IncidentUpdate(status="triggered"), PUBLIC)
    with pytest.raises(
        UnsupportedOperationError, match=r"UpdateIncidentOperator\(status='identified', public=True\)"
    ):
        hook().acknowledge_incident(incident_id, options=PUBLIC)
    assert devhelm.requests() == []


def test_sandbox_refusals_surface_devhelm_field_errors(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    component = {"componentId": MISSING, "status": "MAJOR_OUTAGE"}
    with pytest.raises(VendorValidationError) as info:
        hook().update_incident(incident_id, IncidentUpdate(vendor_fields={"affectedComponents": [component]}))
    assert info.value.code == "VALIDATION_FAILED"
    assert any(detail.startswith("affectedComponents: Component") for detail in info.value.details)


# --- resolve and notes -----------------------------------------------------------------------------------


def test_resolve_posts_one_resolved_update_and_is_idempotent(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("MONITORING")
    options = keyed("resolve")
    first = hook().resolve_incident(
        incident_id, "Load times are back to normal.", "Thanks for your patience.", options
    )
    assert first.changed
    assert first.incident.phase is Phase.RESOLVED
    assert first.incident.resolved_at is not None
    latest = devhelm.timeline(incident_id)[-1]
    assert latest["status"] == "RESOLVED"
    assert latest["body"].startswith("Load times are back to normal.\n\nThanks for your patience.")
    assert marker(str(options.idempotency_key)) in latest["body"]
    writes = len(devhelm.writes())
    second = hook().resolve_incident(
        incident_id, "Load times are back to normal.", "Thanks for your patience.", options
    )
    assert not second.changed
    assert [(s.name, s.detail) for s in second.steps] == [
        ("resolved", "already resolved"),
        ("note", "already posted"),
    ]
    assert len(devhelm.writes()) == writes, "resolving a resolved incident sends no write"


def test_resolve_without_text_uses_the_default_message(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.create()
    hook().resolve_incident(incident_id, options=PUBLIC)
    assert devhelm.timeline(incident_id)[-1]["body"] == "This incident has been resolved."


def test_note_is_posted_at_the_current_status_once_per_key(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("IDENTIFIED")
    assert hook().add_note(incident_id, "A fix is rolling out.", keyed("a")).changed
    assert not hook().add_note(incident_id, "A fix is rolling out.", keyed("a")).changed
    assert hook().add_note(incident_id, "A fix is rolling out.", keyed("b")).changed
    timeline = devhelm.timeline(incident_id)
    assert [update["status"] for update in timeline[-2:]] == ["IDENTIFIED", "IDENTIFIED"]
    assert devhelm.incident(incident_id)["status"] == "IDENTIFIED"


# --- listing and limits --------------------------------------------------------------------------------


def test_list_pages_filters_and_limits(devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    every = {incident["id"] for incident in devhelm.incidents()}
    monkeypatch.setattr(dh_vendor, "LIST_PAGE_SIZE", 2)
    devhelm.clear_requests()
    listed = hook().list_incidents()
    assert {incident.id for incident in listed} == every
    pages = [dict(r["query"]) for r in devhelm.requests() if r["path"] == "/incidents"]
    assert [(q["page"], q["size"]) for q in pages] == [(["0"], ["2"]), (["1"], ["2"])]
    open_ones = hook().list_incidents(statuses=["open", "IDENTIFIED"])
    assert {incident.status for incident in open_ones} == {"investigating", "identified"}
    assert len(hook().list_incidents(limit=3)) == 3
    newest = max(incident.created_at for incident in listed if incident.created_at)
    recent = hook().list_incidents(since=newest)
    assert [incident.created_at for incident in recent] == [newest]
    with pytest.raises(IncidentValidationError, match="'statuses'"):
        hook().list_incidents(statuses=["triggered"])


def test_list_needs_a_status_page_in_the_connection(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    devhelm.use_connection(monkeypatch, status_page_id=None)
    with pytest.raises(ConnectionConfigError, match="status_page_id"):
        hook().list_incidents()


@pytest.mark.parametrize("field", ["services", "teams"])
def test_list_scoped_to_services_or_teams_is_refused_before_any_request(
    devhelm: DevHelmSandbox, field: str
) -> None:
    devhelm.clear_requests()
    scope: dict[str, Any] = {field: ["checkout"]}
    with pytest.raises(IncidentValidationError, match="set status_page_id on the connection") as info:
        hook().list_incidents(**scope)
    assert info.value.field == field
    assert devhelm.requests() == []


def test_bad_connections_are_refused_before_any_request(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"status_page_id": "page-1"}, "status_page_id"),
        ({"org_id": "4 2"}, "org_id"),
        ({"incident_url_template": "https://app.example.com/{id}"}, "incident_url_template"),
    ]
    for extra, expected in cases:
        devhelm.use_connection(monkeypatch, **extra)
        with pytest.raises(ConnectionConfigError, match=expected):
            hook().get_incident(MISSING)
    assert devhelm.requests() == []


# --- async twins and operators ---------------------------------------------------------------------


def context(task_id: str) -> Any:
    return {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=-1)}


def test_operators_work_unchanged_on_a_status_page(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.create()
    retitle = UpdateIncidentOperator(
        task_id="t", conn_id=DEVHELM_CONN_ID, incident_id=incident_id, title="Renamed"
    )
    ref = retitle.execute(context("t"))
    assert ref["ref"] == f"{DEFAULT_STATUS_PAGE_ID}/{incident_id}"
    identify = UpdateIncidentOperator(
        task_id="i",
        conn_id=DEVHELM_CONN_ID,
        incident_id=ref,
        status="IDENTIFIED",
        note="Cause found",
        public=True,
    )
    assert identify.execute(context("i"))["status"] == "identified"
    assert identify.execute(context("i"))["changed"] is False
    resolve = ResolveIncidentOperator(
        task_id="r", conn_id=DEVHELM_CONN_ID, incident_id=ref, resolution="Fixed.", public=True
    )
    value = resolve.execute(context("r"))
    assert (value["status"], value["phase"], value["changed"]) == ("resolved", "resolved", True)
    assert [update["status"] for update in devhelm.timeline(incident_id)] == [
        "INVESTIGATING",
        "IDENTIFIED",
        "RESOLVED",
    ]


# --- what a server can't produce on demand (respx, no sockets) -----------------------------------------

BASE = "https://devhelm.test"
PAGE = "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c"
INCIDENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
PATH = f"/api/v1/status-pages/{PAGE}/incidents/{INCIDENT}"


def incident_body(status: str = "INVESTIGATING", updates: list[str] | None = None) -> dict[str, Any]:
    return {
        "data": {
            "id": INCIDENT,
            "statusPageId": PAGE,
            "title": "API errors",
            "status": status,
            "impact": "MAJOR",
            "updates": [{"status": status, "body": body} for body in updates or ()],
        }
    }


def offline_hook() -> DevHelmIncidentHook:
    settings = ConnectionSettings(
        conn_id="dh",
        base_url=BASE,
        token="respx-key-77aa11bb",
        extras={"status_page_id": PAGE},
        timeouts=Timeouts(connect=1, read=1, total=10),
        rate_limit_per_minute=100_000,
    )
    result = DevHelmIncidentHook(settings=settings)
    result.backoff_base = 0.01
    return result


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def test_429_honours_retry_after_seconds(api: respx.MockRouter) -> None:
    error = {"status": 429, "code": "RATE_LIMITED", "message": "Rate limit exceeded", "timestamp": 1}
    route = api.get(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.3"}, json=error),
            httpx.Response(200, json=incident_body()),
        ]
    )
    started = time.monotonic()
    assert offline_hook().get_incident(INCIDENT).status == "investigating"
    assert route.call_count == 2
    assert time.monotonic() - started >= 0.3


def test_timeline_update_whose_response_was_lost_is_found_not_posted_again(api: respx.MockRouter) -> None:
    key = idempotency_key("dag", "run", "task")
    api.get(PATH).mock(
        side_effect=[
            httpx.Response(200, json=incident_body()),
            httpx.Response(200, json=incident_body("IDENTIFIED", [mark_hidden("Found it", key)])),
        ]
    )
    post = api.post(f"{PATH}/updates").mock(side_effect=httpx.ReadError("connection reset"))
    result = offline_hook().update_incident(
        INCIDENT, IncidentUpdate(status="identified", note="Found it"), keyed()
    )
    assert result.changed
    assert result.incident.status == "identified"
    assert post.call_count == 1


def test_timeline_update_without_key_reports_the_ambiguity(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body()))
    post = api.post(f"{PATH}/updates").mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        offline_hook().add_note(INCIDENT, "Still looking", PUBLIC)
    assert post.call_count == 1


def test_a_status_the_timeline_update_did_not_move_is_set_with_put(api: respx.MockRouter) -> None:
    api.get(PATH).mock(return_value=httpx.Response(200, json=incident_body()))
    api.post(f"{PATH}/updates").mock(return_value=httpx.Response(201, json=incident_body("INVESTIGATING")))
    put = api.put(PATH).mock(return_value=httpx.Response(200, json=incident_body("MONITORING")))
    result = offline_hook().update_incident(INCIDENT, IncidentUpdate(status="monitoring"), PUBLIC)
    assert result.incident.status == "monitoring"
    assert result.steps[0].detail == "status set with PUT after the timeline update"
    assert put.calls.last.request.content == b'{"status":"MONITORING"}'


# --- registration ---------------------------------------------------------------------------------------


def test_connection_type_declares_every_extra_the_hook_reads() -> None:
    (connection,) = [
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == "devhelm_incidents"
    ]
    assert connection["hook-class-name"] == HOOK_CLASSES["devhelm_incidents"]
    assert connection["hook-name"] == DevHelmIncidentHook.hook_name == "DevHelm Incidents"
    assert DevHelmIncidentHook.conn_name_attr == "devhelm_incidents_conn_id"
    fields = connection["conn-fields"]
    assert {
        "status_page_id",
        "org_id",
        "workspace_id",
        "incident_url_template",
        "rate_limit_per_minute",
    } <= set(fields)
    assert fields["proxy"]["schema"]["format"] == "password"
    assert set(connection["ui-field-behaviour"]["hidden-fields"]) == {"schema", "login", "port"}
    assert connection["ui-field-behaviour"]["relabeling"] == {
        "password": "API key",
        "host": "Base URL override",
    }


# --- create, escalate, reassign ---------------------------------------------------------------------------

API_COMPONENT = "0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4"


def posts(devhelm: DevHelmSandbox) -> list[dict[str, Any]]:
    """The create requests the sandbox served (``POST .../incidents``), bodies included."""
    return [r for r in devhelm.requests() if (r["method"], r["path"]) == ("POST", "/incidents")]


def puts(devhelm: DevHelmSandbox) -> list[Any]:
    """The bodies of the PUTs the sandbox served."""
    return [r["body"] for r in devhelm.requests() if r["method"] == "PUT"]


def titled(devhelm: DevHelmSandbox, title: str) -> list[dict[str, Any]]:
    return [item for item in devhelm.incidents() if item["title"] == title]


def test_create_posts_a_public_incident_carrying_its_dedup_marker(devhelm: DevHelmSandbox) -> None:
    create = IncidentCreate(
        title="Checkout errors",
        description="Some checkouts fail. We are looking into it.",
        severity="Major",
        vendor_fields={"affectedComponents": [{"componentId": API_COMPONENT, "status": "partial_outage"}]},
        dedup_key="alert-42",
    )
    result = hook().create_incident(create, PUBLIC)
    assert result.changed
    assert result.steps == (Step(name="create", applied=True, detail=None),)
    incident = result.incident
    assert (incident.title, incident.status, incident.severity) == (
        "Checkout errors",
        "investigating",
        "major",
    )
    assert incident.ref == f"{DEFAULT_STATUS_PAGE_ID}/{incident.id}"
    stored = devhelm.incident(incident.id)
    assert stored["affectedComponents"][0]["componentStatus"] == "PARTIAL_OUTAGE"
    (update,) = stored["updates"]
    assert update["body"] == mark_hidden("Some checkouts fail. We are looking into it.", "alert-42")
    assert update["notifySubscribers"] is False, "subscribers are emailed only when asked"
    searched = [r for r in devhelm.requests() if r["method"] == "GET" and r["path"] == "/incidents"]
    assert searched[0]["query"]["status"] == ["INVESTIGATING", "IDENTIFIED", "MONITORING"]


def test_create_with_the_same_dedup_key_returns_the_first_incident(devhelm: DevHelmSandbox) -> None:
    create = IncidentCreate(title="Search is slow", dedup_key="search-slow")
    first = hook().create_incident(create, PUBLIC)
    devhelm.clear_requests()
    again = hook().create_incident(create, PUBLIC)
    assert (first.changed, again.changed) == (True, False)
    assert again.steps == (Step(name="create", applied=False, detail="already created"),)
    assert again.incident.id == first.incident.id
    assert len(titled(devhelm, "Search is slow")) == 1
    assert posts(devhelm) == []


def test_a_dedup_key_is_matched_whole(devhelm: DevHelmSandbox) -> None:
    ten = hook().create_incident(IncidentCreate(title="Alert ten", dedup_key="alert-10"), PUBLIC)
    one = hook().create_incident(IncidentCreate(title="Alert one", dedup_key="alert-1"), PUBLIC)
    assert one.changed
    assert one.incident.id != ten.incident.id


def test_a_resolved_incident_no_longer_holds_its_dedup_key(devhelm: DevHelmSandbox) -> None:
    create = IncidentCreate(title="Queue backlog", dedup_key="queue-backlog")
    first = hook().create_incident(create, PUBLIC)
    hook().resolve_incident(first.incident.ref, options=PUBLIC)
    second = hook().create_incident(create, PUBLIC)
    assert second.changed
    assert second.incident.id != first.incident.id


def test_create_defaults_and_notify_subscribers(devhelm: DevHelmSandbox) -> None:
    result = hook().create_incident(
        IncidentCreate(title="Status page test"), WriteOptions(public=True, notify_subscribers=True)
    )
    assert result.incident.severity == dh_vendor.DEFAULT_IMPACT
    assert result.steps[0].detail == "notified subscribers"
    assert devhelm.calls() == [("POST", "/incidents")], "without a dedup key nothing is searched"
    (update,) = devhelm.timeline(result.incident.id)
    assert update["body"] == dh_vendor.STATUS_MESSAGES["investigating"]
    assert update["notifySubscribers"] is True


def test_create_search_reads_unresolved_timelines_newest_first_across_pages(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dh_create, "LIST_PAGE_SIZE", 2)  # the dedup search pages in devhelm.create
    wanted = hook().create_incident(IncidentCreate(title="Wanted", dedup_key="wanted"), PUBLIC)
    devhelm.create(title="Newer, unrelated")
    devhelm.clear_requests()
    found = hook().create_incident(IncidentCreate(title="Wanted", dedup_key="wanted"), PUBLIC)
    assert found.incident.id == wanted.incident.id
    assert not found.changed
    calls = devhelm.calls()
    assert calls.count(("GET", "/incidents")) == 3, "5 unresolved incidents, 2 a page"
    gets = [path for method, path in calls if method == "GET" and path != "/incidents"]
    newer = titled(devhelm, "Newer, unrelated")[0]["id"]
    assert gets == [f"/incidents/{newer}", f"/incidents/{wanted.incident.id}"], (
        "newest first, stop at the hit"
    )


@pytest.mark.parametrize(
    ("create", "options", "error", "expected"),
    [
        (IncidentCreate(title="x"), WriteOptions(), IncidentValidationError, "'public'"),
        (IncidentCreate(title=" "), PUBLIC, IncidentValidationError, "'title'"),
        (IncidentCreate(title="x" * 501), PUBLIC, IncidentValidationError, "1 to 500"),
        (IncidentCreate(title="x", severity="high"), PUBLIC, IncidentValidationError, "none, minor"),
        (IncidentCreate(title="x", description=" "), PUBLIC, IncidentValidationError, "'description'"),
        (IncidentCreate(title="x", assignees=("u1",)), PUBLIC, UnsupportedOperationError, "no assignees"),
        (IncidentCreate(title="x", dedup_key="a b"), PUBLIC, IncidentValidationError, "'dedup_key'"),
        (
            IncidentCreate(title="x", vendor_fields={"status": "IDENTIFIED"}),
            PUBLIC,
            IncidentValidationError,
            "set by the provider",
        ),
        (
            IncidentCreate(title="x", vendor_fields={"postmortemBody": "later"}),
            PUBLIC,
            IncidentValidationError,
            "allowed: affectedComponents",
        ),
        (
            IncidentCreate(title="x", vendor_fields={"affectedComponents": [{"componentId": "api"}]}),
            PUBLIC,
            IncidentValidationError,
            "exactly",
        ),
    ],
)
def test_create_validation_fails_before_any_request(
    devhelm: DevHelmSandbox,
    create: IncidentCreate,
    options: WriteOptions,
    error: type[Exception],
    expected: str,
) -> None:
    with pytest.raises(error, match=expected):
        hook().create_incident(create, options)
    assert devhelm.requests() == []


def test_create_needs_the_connections_status_page(
    devhelm: DevHelmSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    devhelm.use_connection(monkeypatch, status_page_id=None)
    with pytest.raises(ConnectionConfigError, match="status_page_id"):
        hook().create_incident(IncidentCreate(title="x"), PUBLIC)
    assert devhelm.requests() == []


def test_a_lost_create_response_is_found_by_its_key_not_created_twice(devhelm: DevHelmSandbox) -> None:
    """The sandbox creates the incident; the response never reaches the hook."""

    def land_then_lose(request: httpx.Request) -> httpx.Response:
        landed = urllib.request.Request(  # noqa: S310 - the sandbox on 127.0.0.1, outside respx
            str(request.url), data=request.content, headers=dict(request.headers), method="POST"
        )
        with urllib.request.urlopen(landed, timeout=10) as response:  # noqa: S310
            assert response.status == 201
        raise httpx.ReadError("connection reset", request=request)

    create = IncidentCreate(title="Payments delayed", dedup_key="payments")
    with respx.mock(assert_all_called=True) as router:
        lost = router.post(f"{devhelm.url}{DEVHELM_PAGE_PATH}/incidents").mock(side_effect=land_then_lose)
        router.route().pass_through()
        result = hook().create_incident(create, PUBLIC)
    assert lost.call_count == 1
    assert result.changed
    assert result.steps[0].detail == "created; found by its dedup key after a lost response"
    assert len(titled(devhelm, "Payments delayed")) == 1
    assert len(posts(devhelm)) == 1


def test_one_step_escalation_climbs_each_rung_once_to_the_top(devhelm: DevHelmSandbox) -> None:
    ref = hook().create_incident(IncidentCreate(title="Climbing", severity="none"), PUBLIC).incident.ref
    for expected in dh_vendor.IMPACTS[1:]:
        devhelm.clear_requests()
        result = hook().escalate_incident(ref, options=PUBLIC)
        assert result.changed
        assert result.incident.severity == expected
        assert puts(devhelm) == [{"impact": expected.upper()}], "the PUT carries the absolute target"
    devhelm.clear_requests()
    top = hook().escalate_incident(ref, options=PUBLIC)
    assert not top.changed
    assert top.steps == (Step(name="escalate", applied=False, detail="already at the top"),)
    assert devhelm.writes() == []


def test_explicit_severity_is_absolute_and_never_lowers(devhelm: DevHelmSandbox) -> None:
    ref = hook().create_incident(IncidentCreate(title="Jump", severity="minor"), PUBLIC).incident.ref
    jumped = hook().escalate_incident(ref, Escalation(severity="CRITICAL"), PUBLIC)
    assert (jumped.changed, jumped.incident.severity) == (True, "critical")
    assert jumped.steps[0].detail == "impact minor -> critical"
    devhelm.clear_requests()
    lower = hook().escalate_incident(ref, Escalation(severity="major"), PUBLIC)
    same = hook().escalate_incident(ref, Escalation(severity="critical"), PUBLIC)
    assert (lower.changed, same.changed) == (False, False)
    assert lower.steps[0].detail == "already critical, above major", "escalating never lowers"
    assert same.steps[0].detail == "already critical"
    assert devhelm.writes() == []


def test_escalation_note_is_a_public_update_posted_once_per_key(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("IDENTIFIED")
    escalation = Escalation(severity="critical", note="Escalated: all hands on deck.")
    first = hook().escalate_incident(incident_id, escalation, keyed("escalate"))
    second = hook().escalate_incident(incident_id, escalation, keyed("escalate"))
    assert [step.name for step in first.steps] == ["escalate", "note"]
    assert first.changed
    assert not second.changed
    assert second.steps[1].detail == "already posted"
    timeline = devhelm.timeline(incident_id)
    assert sum("Escalated" in update["body"] for update in timeline) == 1
    assert timeline[-1]["status"] == "IDENTIFIED", "the note goes at the current status"


def test_escalating_a_resolved_incident_needs_allow_reopen(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("RESOLVED")
    with pytest.raises(IncidentValidationError, match=r"'status'.*is resolved"):
        hook().escalate_incident(incident_id, Escalation(severity="critical"), PUBLIC)
    assert devhelm.writes() == []
    before = devhelm.incident(incident_id)["impact"]
    assert before == "CRITICAL"
    result = hook().escalate_incident(incident_id, options=WriteOptions(public=True, allow_reopen=True))
    assert result.steps[0].detail == "already at the top"
    assert result.incident.status == "resolved"


@pytest.mark.parametrize(
    ("escalation", "options", "error", "expected"),
    [
        (Escalation(escalation_level=2), PUBLIC, UnsupportedOperationError, "escalation_level"),
        (Escalation(assignees=("u1",)), PUBLIC, UnsupportedOperationError, "no assignees"),
        (Escalation(severity="sev1"), PUBLIC, IncidentValidationError, "none, minor, major, critical"),
        (Escalation(note=" "), PUBLIC, IncidentValidationError, "'note'"),
        (Escalation(), WriteOptions(), IncidentValidationError, "'public'"),
        (
            Escalation(),
            WriteOptions(public=True, notify_subscribers=True),
            IncidentValidationError,
            "'notify_subscribers'",
        ),
    ],
)
def test_escalation_validation_fails_before_any_request(
    devhelm: DevHelmSandbox,
    escalation: Escalation,
    options: WriteOptions,
    error: type[Exception],
    expected: str,
) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    devhelm.clear_requests()
    with pytest.raises(error, match=expected):
        hook().escalate_incident(incident_id, escalation, options)
    assert devhelm.requests() == []


def test_reassign_names_where_to_assign_instead(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.with_status("INVESTIGATING")
    devhelm.clear_requests()
    with pytest.raises(UnsupportedOperationError, match=r"no assignees.*incident-management connection"):
        hook().reassign_incident(incident_id, ("u1",), options=PUBLIC)
    assert devhelm.requests() == []


def test_create_escalate_and_reassign_operators(devhelm: DevHelmSandbox) -> None:
    create = CreateIncidentOperator(
        task_id="open", conn_id=DEVHELM_CONN_ID, title="Nightly export failing", severity="minor", public=True
    )
    first = create.execute(context("open"))
    retried = create.execute(context("open"))
    assert (first["changed"], retried["changed"]) == (True, False)
    assert retried["id"] == first["id"]
    assert len(titled(devhelm, "Nightly export failing")) == 1
    escalate = EscalateIncidentOperator(
        task_id="up", conn_id=DEVHELM_CONN_ID, incident_id=first, note="Escalating.", public=True
    )
    value = escalate.execute(context("up"))
    assert (value["severity"], value["changed"]) == ("major", True)
    assert [step["name"] for step in value["steps"]] == ["escalate", "note"]
    reassign = ReassignIncidentOperator(
        task_id="to", conn_id=DEVHELM_CONN_ID, incident_id=first, assignees=["u1"]
    )
    with pytest.raises(UnsupportedOperationError, match="no assignees"):
        reassign.execute(context("to"))
    private = CreateIncidentOperator(task_id="p", conn_id=DEVHELM_CONN_ID, title="Not public")
    with pytest.raises(IncidentValidationError, match="'public'"):
        private.execute(context("p"))


def test_a_retried_escalation_put_carries_the_same_absolute_target(api: respx.MockRouter) -> None:
    """The first PUT's response is lost; the retry sends MAJOR again, never 'one more step'."""
    body = incident_body()
    body["data"]["impact"] = "MINOR"
    raised = incident_body()
    get = api.get(PATH).mock(return_value=httpx.Response(200, json=body))
    put = api.put(PATH).mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(200, json=raised)]
    )
    result = offline_hook().escalate_incident(INCIDENT, options=PUBLIC)
    assert result.incident.severity == "major"
    assert get.call_count == 1, "the step is computed once"
    assert [call.request.content for call in put.calls] == [b'{"impact":"MAJOR"}'] * 2


def test_a_lost_create_without_a_key_reports_the_ambiguity(api: respx.MockRouter) -> None:
    post = api.post(f"/api/v1/status-pages/{PAGE}/incidents").mock(
        side_effect=httpx.ReadError("connection reset")
    )
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        offline_hook().create_incident(IncidentCreate(title="x"), PUBLIC)
    assert post.call_count == 1


def test_a_lost_create_not_found_by_the_search_is_posted_again(api: respx.MockRouter) -> None:
    """The lost POST never landed: the search after it finds nothing, so the create is sent again."""
    listed = {"data": [], "hasNext": False, "hasPrev": False}
    search = api.get(f"/api/v1/status-pages/{PAGE}/incidents").mock(
        return_value=httpx.Response(200, json=listed)
    )
    created = incident_body(updates=[mark_hidden("x", "k")])
    post = api.post(f"/api/v1/status-pages/{PAGE}/incidents").mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(201, json=created)]
    )
    create = IncidentCreate(title="x", description="x", dedup_key="k")
    result = offline_hook().create_incident(create, PUBLIC)
    assert result.changed
    assert result.steps[0].detail is None
    assert search.call_count == 2, "once before creating, once after the lost response"
    assert [call.request.content for call in post.calls] == [post.calls[0].request.content] * 2
