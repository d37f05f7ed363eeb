"""The Rootly vendor module alone: pure functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import is_marked, marker
from airflow_incident_provider.models import FromTriage, IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors import known_status_words
from airflow_incident_provider.vendors import rootly as rl
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.catalogue import Entry, no_escalation_levels
from airflow_incident_provider.vendors.protocol import VendorModule

CHECKED: VendorModule = rl  # mypy: the module is a VendorModule

INCIDENT_ID = "e2823ca6-7112-442c-b913-69bf705af341"
SEVERITIES = [Entry("sev-0-id", "SEV0", aliases=("sev0",)), Entry("sev-1-id", "SEV1", aliases=("sev1",))]


def incident_json(**attributes: Any) -> dict[str, Any]:
    """A resource shaped like the seed page's ``PUT /v1/incidents/{id}`` response."""
    base: dict[str, Any] = {
        "title": "Oh no! Something is broken again",
        "slug": "ut-autem-non-quod",
        "kind": "normal",
        "summary": "What could it be again?",
        "status": "started",
        "url": "https://rootly.com/account/incidents/1-ut-autem-non-quod",
        "severity": {
            "data": {
                "id": "0ff13b2e-5d97-4412-8ee3-77fc22cfd662",
                "type": "severities",
                "attributes": {"name": "SEV2", "slug": "sev2", "severity": "medium"},
            }
        },
        "zoom_meeting_password": "s3cret-zoom-9911",
        "zoom_meeting_join_url": "https://zoom.us/j/1?pwd=s3cret-zoom-9911",
        "started_at": "2025-07-06T14:10:59.162-07:00",
        "resolved_at": None,
        "created_at": "2025-07-06T14:10:59.162-07:00",
        "updated_at": "2025-07-06T14:11:14.905-07:00",
    }
    base.update(attributes)
    return {"id": INCIDENT_ID, "type": "incidents", "attributes": base}


def response(status: int = 200, body: Any = None, **headers: str) -> Response:
    return Response(status=status, headers={k.replace("_", "-"): v for k, v in headers.items()}, body=body)


# --- statuses -------------------------------------------------------------------------------------


def test_statuses_map_to_the_design_phases() -> None:
    assert {
        status: phase for status, phase in rl.STATUS_PHASES.items() if status in rl.WRITABLE_STATUSES
    } == {
        "in_triage": Phase.OPEN,
        "detected": Phase.OPEN,
        "started": Phase.OPEN,
        "acknowledged": Phase.ACKNOWLEDGED,
        "mitigated": Phase.MITIGATED,
        "resolved": Phase.RESOLVED,
        "closed": Phase.RESOLVED,
        "cancelled": Phase.RESOLVED,
    }
    assert rl.STATUS_PHASES["scheduled"] is rl.STATUS_PHASES["in_progress"] is Phase.OPEN
    assert rl.STATUS_PHASES["completed"] is Phase.RESOLVED
    assert all(word == word.lower() for word in rl.STATUS_PHASES)
    assert set(rl.STATUS_PHASES) <= known_status_words()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("in_triage", "in_triage"),
        (" Mitigated ", "mitigated"),
        ("CLOSED", "closed"),
        ("open", "started"),
        ("acknowledged", "acknowledged"),
        ("mitigated", "mitigated"),
        ("resolved", "resolved"),
    ],
)
def test_status_words_and_phases_become_rootly_words(word: str, expected: str) -> None:
    assert rl.to_vendor_status(word) == expected


def test_unknown_and_maintenance_statuses_fail_listing_the_writable_words() -> None:
    with pytest.raises(IncidentValidationError) as info:
        rl.to_vendor_status("resovled")
    assert "rootly" in str(info.value)
    assert "in_triage, detected, started, acknowledged, mitigated, resolved, closed, cancelled" in str(
        info.value
    )
    with pytest.raises(IncidentValidationError, match="scheduled-maintenance status"):
        rl.to_vendor_status("in_progress")


def test_listing_a_phase_that_is_no_rootly_word_means_all_its_statuses() -> None:
    assert rl.list_statuses(["open"]) == ["in_triage", "detected", "started", "scheduled", "in_progress"]
    assert rl.list_statuses(["Resolved", "mitigated", "resolved"]) == ["resolved", "mitigated"]
    assert rl.list_statuses([]) == []
    with pytest.raises(IncidentValidationError, match="'statuses'"):
        rl.list_statuses(["finished"])


