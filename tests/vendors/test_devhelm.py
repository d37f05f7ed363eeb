"""The DevHelm vendor module alone: pure functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import is_marked, mark_hidden
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors import devhelm as dh
from airflow_incident_provider.vendors import known_status_words
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.protocol import VendorModule

CHECKED: VendorModule = dh  # mypy: the module is a VendorModule

PAGE = "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c"
INCIDENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
COMPONENT = "0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4"
REF = dh.IncidentRef(PAGE, INCIDENT)


def incident_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": INCIDENT,
        "statusPageId": PAGE,
        "title": "Elevated API error rates",
        "status": "IDENTIFIED",
        "impact": "MAJOR",
        "scheduled": False,
        "autoResolve": False,
        "startedAt": "2026-11-01T10:00:00Z",
        "createdAt": "2026-11-01T10:00:01Z",
        "updatedAt": "2026-11-01T10:05:00Z",
        "resolvedAt": None,
        "updates": [
            {"id": "u1", "status": "INVESTIGATING", "body": "Looking", "notifySubscribers": True},
            {"id": "u2", "status": "IDENTIFIED", "body": "Found it", "notifySubscribers": False},
        ],
    }
    data.update(overrides)
    return data


def response(status: int = 200, body: Any = None, **headers: str) -> Response:
    return Response(
        status=status, headers={k.lower().replace("_", "-"): v for k, v in headers.items()}, body=body
    )


# --- statuses ---------------------------------------------------------------------------------------


def test_statuses_map_to_ordered_phases_and_are_known_words() -> None:
    assert dh.STATUS_PHASES == {
        "investigating": Phase.OPEN,
        "identified": Phase.ACKNOWLEDGED,
        "monitoring": Phase.MITIGATED,
        "resolved": Phase.RESOLVED,
    }
    assert set(dh.STATUS_PHASES) <= known_status_words()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("INVESTIGATING", "INVESTIGATING"),
        (" identified ", "IDENTIFIED"),
        ("Monitoring", "MONITORING"),
        ("open", "INVESTIGATING"),
        ("acknowledged", "IDENTIFIED"),
        ("mitigated", "MONITORING"),
        ("resolved", "RESOLVED"),
    ],
)
def test_status_words_and_phases_become_devhelm_words(word: str, expected: str) -> None:
    assert dh.wire_status(word) == expected
    assert dh.to_vendor_status(word) == expected.lower()


def test_an_unknown_status_names_the_field_vendor_and_allowed_words() -> None:
    with pytest.raises(IncidentValidationError) as info:
        dh.to_vendor_status("triggered")
    message = str(info.value)
    assert "devhelm" in message
    assert "'status'" in message
    assert "investigating, identified, monitoring, resolved" in message


# --- refs, headers, errors -----------------------------------------------------------------------------


def test_refs_carry_the_status_page() -> None:
    assert dh.parse_ref(f"{PAGE}/{INCIDENT}", None) == REF
    assert dh.parse_ref(f" {PAGE}/{INCIDENT} ", "ignored") == REF
    assert dh.parse_ref(INCIDENT, PAGE) == REF
    assert str(REF) == f"{PAGE}/{INCIDENT}"
    assert REF.path == f"/api/v1/status-pages/{PAGE}/incidents/{INCIDENT}"


@pytest.mark.parametrize(
    ("ref", "default", "expected"),
    [
        (INCIDENT, None, "status_page_id"),
        ("Q1ABC", PAGE, "not a UUID"),
        (f"{PAGE}/{INCIDENT}/updates", None, "not a UUID"),
        (f"{PAGE}/../{INCIDENT}", None, "not a UUID"),
        (f"/{INCIDENT}", None, "must not be empty"),
        (INCIDENT, "page-1", "status_page_id"),
        (42, PAGE, "not a UUID"),
    ],
)
def test_bad_refs_fail_before_sending(ref: object, default: str | None, expected: str) -> None:
    with pytest.raises(IncidentValidationError, match=expected):
        dh.parse_ref(ref, default)


def test_headers_bearer_json_and_tenant_headers_only_when_set() -> None:
    assert dh.headers("k", org_id=None, workspace_id=None, write=False) == {
        "Authorization": "Bearer k",
        "Accept": "application/json",
    }
    write = dh.headers("k", org_id="42", workspace_id="7", write=True)
    assert write["Content-Type"] == "application/json"
    assert (write["x-phelm-org-id"], write["x-phelm-workspace-id"]) == ("42", "7")
    with pytest.raises(IncidentValidationError, match="printable ASCII"):
        dh.check_header_value("42\r\nX-Evil: 1", "org_id")


def test_retry_after_prefers_retry_after_then_the_reset_epoch() -> None:
    now = 1_800_000_000.0
    assert dh.retry_after(response(429, retry_after="7"), now) == 7.0
    when = datetime.fromtimestamp(now + 30, tz=UTC)
    assert dh.retry_after(response(429, retry_after=format_datetime(when, usegmt=True)), now) == 30.0
    assert dh.retry_after(response(429, x_ratelimit_reset=str(int(now) + 12)), now) == 12.0
    assert dh.retry_after(response(429, x_ratelimit_reset=str(int(now) - 5)), now) == 0.0
    assert dh.retry_after(response(429), now) is None
    assert dh.retry_after(response(429, x_ratelimit_reset="soon"), now) is None


def test_parse_error_keeps_message_code_field_errors_and_request_id() -> None:
    body = {
        "status": 400,
        "code": "VALIDATION_FAILED",
        "message": "Validation failed",
        "timestamp": 1737302400000,
        "requestId": "req-1",
        "errors": [
            {"code": "TOO_LONG", "field": "title", "message": "title must be at most 500 characters"},
            {"code": "INVALID", "field": None, "message": "request-wide"},
        ],
    }
    message, code, details = dh.parse_error(response(400, body))
    assert (message, code) == ("Validation failed", "VALIDATION_FAILED")
    assert details == (
        "title: title must be at most 500 characters (TOO_LONG)",
        "request-wide (INVALID)",
        "request id req-1",
    )
    assert dh.parse_error(response(404, {"code": "NOT_FOUND"}, x_request_id="r2")) == (
        "HTTP 404",
        "NOT_FOUND",
        ("request id r2",),
    )
    assert dh.parse_error(response(502, None)) == ("HTTP 502 with no error body", None, ())
    assert dh.is_conflict("CONFLICT")
    assert not dh.is_conflict("NOT_FOUND")
    assert not dh.is_conflict(None)


# --- reading ----------------------------------------------------------------------------------------


def test_incident_is_normalized_with_ref_phase_and_lower_case_words() -> None:
    incident = dh.incident_from_json(incident_json())
    assert incident.vendor == "devhelm"
    assert (incident.id, incident.ref) == (INCIDENT, f"{PAGE}/{INCIDENT}")
    assert (incident.status, incident.phase, incident.severity) == ("identified", Phase.ACKNOWLEDGED, "major")
    assert incident.assignees == ()
    assert incident.created_at == datetime(2026, 11, 1, 10, 0, 1, tzinfo=UTC)
    assert incident.resolved_at is None
    assert incident.url is None
    assert incident.raw is None
    with_raw = dh.incident_from_json(
        incident_json(), include_raw=True, url_template="https://x/{page_id}/{incident_id}"
    )
    assert with_raw.raw == incident_json()
    assert with_raw.url == f"https://x/{PAGE}/{INCIDENT}"


def test_timeline_bodies_and_list_pages() -> None:
    assert dh.parse_timeline(response(200, {"data": incident_json()})) == ["Looking", "Found it"]
    assert dh.parse_timeline(response(200, {"data": incident_json(updates=None)})) == []
    page = {
        "data": [incident_json(), incident_json(id="other", status="RESOLVED")],
        "hasNext": True,
        "hasPrev": False,
    }
    incidents, has_next = dh.parse_list(response(200, page))
    assert [incident.status for incident in incidents] == ["identified", "resolved"]
    assert has_next
    assert dh.parse_list(response(200, {"data": [], "hasNext": False})) == ([], False)
    with pytest.raises(ValueError, match="'data'"):
        dh.parse_incident(response(200, {"incident": {}}))


def test_list_and_connection_check_requests() -> None:
    request = dh.build_list(PAGE, statuses=["open", "INVESTIGATING", "mitigated"], page=3, size=50)
    assert request.path == f"/api/v1/status-pages/{PAGE}/incidents"
    assert request.params == (
        ("page", "3"),
        ("size", "50"),
        ("status", "INVESTIGATING"),
        ("status", "MONITORING"),
    )
    assert dh.build_connection_check(PAGE).path == f"/api/v1/status-pages/{PAGE}"
    assert dh.build_connection_check(None).path == "/api/v1/status-pages"


@pytest.mark.parametrize("field", ["services", "teams"])
def test_a_list_scoped_to_services_or_teams_is_refused_naming_the_status_page(field: str) -> None:
    dh.check_list_scope((), ())
    scope: dict[str, tuple[str, ...]] = {"services": (), "teams": (), field: ("svc-1",)}
    with pytest.raises(IncidentValidationError, match=f"devhelm: invalid '{field}'") as info:
        dh.check_list_scope(**scope)
    assert info.value.field == field
    assert "DevHelm lists one status page: set status_page_id on the connection" in str(info.value)


# --- writing ----------------------------------------------------------------------------------------


def test_update_plan_maps_the_normalized_fields() -> None:
    plan = dh.plan_update(
        IncidentUpdate(
            title="API errors",
            status="acknowledged",
            severity=" critical ",
            note="Found it",
            vendor_fields={
                "affectedComponents": [{"componentId": COMPONENT, "status": "partial_outage"}],
                "postmortemBody": "",
                "postmortemUrl": "https://example.com/pm",
            },
        )
    )
    assert plan.fields == {
        "title": "API errors",
        "impact": "CRITICAL",
        "affectedComponents": [{"componentId": COMPONENT, "status": "PARTIAL_OUTAGE"}],
        "postmortemBody": "",
        "postmortemUrl": "https://example.com/pm",
    }
    assert (plan.status, plan.note, plan.posts) == ("identified", "Found it", True)
    assert plan.message(status_changes=True) == "Found it"
    resolved = dh.plan_update(IncidentUpdate(status="resolved", resolution="Rolled back", note="Thanks"))
    assert resolved.message(status_changes=True) == "Rolled back\n\nThanks"
    assert resolved.message(status_changes=False) == "Thanks", "a resolution only goes with the change"
    bare = dh.plan_update(IncidentUpdate(status="monitoring"))
    assert bare.message(status_changes=True) == dh.STATUS_MESSAGES["monitoring"]
    assert bare.message(status_changes=False) is None
    title_only = dh.plan_update(IncidentUpdate(title="t"))
    assert (title_only.status, title_only.posts) == (None, False)


@pytest.mark.parametrize(
    ("update", "error", "expected"),
    [
        (IncidentUpdate(description="x"), UnsupportedOperationError, "note="),
        (IncidentUpdate(assignees=("u",)), UnsupportedOperationError, "no assignees"),
        (IncidentUpdate(title=""), IncidentValidationError, "1 to 500"),
        (IncidentUpdate(title="  "), IncidentValidationError, "1 to 500"),
        (IncidentUpdate(title="x" * 501), IncidentValidationError, "1 to 500"),
        (IncidentUpdate(severity="high"), IncidentValidationError, "none, minor, major, critical"),
        (IncidentUpdate(note=" "), IncidentValidationError, "'note'"),
        (IncidentUpdate(resolution="done"), IncidentValidationError, "'resolution'"),
        (IncidentUpdate(status="identified", resolution="done"), IncidentValidationError, "'resolution'"),
        (IncidentUpdate(vendor_fields={"impact": "MAJOR"}), IncidentValidationError, "'severity'"),
        (IncidentUpdate(vendor_fields={"body": "x"}), IncidentValidationError, "'note'"),
        (
            IncidentUpdate(vendor_fields={"notifySubscribers": True}),
            IncidentValidationError,
            "notify_subscribers",
        ),
        (
            IncidentUpdate(vendor_fields={"scheduled": True}),
            IncidentValidationError,
            "allowed: affectedComponents",
        ),
        (IncidentUpdate(vendor_fields={"postmortemBody": None}), IncidentValidationError, "'' clears it"),
        (IncidentUpdate(vendor_fields={"postmortemBody": 3}), IncidentValidationError, "must be a string"),
        (IncidentUpdate(vendor_fields={"postmortemUrl": "example.com"}), IncidentValidationError, "http://"),
        (
            IncidentUpdate(vendor_fields={"postmortemUrl": "https://x/" + "a" * 2040}),
            IncidentValidationError,
            "2048",
        ),
        (IncidentUpdate(vendor_fields={"affectedComponents": "api"}), IncidentValidationError, "list"),
        (
            IncidentUpdate(vendor_fields={"affectedComponents": [{"componentId": COMPONENT}]}),
            IncidentValidationError,
            "exactly",
        ),
        (
            IncidentUpdate(
                vendor_fields={"affectedComponents": [{"componentId": "api", "status": "OPERATIONAL"}]}
            ),
            IncidentValidationError,
            "not a UUID",
        ),
        (
            IncidentUpdate(
                vendor_fields={"affectedComponents": [{"componentId": COMPONENT, "status": "DOWN"}]}
            ),
            IncidentValidationError,
            "OPERATIONAL, DEGRADED_PERFORMANCE",
        ),
    ],
)
def test_bad_updates_fail_naming_the_field_and_what_to_use(
    update: IncidentUpdate, error: type[Exception], expected: str
) -> None:
    with pytest.raises(error, match=expected):
        dh.plan_update(update)


def test_limits_are_inclusive() -> None:
    assert dh.plan_update(IncidentUpdate(title="x" * 500)).fields["title"] == "x" * 500
    url = "https://x/" + "a" * (2048 - len("https://x/"))
    assert dh.plan_update(IncidentUpdate(vendor_fields={"postmortemUrl": url})).fields["postmortemUrl"] == url


def test_unchanged_title_and_impact_are_recognized() -> None:
    current = dh.incident_from_json(incident_json())
    fields = {"title": "Elevated API error rates", "impact": "MAJOR", "postmortemBody": ""}
    assert dh.unchanged_fields(fields, current) == {"title", "impact"}
    assert dh.unchanged_fields({"title": "New", "impact": "MINOR"}, current) == set()


def test_write_requests() -> None:
    put = dh.build_update(REF, {"title": "t"})
    assert (put.method, put.path, put.json, put.write, put.idempotent) == (
        "PUT",
        REF.path,
        {"title": "t"},
        True,
        True,
    )
    assert dh.build_status(REF, "mitigated").json == {"status": "MONITORING"}
    post = dh.build_timeline_update(REF, status="resolved", body="Done", notify_subscribers=False)
    assert (post.method, post.path, post.write, post.idempotent) == (
        "POST",
        f"{REF.path}/updates",
        True,
        False,
    )
    assert post.json == {"status": "RESOLVED", "body": "Done", "notifySubscribers": False}
    with pytest.raises(IncidentValidationError):
        dh.build_timeline_update(REF, status="resolved", body="", notify_subscribers=False)


def test_markers_are_hidden_markdown_comments() -> None:
    marked = dh.mark_message("We are on it.", "abc123")
    assert marked == mark_hidden("We are on it.", "abc123")
    assert marked.startswith("We are on it.\n\n<!-- ")
    assert is_marked(marked, "abc123")
    assert dh.mark_message("We are on it.", None) == "We are on it."
    assert dh.join_message(None, None) is None
    assert dh.join_message(" a ", None, "b") == "a\n\nb"


# --- create and escalate ------------------------------------------------------------------------------


def test_create_plan_maps_the_normalized_fields() -> None:
    body = dh.plan_create(
        IncidentCreate(
            title="Checkout errors",
            description="Some checkouts fail.",
            severity=" Critical ",
            vendor_fields={"affectedComponents": [{"componentId": COMPONENT, "status": "major_outage"}]},
        ),
        notify_subscribers=False,
    )
    assert body == {
        "title": "Checkout errors",
        "impact": "CRITICAL",
        "body": "Some checkouts fail.",
        "status": "INVESTIGATING",
        "notifySubscribers": False,
        "affectedComponents": [{"componentId": COMPONENT, "status": "MAJOR_OUTAGE"}],
    }
    bare = dh.plan_create(IncidentCreate(title="t"), notify_subscribers=True)
    assert (bare["impact"], bare["body"], bare["notifySubscribers"]) == (
        "NONE",
        dh.STATUS_MESSAGES["investigating"],
        True,
    )


@pytest.mark.parametrize(
    ("create", "error", "expected"),
    [
        (IncidentCreate(title=""), IncidentValidationError, "1 to 500"),
        (IncidentCreate(title="t", severity="sev1"), IncidentValidationError, "none, minor"),
        (IncidentCreate(title="t", description=""), IncidentValidationError, "'description'"),
        (IncidentCreate(title="t", assignees=()), UnsupportedOperationError, "no assignees"),
        (IncidentCreate(title="t", vendor_fields={"body": "x"}), IncidentValidationError, "'description'"),
        (IncidentCreate(title="t", vendor_fields={"impact": "x"}), IncidentValidationError, "'severity'"),
        (IncidentCreate(title="t", vendor_fields={"scheduled": True}), IncidentValidationError, "allowed"),
        (IncidentCreate(title="t", dedup_key=""), IncidentValidationError, "'dedup_key'"),
        (IncidentCreate(title="t", dedup_key="a-->b"), IncidentValidationError, "'dedup_key'"),
        (IncidentCreate(title="t", dedup_key="k" * 129), IncidentValidationError, "'dedup_key'"),
    ],
)
def test_bad_creates_fail_naming_the_field(
    create: IncidentCreate, error: type[Exception], expected: str
) -> None:
    with pytest.raises(error, match=expected):
        dh.plan_create(create, notify_subscribers=False)


def test_create_request_carries_the_whole_hidden_marker() -> None:
    body = dh.plan_create(IncidentCreate(title="t", description="Down."), notify_subscribers=False)
    post = dh.build_create(PAGE, body, "alert-1")
    assert (post.method, post.path, post.write, post.idempotent) == (
        "POST",
        f"/api/v1/status-pages/{PAGE}/incidents",
        True,
        False,
    )
    assert post.json["body"] == mark_hidden("Down.", "alert-1")
    assert body["body"] == "Down.", "the plan is not changed"
    assert dh.build_create(PAGE, body, None).json["body"] == "Down."
    assert dh.carries_key([post.json["body"]], "alert-1")
    assert not dh.carries_key([mark_hidden("Down.", "alert-10")], "alert-1")
    assert not dh.carries_key(["alert-1"], "alert-1"), "only the marker counts"


def test_dedup_search_lists_unresolved_incidents_and_reads_timelines_when_listed() -> None:
    search = dh.build_dedup_search(PAGE, 3)
    assert ("status", "RESOLVED") not in search.params
    assert ("page", "3") in search.params
    older = incident_json(id="a", createdAt="2026-11-01T10:00:00Z", updates=None)
    newer = incident_json(id="b", createdAt="2026-11-02T10:00:00Z")
    undated = incident_json(id="c", createdAt=None, updates=None)
    listed, has_next = dh.parse_listed(response(body={"data": [older, undated, newer], "hasNext": True}))
    assert has_next
    assert [item.bodies for item in listed] == [None, None, ("Looking", "Found it")]
    assert [item.incident_id for item in dh.newest_first(listed)] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("current", "requested", "target", "detail"),
    [
        ("none", None, "minor", "impact none -> minor"),
        ("minor", None, "major", "impact minor -> major"),
        ("major", None, "critical", "impact major -> critical"),
        ("critical", None, None, "already at the top"),
        ("none", "critical", "critical", "impact none -> critical"),
        ("major", "major", None, "already major"),
        ("critical", "minor", None, "already critical, above minor"),
    ],
)
def test_escalation_target_is_absolute_on_the_impact_scale(
    current: str, requested: str | None, target: str | None, detail: str
) -> None:
    escalated = pages.escalation_target(dh.IMPACTS, current, requested, what="impact", vendor=dh.NAME)
    assert escalated == (target, detail)


def test_escalation_needs_a_known_impact_and_puts_one_absolute_value() -> None:
    with pytest.raises(IncidentValidationError, match="not on the scale none, minor"):
        pages.escalation_target(dh.IMPACTS, None, None, what="impact", vendor=dh.NAME)
    assert dh.to_impact("Critical") == "CRITICAL"
    with pytest.raises(IncidentValidationError, match="'severity'"):
        dh.to_impact("sev1")
    put = dh.build_escalation(REF, "major")
    assert (put.method, put.path, put.json, put.idempotent) == ("PUT", REF.path, {"impact": "MAJOR"}, True)
