"""The UptimeIO vendor module alone: pure functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import is_marked, marker
from airflow_incident_provider.models import Incident, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.vendors import known_status_words, vendor_module
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors import uptimeio as uv
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.protocol import VendorModule

CHECKED: VendorModule = uv  # mypy: the module is a VendorModule

PROJECT = "660e8400-e29b-41d4-a716-446655440001"
PAGE = "550e8400-e29b-41d4-a716-446655440000"
INCIDENT = "990e8400-e29b-41d4-a716-446655440050"
MONITOR = "770e8400-e29b-41d4-a716-446655440010"
SCOPE = uv.Scope(PROJECT, PAGE, INCIDENT)


def incident_json(**overrides: Any) -> dict[str, Any]:
    """The documented ``data.incident`` object (update-incident page)."""
    data: dict[str, Any] = {
        "id": INCIDENT,
        "status_page_id": PAGE,
        "title": "API Service Degradation",
        "message": "We are experiencing elevated response times on our API servers",
        "severity": "major",
        "status": "identified",
        "affected_monitor_ids": [MONITOR],
        "created_at": "2024-12-26T11:00:00Z",
        "updated_at": "2024-12-26T12:15:00Z",
        "resolved_at": None,
        "affected_monitors": [{"id": MONITOR, "name": "API", "type": "http", "status": "down", "url": "u"}],
        "updates": [],
    }
    data.update(overrides)
    return data


def ok(data: dict[str, Any]) -> Response:
    return Response(200, {}, {"success": True, "data": data})


def current(status: str, title: str = "API Service Degradation") -> Incident:
    return uv.incident_from_json(
        incident_json(status=status, title=title), project_id=PROJECT, status_page_id=PAGE
    )


def test_statuses_map_to_every_phase_and_are_known_words() -> None:
    assert uv.STATUS_PHASES == {
        "investigating": Phase.OPEN,
        "identified": Phase.ACKNOWLEDGED,
        "monitoring": Phase.MITIGATED,
        "resolved": Phase.RESOLVED,
    }
    assert vendor_module("uptimeio") is uv
    assert {"investigating", "identified", "monitoring"} <= known_status_words()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("open", "investigating"),
        ("acknowledged", "identified"),
        ("Mitigated", "monitoring"),
        (" RESOLVED ", "resolved"),
        ("Identified", "identified"),
    ],
)
def test_phases_and_any_case_become_uptimeio_words(word: str, expected: str) -> None:
    assert uv.to_vendor_status(word) == expected


def test_unknown_status_names_field_vendor_and_allowed_words() -> None:
    with pytest.raises(IncidentValidationError) as info:
        uv.to_vendor_status("triggered")
    assert info.value.field == "status"
    assert "uptimeio" in str(info.value)
    assert "investigating, identified, monitoring, resolved" in str(info.value)


def test_ref_carries_project_page_and_incident() -> None:
    scope = uv.parse_ref(f"{PROJECT}/{PAGE}/{INCIDENT}", project_id=None, status_page_id=None)
    assert scope == SCOPE
    assert scope.ref == f"{PROJECT}/{PAGE}/{INCIDENT}"
    assert scope.path == f"/api/projects/{PROJECT}/status-pages/{PAGE}/incidents/{INCIDENT}"
    bare = uv.parse_ref(f" {INCIDENT} ", project_id=PROJECT, status_page_id=PAGE)
    assert bare.ref == f"{PROJECT}/{PAGE}/{INCIDENT}"


def test_ref_needs_scope_and_ids_cannot_escape_the_path() -> None:
    with pytest.raises(IncidentValidationError, match="project_id") as info:
        uv.parse_ref(INCIDENT, project_id=None, status_page_id=PAGE)
    assert "projectId/pageId/incidentId" in str(info.value)
    with pytest.raises(IncidentValidationError, match="status_page_id"):
        uv.parse_ref(INCIDENT, project_id=PROJECT, status_page_id="")
    with pytest.raises(IncidentValidationError, match="neither an incident id nor a ref"):
        uv.parse_ref(f"{PAGE}/{INCIDENT}", project_id=PROJECT, status_page_id=PAGE)
    with pytest.raises(IncidentValidationError, match="control characters"):
        uv.parse_ref("ab\x01c", project_id=PROJECT, status_page_id=PAGE)
    for wrong in ("..?x#y", f"{INCIDENT}%2F..", "p1"):  # UptimeIO's ids are UUIDs: nothing else is sent
        with pytest.raises(IncidentValidationError, match="is not a UUID"):
            uv.parse_ref(wrong, project_id=PROJECT, status_page_id=PAGE)
    with pytest.raises(IncidentValidationError, match="'project_id'"):
        uv.parse_ref(INCIDENT, project_id="p%2F", status_page_id=PAGE)


def test_incident_is_normalized_with_ref_and_redacted_raw() -> None:
    incident = uv.parse_incident(
        ok({"incident": incident_json()}),
        SCOPE,
        url_template="https://status.example.com/incidents/{incident_id}",
        include_raw=True,
    )
    assert incident.vendor == "uptimeio"
    assert incident.id == INCIDENT
    assert incident.ref == f"{PROJECT}/{PAGE}/{INCIDENT}"
    assert (incident.status, incident.phase, incident.severity) == ("identified", Phase.ACKNOWLEDGED, "major")
    assert incident.url == f"https://status.example.com/incidents/{INCIDENT}"
    assert incident.created_at == datetime(2024, 12, 26, 11, tzinfo=UTC)
    assert incident.resolved_at is None
    assert incident.assignees == ()
    assert incident.raw is not None
    assert incident.raw["affected_monitors"][0]["url"] == "***"
    assert uv.parse_incident(ok({"incident": incident_json()}), SCOPE).url is None


def test_bodies_without_data_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="data"):
        uv.parse_incident(Response(200, {}, {"incident": incident_json()}), SCOPE)
    with pytest.raises(ValueError, match=r"data\.incident"):
        uv.parse_incident(ok({"update": {}}), SCOPE)


def test_error_body_is_parsed_and_falls_back_to_the_status() -> None:
    seed = {"success": False, "error": {"code": "NOT_FOUND", "message": "Incident not found"}}
    assert uv.parse_error(Response(404, {}, seed)) == ("Incident not found", "NOT_FOUND", ())
    detailed = {"error": {"code": "VALIDATION_ERROR", "message": "bad", "details": ["title: too long"]}}
    assert uv.parse_error(Response(400, {}, detailed)) == ("bad", "VALIDATION_ERROR", ("title: too long",))
    assert uv.parse_error(Response(400, {}, {"error": "Bad Request"})) == ("Bad Request", None, ())
    assert uv.parse_error(Response(400, {}, {"message": "nope"})) == ("nope", None, ())
    assert uv.parse_error(Response(502, {}, None, text="<html>"))[0] == "HTTP 502 with no UptimeIO error body"
    assert uv.parse_error(Response(500, {}, {"error": {"code": "X"}}))[0] == "HTTP 500"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert uv.retry_after(Response(429, {"retry-after": "7"}, None)) == 7.0
    assert uv.retry_after(Response(429, {}, None)) is None
    assert uv.retry_after(Response(429, {"retry-after": "soon"}, None)) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    waited = uv.retry_after(Response(429, {"retry-after": later}, None))
    assert waited is not None
    assert 20 < waited <= 30
    assert uv.is_conflict("conflict")
    assert not uv.is_conflict("VALIDATION_ERROR")
    assert not uv.is_conflict(None)


def test_headers_carry_the_key_and_json_only_with_a_body() -> None:
    assert uv.headers("k", has_body=False) == {"X-API-Key": "k", "Accept": "application/json"}
    assert uv.headers("k", has_body=True)["Content-Type"] == "application/json"


def test_update_limits_fail_before_sending() -> None:
    cases: list[tuple[IncidentUpdate, str]] = [
        (IncidentUpdate(title=""), "title"),
        (IncidentUpdate(title="x" * 201), "title"),
        (IncidentUpdate(description="x" * 5001), "description"),
        (IncidentUpdate(severity="sev1"), "severity"),
        (IncidentUpdate(status="closed"), "status"),
        (IncidentUpdate(note=" "), "note"),
        (IncidentUpdate(resolution="done", status="monitoring"), "resolution"),
        (IncidentUpdate(vendor_fields={"affected_monitor_ids": []}), "vendor_fields.affected_monitor_ids"),
        (
            IncidentUpdate(vendor_fields={"affected_monitor_ids": ["nope"]}),
            "vendor_fields.affected_monitor_ids",
        ),
        (IncidentUpdate(vendor_fields={"message": "x"}), "vendor_fields.message"),
        (IncidentUpdate(vendor_fields={"impact": "x"}), "vendor_fields.impact"),
    ]
    for update, field in cases:
        with pytest.raises(IncidentValidationError) as info:
            uv.validate_update(update)
        assert info.value.field == field, update
        assert info.value.vendor == "uptimeio"
    with pytest.raises(IncidentValidationError, match="minor, major, critical"):
        uv.validate_update(IncidentUpdate(severity="sev1"))
    with pytest.raises(IncidentValidationError, match="'description'"):
        uv.validate_update(IncidentUpdate(vendor_fields={"message": "x"}))
    assert uv.validate_update(IncidentUpdate(title="x" * 200, description="y" * 5000)) == {}


def test_assignees_are_unsupported_and_say_what_to_use() -> None:
    with pytest.raises(UnsupportedOperationError, match=r"uptimeio.*no assignees.*note="):
        uv.validate_update(IncidentUpdate(assignees=("u1",)))


def test_patch_body_maps_fields_and_leaves_out_what_is_already_so() -> None:
    update = IncidentUpdate(
        title="API Service Degradation",
        description="Root cause found",
        severity="CRITICAL",
        status="acknowledged",
        vendor_fields={"affected_monitor_ids": [MONITOR.upper(), MONITOR]},
    )
    fields = uv.validate_update(update)
    assert uv.patch_body(update, fields, current=current("investigating")) == {
        "message": "Root cause found",
        "severity": "critical",
        "status": "identified",
        "affected_monitor_ids": [MONITOR],
    }
    assert "status" not in uv.patch_body(
        IncidentUpdate(status="identified"), {}, current=current("identified")
    )
    assert uv.patch_body(IncidentUpdate(status="resolved"), {}, current=current("identified")) == {}
    assert uv.patch_body(IncidentUpdate(title="New"), {}, current=None) == {"title": "New"}


def test_write_requests() -> None:
    patch = uv.build_update(SCOPE, {"title": "t"})
    assert (patch.method, patch.path, patch.json, patch.idempotent) == (
        "PATCH",
        SCOPE.path,
        {"title": "t"},
        True,
    )
    resolve = uv.build_resolve(SCOPE, "Fixed")
    assert (resolve.method, resolve.path, resolve.json) == (
        "POST",
        f"{SCOPE.path}/resolve",
        {"message": "Fixed"},
    )
    assert not resolve.idempotent
    assert uv.build_resolve(SCOPE, None).json == {}
    note = uv.build_add_update(SCOPE, "Deploying a fix", "Identified")
    assert note.json == {"message": "Deploying a fix", "status": "identified"}
    assert (note.path, note.idempotent) == (f"{SCOPE.path}/updates", False)


def test_note_marker_is_a_hidden_comment_counted_in_the_limit() -> None:
    content = uv.note_content("Rolling back", "abc123", "hidden")
    assert content.startswith("Rolling back")
    assert f"<!-- {marker('abc123')} -->" in content
    assert is_marked(content, "abc123")
    assert uv.note_content("Rolling back", "abc123", "none") == "Rolling back"
    assert uv.note_content("Rolling back", None, "hidden") == "Rolling back"
    assert uv.note_content("x" * 5000, None, "hidden") == "x" * 5000
    with pytest.raises(IncidentValidationError, match="idempotency marker"):
        uv.note_content("x" * 4990, "abc123", "hidden")


def test_customer_facing_writes_need_public_and_notification_is_refused() -> None:
    uv.check_options(WriteOptions(), customer_facing=None)
    uv.check_options(WriteOptions(public=True), customer_facing="a note")
    with pytest.raises(IncidentValidationError) as info:
        uv.check_options(WriteOptions(), customer_facing="a note")
    assert info.value.field == "public"
    assert "public=True" in str(info.value)
    with pytest.raises(UnsupportedOperationError, match="notify_subscribers"):
        uv.check_options(WriteOptions(public=True, notify_subscribers=True), customer_facing=None)
    assert "status='identified', public=True" in str(pages.no_acknowledge(uv.NAME))


def test_list_requests_and_paging_rule() -> None:
    request = uv.build_list(PROJECT, PAGE, page=2, limit=100, status="open")
    assert request.path == f"/api/projects/{PROJECT}/status-pages/{PAGE}/incidents"
    assert dict(request.params) == {
        "page": "2",
        "limit": "100",
        "sort_by": "created_at",
        "sort_order": "desc",
        "status": "investigating",
    }
    assert uv.page_is_last([1, 2], 3)
    assert not uv.page_is_last([1, 2, 3], 3)
    page = uv.parse_list(ok({"incidents": [incident_json(), {"no": "id"}]}), PROJECT, PAGE)
    assert [incident.ref for incident in page] == [f"{PROJECT}/{PAGE}/{INCIDENT}"]
    updates = ok({"updates": [{"message": "a"}, {"message": None}, "junk"]})
    assert uv.parse_updates(updates) == ["a", ""]
    assert dict(uv.build_list_updates(SCOPE, 3).params) == {"page": "3", "limit": "100", "sort_order": "desc"}
    with pytest.raises(IncidentValidationError, match="status_page_id"):
        uv.build_connection_check(PROJECT, None)


@pytest.mark.parametrize("field", ["services", "teams"])
def test_a_list_scoped_to_services_or_teams_is_refused_naming_the_page_and_project(field: str) -> None:
    uv.check_list_scope((), ())
    scope: dict[str, tuple[str, ...]] = {"services": (), "teams": (), field: ("svc-1",)}
    with pytest.raises(IncidentValidationError, match=f"uptimeio: invalid '{field}'") as info:
        uv.check_list_scope(**scope)
    assert info.value.field == field
    assert "set project_id and status_page_id on the connection" in str(info.value)


def test_escalation_climbs_one_ordered_scale_to_absolute_targets() -> None:
    assert uv.SEVERITIES == ("minor", "major", "critical")
    assert [uv.escalation_target(rung, None)[0] for rung in uv.SEVERITIES] == ["major", "critical", None]
    assert uv.escalation_target(None, None)[0] == "minor"
    assert uv.escalation_target(" Major ", None)[0] == "critical"
    with pytest.raises(
        IncidentValidationError, match=r"'sev2' is not on the scale minor, major, critical.*severity="
    ) as info:
        uv.escalation_target("sev2", None)
    assert info.value.field == "severity"


@pytest.mark.parametrize(
    ("current", "requested", "expected"),
    [
        ("minor", None, ("major", "severity minor -> major")),
        ("critical", None, (None, "already at the top")),
        (None, None, ("minor", "severity None -> minor")),
        ("minor", "CRITICAL", ("critical", "severity minor -> critical")),
        ("major", "major", (None, "already major")),
        ("critical", "minor", (None, "already critical, above minor")),
        ("unknown", "major", ("major", "severity unknown -> major")),
    ],
)
def test_escalation_target_never_lowers_and_is_absolute(
    current: str | None, requested: str | None, expected: tuple[str | None, str]
) -> None:
    assert uv.escalation_target(current, requested) == expected


def test_create_escalation_level_and_assignees_errors_say_what_to_do() -> None:
    assert "create the incident in UptimeIO and pass its id" in str(uv.create_unsupported())
    level = str(pages.no_escalation_levels(uv.NAME, uv.SEVERITIES, "severity"))
    assert "'escalation_level' is PagerDuty's" in level
    assert "minor -> major -> critical" in level
    assert "ReassignIncidentOperator" in str(pages.no_assignees(uv.NAME))