# --- headers, errors, retries ---------------------------------------------------------------------


def test_headers_are_json_api_with_a_bearer_key() -> None:
    assert rl.headers("k-123") == {
        "Accept": "application/vnd.api+json",
        "Content-Type": "application/vnd.api+json",
        "Authorization": "Bearer k-123",
    }


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-ratelimit-reset": str(int(NOW) + 42)}, 42.0),
        ({"ratelimit-reset": str(int(NOW) + 7)}, 7.0),
        ({"x-ratelimit-reset": str(int(NOW) - 5)}, 0.0),
        ({"x-ratelimit-reset": "12"}, 12.0),
        ({"retry-after": "3", "x-ratelimit-reset": str(int(NOW) + 42)}, 3.0),
        ({"retry-after": format_datetime(datetime.fromtimestamp(NOW + 9, UTC), usegmt=True)}, 9.0),
        ({"retry-after": "soon", "x-ratelimit-reset": "junk", "ratelimit-reset": str(int(NOW) + 2)}, 2.0),
        ({}, None),
    ],
)
def test_retry_after_reads_every_spelling_and_converts_epochs(
    headers: dict[str, str], expected: float | None
) -> None:
    assert rl.retry_after(Response(429, headers, None), now=NOW) == expected


def test_parse_error_keeps_rootly_titles_details_and_codes() -> None:
    body = {
        "errors": [
            {"title": "Unprocessable Entity", "status": "422", "detail": "Cannot skip triage", "code": "X1"},
            {"title": "Title can't be blank", "status": "422"},
        ]
    }
    assert rl.parse_error(response(422, body)) == (
        "Unprocessable Entity",
        "X1",
        ("Cannot skip triage", "Title can't be blank"),
    )
    assert rl.parse_error(response(404, {"errors": [{"title": "Record not found", "status": "404"}]})) == (
        "Record not found",
        None,
        (),
    )
    limited = response(429, {"error": "Rate limit exceeded. Try again later."})
    assert rl.parse_error(limited) == ("Rate limit exceeded. Try again later.", None, ())
    assert rl.parse_error(response(502, None))[0] == "HTTP 502 with no error body"
    assert not rl.is_conflict("X1")
    assert not rl.is_conflict(None)


# --- reading --------------------------------------------------------------------------------------


def test_incident_is_normalized_and_raw_meeting_secrets_are_redacted() -> None:
    incident = rl.incident_from_json(incident_json(), include_raw=True)
    assert incident.vendor == "rootly"
    assert incident.id == incident.ref == INCIDENT_ID
    assert incident.status == "started"
    assert incident.phase is Phase.OPEN
    assert incident.severity == "SEV2"
    assert incident.assignees == ()
    assert incident.url == "https://rootly.com/account/incidents/1-ut-autem-non-quod"
    assert incident.created_at == datetime(
        2025, 7, 6, 14, 10, 59, 162000, tzinfo=timezone(timedelta(hours=-7))
    )
    assert incident.resolved_at is None
    assert incident.raw is not None
    assert incident.raw["attributes"]["zoom_meeting_password"] == "***"
    assert "s3cret-zoom-9911" not in str(incident.to_json())
    assert "raw" not in rl.incident_from_json(incident_json()).to_json()


def test_every_meeting_password_attribute_of_the_spec_is_sensitive() -> None:
    for name in ("zoom_meeting_password", "zoom_meeting_pstn_password", "zoom_meeting_h323_password"):
        assert name in rl.SENSITIVE_FIELDS


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"status": "resolved", "resolved_at": "2025-07-07T10:00:00Z"}, datetime(2025, 7, 7, 10, tzinfo=UTC)),
        (
            {"status": "cancelled", "cancelled_at": "2025-07-07T11:00:00+00:00"},
            datetime(2025, 7, 7, 11, tzinfo=UTC),
        ),
        ({"status": "mitigated", "resolved_at": "2025-07-07T10:00:00Z"}, None),
    ],
)
def test_resolved_at_is_set_only_in_the_resolved_phase(
    attributes: dict[str, Any], expected: datetime | None
) -> None:
    assert rl.incident_from_json(incident_json(**attributes)).resolved_at == expected


def test_severity_read_back_from_any_shape() -> None:
    assert rl.incident_from_json(incident_json(severity=None)).severity is None
    assert rl.incident_from_json(incident_json(severity="sev1")).severity == "sev1"
    slug_only = {"data": {"id": "x", "type": "severities", "attributes": {"slug": "sev3"}}}
    assert rl.incident_from_json(incident_json(severity=slug_only)).severity == "sev3"


def test_parse_incident_needs_a_data_object() -> None:
    assert rl.parse_incident(response(body={"data": incident_json()})).id == INCIDENT_ID
    with pytest.raises(ValueError, match="'data'"):
        rl.parse_incident(response(body={"incident": {}}))


@pytest.mark.parametrize("ref", [INCIDENT_ID, INCIDENT_ID.upper(), "ut-autem-non-quod", "42", "  sev_1-x  "])
def test_ids_and_slugs_are_accepted(ref: str) -> None:
    assert rl.build_get(ref).path == f"/v1/incidents/{ref.strip()}"


@pytest.mark.parametrize("ref", ["INC-42", "../admin", "a/b", "q?x", "", "with space"])
def test_anything_else_is_refused_before_sending(ref: str) -> None:
    with pytest.raises(IncidentValidationError, match="'incident_id'"):
        rl.build_get(ref)


def test_list_request_pages_oldest_first_with_filters() -> None:
    since = datetime(2026, 1, 1, 8, 30)
    until = datetime(2026, 2, 1, tzinfo=timezone(timedelta(hours=2)))
    request = rl.build_list(status="started", since=since, until=until, page=3, page_size=50)
    assert request.path == "/v1/incidents"
    assert dict(request.params) == {
        "page[number]": "3",
        "page[size]": "50",
        "sort": "created_at",
        "filter[status]": "started",
        "filter[created_at][gte]": "2026-01-01T08:30:00+00:00",
        "filter[created_at][lte]": "2026-02-01T00:00:00+02:00",
    }
    bare = rl.build_list(status=None, since=None, until=None, page=1, page_size=100)
    assert [name for name, _ in bare.params] == ["page[number]", "page[size]", "sort"]


def test_list_scoped_to_services_and_teams_sends_each_as_one_comma_separated_filter() -> None:
    request = rl.build_list(
        status="started",
        since=None,
        until=None,
        page=1,
        page_size=100,
        services=["svc-a", " svc-b ", "svc-a"],
        teams=["team-1"],
    )
    params = dict(request.params)
    assert params["filter[service_ids]"] == "svc-a,svc-b"
    assert params["filter[team_ids]"] == "team-1"
    assert params["filter[status]"] == "started"
    only_teams = rl.build_list(status=None, since=None, until=None, page=1, page_size=100, teams=["t"])
    assert "filter[service_ids]" not in dict(only_teams.params)


@pytest.mark.parametrize(
    ("scope", "field", "message"),
    [
        ({"services": ["a,b"]}, "services", "contains ','"),
        ({"services": [""]}, "services", "non-empty id strings"),
        ({"teams": [7]}, "teams", "non-empty id strings"),
    ],
)
def test_list_scope_ids_that_would_not_survive_the_comma_list_are_refused(
    scope: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(IncidentValidationError, match=f"rootly: invalid '{field}'.*{message}"):
        rl.build_list(status=None, since=None, until=None, page=1, page_size=100, **scope)


def test_list_and_event_pages_follow_meta_next_page() -> None:
    body = {"data": [incident_json()], "meta": {"next_page": 2}, "links": {}}
    incidents, next_page = rl.parse_list(response(body=body))
    assert [i.id for i in incidents] == [INCIDENT_ID]
    assert next_page == 2
    assert rl.next_page(response(body={"data": [], "meta": {"next_page": None}})) is None
    assert rl.next_page(response(body={"data": []})) is None
    events = {"data": [{"id": "e1", "type": "incident_events", "attributes": {"event": "hello"}}], "meta": {}}
    assert rl.parse_events(response(body=events)) == (["hello"], None)


def test_severity_is_found_by_id_slug_or_name_and_the_error_lists_them() -> None:
    assert rl.severity_id("sev-1-id", SEVERITIES) == "sev-1-id"
    assert rl.severity_id(" SEV0 ", SEVERITIES) == "sev-0-id"
    assert rl.severity_id("Sev1", SEVERITIES) == "sev-1-id"
    with pytest.raises(IncidentValidationError) as info:
        rl.severity_id("critical", SEVERITIES)
    assert "'severity'" in str(info.value)
    assert "SEV0 (sev0), SEV1 (sev1)" in str(info.value)
    body = {"data": [{"id": "s1", "type": "severities", "attributes": {"name": "SEV0", "slug": "sev0"}}]}
    expected = [Entry("s1", "SEV0", None, aliases=("sev0",))]
    assert rl.parse_severities(response(body=body)) == (expected, None)


# --- the lifecycle --------------------------------------------------------------------------------


def plan(
    current: str, target: str, *, allow_reopen: bool = False, from_triage: FromTriage = "start"
) -> list[str]:
    steps = rl.transition_plan(current, target, allow_reopen=allow_reopen, from_triage=from_triage)
    return [f"{step.action}:{step.status}" for step in steps]


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("started", "started", []),
        ("in_triage", "resolved", ["status:started", "resolve:resolved"]),
        ("started", "resolved", ["resolve:resolved"]),
        ("acknowledged", "resolved", ["resolve:resolved"]),
        ("mitigated", "closed", ["resolve:resolved", "status:closed"]),
        ("resolved", "closed", ["status:closed"]),
        ("closed", "resolved", []),
        ("cancelled", "resolved", []),
        ("in_triage", "mitigated", ["mitigate:mitigated"]),
        ("started", "acknowledged", ["status:acknowledged"]),
        ("mitigated", "started", ["status:started"]),
        ("started", "in_triage", ["in_triage:in_triage"]),
        ("detected", "cancelled", ["cancel:cancelled"]),
    ],
)
def test_transition_plans(current: str, target: str, expected: list[str]) -> None:
    assert plan(current, target) == expected


def test_triage_rule_follows_from_triage() -> None:
    assert plan("in_triage", "resolved", from_triage="cancel") == ["cancel:cancelled"]
    with pytest.raises(IncidentValidationError, match="'from_triage'"):
        plan("in_triage", "resolved", from_triage="fail")
    with pytest.raises(IncidentValidationError, match="cannot close"):
        plan("in_triage", "closed", from_triage="cancel")
    assert plan("in_triage", "closed") == ["status:started", "resolve:resolved", "status:closed"]


def test_leaving_a_terminal_status_needs_allow_reopen_and_restarts() -> None:
    for current in rl.TERMINAL_STATUSES:
        with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
            plan(current, "acknowledged")
    assert plan("resolved", "acknowledged", allow_reopen=True) == ["restart:started", "status:acknowledged"]
    assert plan("closed", "started", allow_reopen=True) == ["restart:started"]
    assert plan("cancelled", "closed", allow_reopen=True) == [
        "restart:started",
        "resolve:resolved",
        "status:closed",
    ]


def test_maintenance_incidents_are_not_moved() -> None:
    with pytest.raises(UnsupportedOperationError, match="scheduled maintenance"):
        plan("in_progress", "resolved")


def test_transition_bodies_carry_their_message_attribute() -> None:
    resolve = rl.Transition("resolve", "resolve", "resolved")
    mitigate = rl.Transition("mitigate", "mitigate", "mitigated")
    cancel = rl.Transition("cancel", "cancel", "cancelled")
    request = rl.build_transition(INCIDENT_ID, resolve, "Rolled back")
    assert (request.method, request.path, request.write) == (
        "PUT",
        f"/v1/incidents/{INCIDENT_ID}/resolve",
        True,
    )
    assert request.json == {
        "data": {"type": "incidents", "attributes": {"resolution_message": "Rolled back"}}
    }
    assert rl.build_transition(INCIDENT_ID, mitigate, None).json == {
        "data": {"type": "incidents", "attributes": {}}
    }
    assert rl.build_transition(INCIDENT_ID, cancel, "False alarm").json["data"]["attributes"] == {
        "cancellation_message": "False alarm"
    }
    assert rl.build_transition(INCIDENT_ID, rl.RESTART).json == {
        "data": {"type": "incidents", "attributes": {}}
    }
    triage = rl.build_transition(INCIDENT_ID, rl.Transition("triage", "in_triage", "in_triage"))
    assert triage.json == {"data": {"type": "incidents"}}
    put = rl.build_transition(INCIDENT_ID, rl.Transition("start", "status", "started"), "ignored")
    assert (put.path, put.json) == (
        f"/v1/incidents/{INCIDENT_ID}",
        {"data": {"type": "incidents", "attributes": {"status": "started"}}},
    )


# --- updates --------------------------------------------------------------------------------------


def test_assignees_are_unsupported_and_say_what_to_use() -> None:
    with pytest.raises(UnsupportedOperationError, match="assign_role_to_user"):
        rl.validate_update(IncidentUpdate(assignees=("u1",)))


def test_normalized_fields_become_attributes() -> None:
    update = IncidentUpdate(title="New title", description="Longer text", severity="SEV0")
    fields = rl.validate_update(update)
    assert rl.update_attributes(update, fields, severity="sev-0-id", current=None) == {
        "title": "New title",
        "summary": "Longer text",
        "severity_id": "sev-0-id",
    }
    current = rl.incident_from_json(incident_json(title="New title"))
    assert "title" not in rl.update_attributes(update, fields, severity=None, current=current)


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        ({"kind": "Test"}, {"kind": "test"}),
        ({"private": True}, {"private": True}),
        ({"public_title": None}, {"public_title": None}),
        ({"service_ids": [" s1 ", "s2"]}, {"service_ids": ["s1", "s2"]}),
        ({"labels": {"platform": "osx"}}, {"labels": {"platform": "osx"}}),
        ({"started_at": "2026-01-01T10:00:00Z"}, {"started_at": "2026-01-01T10:00:00+00:00"}),
        ({"scheduled_for": datetime(2026, 1, 1, 9)}, {"scheduled_for": "2026-01-01T09:00:00+00:00"}),
        ({"resolution_message": "Done"}, {"resolution_message": "Done"}),
    ],
)
def test_vendor_fields_are_checked_and_sent_in_the_spec_shapes(
    fields: dict[str, Any], sent: dict[str, Any]
) -> None:
    assert rl.validate_vendor_fields(fields) == sent


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "x"}, "use the 'title' argument"),
        ({"summary": "x"}, "use the 'description' argument"),
        ({"severity_id": "x"}, "use the 'severity' argument"),
        ({"status": "started"}, "use the 'status' argument"),
        ({"urgency": "high"}, "not a Rootly incident attribute; allowed: kind,"),
        ({"kind": "major"}, "one of test,"),
        ({"kind": None}, "scheduled_sub (got None)"),
        ({"private": "yes"}, "true or false"),
        ({"service_ids": "s1"}, "a list of non-empty id strings"),
        ({"service_ids": [""]}, "a list of non-empty id strings"),
        ({"labels": {"version": 1.29}}, "string keys to string values"),
        ({"started_at": "yesterday"}, "not an ISO 8601 date-time"),
        ({"slack_channel_name": 5}, "a string"),
        ({"started_at": "2026-01-02T00:00:00Z", "mitigated_at": "2026-01-01T00:00:00Z"}, "mitigated_at >="),
    ],
)
def test_bad_vendor_fields_fail_naming_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(IncidentValidationError, match=r"'vendor_fields\.") as info:
        rl.validate_vendor_fields(fields)
    assert message in str(info.value)


def test_every_seed_page_attribute_is_reachable() -> None:
    seed_attributes = {
        "title", "kind", "parent_incident_id", "duplicate_incident_id", "summary", "status", "private",
        "severity_id", "public_title", "alert_ids", "environment_ids", "incident_type_ids", "service_ids",
        "functionality_ids", "group_ids", "cause_ids", "labels", "slack_channel_id", "slack_channel_name",
        "slack_channel_url", "slack_channel_archived", "google_drive_parent_id", "google_drive_url",
        "scheduled_for", "scheduled_until", "in_triage_at", "started_at", "detected_at", "acknowledged_at",
        "mitigated_at", "resolved_at", "closed_at", "cancelled_at",
    }  # fmt: skip
    assert seed_attributes - set(rl.VENDOR_FIELDS) == {"title", "summary", "status", "severity_id"}


def test_resolution_needs_a_status_that_takes_a_message() -> None:
    rl.validate_update(IncidentUpdate(status="resolved", resolution="Rolled back"))
    rl.validate_update(IncidentUpdate(status="mitigated", resolution="Failed over"))
    with pytest.raises(IncidentValidationError, match="'resolution'"):
        rl.validate_update(IncidentUpdate(status="acknowledged", resolution="x"))
    with pytest.raises(IncidentValidationError, match="'resolution'"):
        rl.validate_update(IncidentUpdate(resolution="x"))
    with pytest.raises(IncidentValidationError, match="'title'"):
        rl.validate_update(IncidentUpdate(title="  "))
    with pytest.raises(IncidentValidationError, match="'note'"):
        rl.validate_update(IncidentUpdate(note=" "))


# --- events ---------------------------------------------------------------------------------------


def test_events_are_internal_with_a_visible_marker_or_external_with_a_hidden_one() -> None:
    internal = rl.build_event(INCIDENT_ID, rl.event_text("Restarted", "k1", public=False), public=False)
    assert internal.json == {
        "data": {
            "type": "incident_events",
            "attributes": {"event": f"Restarted\n\n[{marker('k1')}]", "visibility": "internal"},
        }
    }
    assert (internal.method, internal.path, internal.idempotent) == (
        "POST",
        f"/v1/incidents/{INCIDENT_ID}/events",
        False,
    )
    external_text = rl.event_text("We are on it", "k2", public=True)
    assert external_text == f"We are on it\n\n<!-- {marker('k2')} -->"
    assert is_marked(external_text, "k2")
    assert (
        rl.build_event(INCIDENT_ID, external_text, public=True).json["data"]["attributes"]["visibility"]
        == "external"
    )
    assert rl.event_text("plain", None, public=True) == "plain"
    listing = rl.build_list_events(INCIDENT_ID, 2)
    assert listing.params == (("page[number]", "2"), ("page[size]", str(rl.LIST_PAGE_SIZE)))


# --- create, escalate, reassign -----------------------------------------------------------------------

SCALE = [
    Entry("s2", "SEV2", 2, aliases=("sev2",)),
    Entry("s0", "SEV0", 0, aliases=("sev0",)),
    Entry("sx", "Info", None, aliases=("info",)),
    Entry("s1", "SEV1", 1, aliases=("sev1",)),
]


def test_the_severity_scale_runs_from_the_highest_position_to_position_zero() -> None:
    assert [s.id for s in rl.severity_scale(SCALE)] == ["sx", "s2", "s1", "s0"]


@pytest.mark.parametrize(
    ("current", "expected"),
    [(None, "sx"), ("gone", "sx"), ("sx", "s2"), ("s2", "s1"), ("s1", "s0"), ("s0", None)],
)
def test_one_step_up_is_absolute_and_stops_at_the_top(current: str | None, expected: str | None) -> None:
    assert rl.next_severity(current, SCALE) == expected


def test_no_severities_means_nothing_to_escalate_through() -> None:
    with pytest.raises(IncidentValidationError, match="defines no severities"):
        rl.next_severity(None, [])


def test_escalation_level_names_the_alternatives() -> None:
    message = str(no_escalation_levels(rl.DISPLAY_NAME))
    assert "escalation_level" in message
    assert "severity=" in message


def test_current_severity_id_reads_the_nested_resource() -> None:
    body = {"data": incident_json()}
    body["data"]["attributes"]["severity"] = {"data": {"id": "s1", "type": "severities", "attributes": {}}}
    assert rl.current_severity_id(response(body=body)) == "s1"
    body["data"]["attributes"]["severity"] = None
    assert rl.current_severity_id(response(body=body)) is None


def test_create_body_carries_the_dedup_label_next_to_the_callers_labels() -> None:
    create = IncidentCreate(
        title="Disk full",
        description="On db-3",
        dedup_key="alert-42",
        vendor_fields={"labels": {"team": "db"}, "private": True},
    )
    attributes = rl.create_attributes(create, rl.validate_create(create), severity="s1")
    assert attributes == {
        "title": "Disk full",
        "status": "started",
        "summary": "On db-3",
        "severity_id": "s1",
        "private": True,
        "labels": {"team": "db", rl.DEDUP_LABEL: "alert-42"},
    }
    request = rl.build_create(attributes)
    assert (request.method, request.path, request.idempotent) == ("POST", "/v1/incidents", False)


@pytest.mark.parametrize(
    ("create", "field"),
    [
        (IncidentCreate(title=" "), "'title'"),
        (IncidentCreate(title="t", severity=" "), "'severity'"),
        (IncidentCreate(title="t", dedup_key="a,b"), "'dedup_key'"),
        (IncidentCreate(title="t", dedup_key="a:b"), "'dedup_key'"),
        (IncidentCreate(title="t", assignees=("",)), "'assignees'"),
        (IncidentCreate(title="t", vendor_fields={"status": "resolved"}), "'vendor_fields.status'"),
        (IncidentCreate(title="t", vendor_fields={"resolution_message": "x"}), "resolution_message"),
        (IncidentCreate(title="t", vendor_fields={"labels": {rl.DEDUP_LABEL: "x"}}), "dedup_key"),
        (IncidentCreate(title="t", vendor_fields={"kind": "weird"}), "'vendor_fields.kind'"),
    ],
)
def test_create_is_validated_before_any_request(create: IncidentCreate, field: str) -> None:
    with pytest.raises(IncidentValidationError) as info:
        rl.validate_create(create)
    assert field in str(info.value)


def test_the_dedup_lookup_checks_the_label_itself() -> None:
    request = rl.build_find_dedup("k-1", 2)
    assert ("filter[labels]", f"{rl.DEDUP_LABEL}:k-1") in request.params
    assert ("sort", "-created_at") in request.params
    other = incident_json(labels={rl.DEDUP_LABEL: "k-2"})
    mine = {**incident_json(labels={rl.DEDUP_LABEL: "k-1"}), "id": "mine"}
    found, page = rl.parse_dedup_matches(
        response(body={"data": [other, mine], "meta": {"next_page": 3}}), "k-1"
    )
    assert ([i.id for i in found], page) == (["mine"], 3)


ROLES = [
    rl.IncidentRole(id="r1", slug="commander", name="Commander", multiple=False),
    rl.IncidentRole(id="r2", slug="scribe", name="Scribe", multiple=True),
]


def test_the_assignee_role_defaults_to_the_commander_and_can_be_configured() -> None:
    assert rl.assignee_role(None, ROLES).id == "r1"
    assert rl.assignee_role("SCRIBE", ROLES).id == "r2"
    assert rl.assignee_role("r2", ROLES).id == "r2"
    with pytest.raises(IncidentValidationError, match=r"'assignee_role'.*Commander \(commander\)"):
        rl.assignee_role("Lead", ROLES)
    with pytest.raises(IncidentValidationError, match="no incident commander role"):
        rl.assignee_role(None, ROLES[1:])
    with pytest.raises(IncidentValidationError, match="holds one user"):
        rl.check_role_capacity(ROLES[0], ("u1", "u2"))
    rl.check_role_capacity(ROLES[1], ("u1", "u2"))


def test_disabled_roles_are_not_offered() -> None:
    body = {
        "data": [
            {"id": "r1", "type": "incident_roles", "attributes": {"name": "Commander", "slug": "commander"}},
            {"id": "r9", "type": "incident_roles", "attributes": {"name": "Old", "enabled": False}},
        ]
    }
    roles, page = rl.parse_incident_roles(response(body=body))
    assert ([r.id for r in roles], page) == (["r1"], None)


def test_role_holders_are_read_from_any_json_api_form_of_the_assignment() -> None:
    included = [
        {
            "id": "a1",
            "type": rl.ROLE_ASSIGNMENT_TYPE,
            "relationships": {"incident_role": {"data": {"id": "r1"}}, "user": {"data": {"id": "u1"}}},
        },
        {
            "id": "a2",
            "type": rl.ROLE_ASSIGNMENT_TYPE,
            "attributes": {"incident_role_id": "r1", "user_id": "u2"},
        },
        {
            "id": "a3",
            "type": rl.ROLE_ASSIGNMENT_TYPE,
            "attributes": {"incident_role": {"data": {"id": "r2"}}, "user": {"data": {"id": "u3"}}},
        },
        {"id": "x", "type": "causes", "attributes": {"incident_role_id": "r1", "user_id": "u9"}},
    ]
    body = {"data": incident_json(), "included": included}
    assert rl.role_holders(response(body=body), "r1") == ("u1", "u2")
    assert rl.role_holders(response(body=body), "r2") == ("u3",)
    assert rl.role_holders(response(body={"data": incident_json()}), "r1") == ()


def test_role_requests() -> None:
    assign = rl.build_assign_role("inc-1", "u1", "r1")
    unassign = rl.build_unassign_role("inc-1", "u1", "r1")
    assert (assign.method, assign.path) == ("POST", "/v1/incidents/inc-1/assign_role_to_user")
    assert (unassign.method, unassign.path) == ("DELETE", "/v1/incidents/inc-1/unassign_role_from_user")
    for request in (assign, unassign):
        assert request.json == {
            "data": {"type": "incidents", "attributes": {"user_id": "u1", "incident_role_id": "r1"}}
        }
    assert rl.validate_assignees(("u1", " u1 ", "u2")) == ("u1", "u2")
