"""The PagerDuty vendor module alone: pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_incident_provider.exceptions import (
    IncidentValidationError,
    UnsupportedOperationError,
    VendorValidationError,
)
from airflow_incident_provider.models import Escalation, Incident, IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors import known_status_words
from airflow_incident_provider.vendors import pagerduty as pd
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.protocol import NotesVendorModule

CHECKED: NotesVendorModule = pd  # mypy: the module is a NotesVendorModule

PRIORITIES = [{"id": "PP1", "name": "P1"}, {"id": "PP2", "name": "P2"}, {"id": "PP3", "name": "P3"}]


def incident_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "Q1AAA",
        "type": "incident",
        "title": "Disk full on db-1",
        "status": "triggered",
        "urgency": "high",
        "priority": None,
        "assignments": [
            {"at": "2026-11-01T10:00:00Z", "assignee": {"id": "PUSER01", "type": "user_reference"}}
        ],
        "html_url": "https://example.pagerduty.com/incidents/Q1AAA",
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:05:00Z",
        "resolved_at": None,
        "conference_bridge": {"conference_number": "+1 555-0100,,,,4242#", "conference_url": "https://meet"},
    }
    data.update(overrides)
    return data


def current(status: str) -> Incident:
    return pd.incident_from_json(incident_json(status=status))


def test_statuses_map_to_ordered_phases() -> None:
    assert pd.STATUS_PHASES == {
        "triggered": Phase.OPEN,
        "acknowledged": Phase.ACKNOWLEDGED,
        "resolved": Phase.RESOLVED,
    }
    assert Phase.RESOLVED.at_or_past(Phase.ACKNOWLEDGED)
    assert not Phase.OPEN.at_or_past(Phase.ACKNOWLEDGED)
    assert {"triggered", "acknowledged", "resolved", "open", "mitigated"} <= known_status_words()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("triggered", "triggered"),
        ("RESOLVED", "resolved"),
        (" Acknowledged ", "acknowledged"),
        ("open", "triggered"),
        ("resolved", "resolved"),
    ],
)
def test_status_words_and_phases_become_pagerduty_words(word: str, expected: str) -> None:
    assert pd.to_vendor_status(word) == expected


def test_mitigated_has_no_pagerduty_status_and_the_error_lists_allowed_words() -> None:
    with pytest.raises(IncidentValidationError) as info:
        pd.to_vendor_status("mitigated")
    message = str(info.value)
    assert "pagerduty" in message
    assert "'status'" in message
    assert "triggered, acknowledged, resolved" in message


def test_authorization_by_auth_scheme() -> None:
    assert pd.authorization("abc", "api_key") == "Token token=abc"
    assert pd.authorization("abc", "oauth") == "Bearer abc"


def test_writes_require_from_email() -> None:
    assert pd.headers(from_email=None, write=False) == {
        "Accept": pd.ACCEPT,
        "Content-Type": "application/json",
    }
    assert pd.headers(from_email="a@example.com", write=True)["From"] == "a@example.com"
    with pytest.raises(IncidentValidationError, match="from_email"):
        pd.headers(from_email=None, write=True)


def test_incident_is_normalized_and_raw_is_redacted() -> None:
    incident = pd.incident_from_json(incident_json(), include_raw=True)
    assert incident.vendor == "pagerduty"
    assert incident.id == incident.ref == "Q1AAA"
    assert incident.phase is Phase.OPEN
    assert incident.severity == "high"
    assert incident.assignees == ("PUSER01",)
    assert incident.url == "https://example.pagerduty.com/incidents/Q1AAA"
    assert incident.raw is not None
    assert incident.raw["conference_bridge"] == "***"
    assert "4242" not in str(incident.to_json())
    plain = pd.incident_from_json(incident_json())
    assert "raw" not in plain.to_json()


def test_priority_name_is_the_severity_when_set() -> None:
    incident = pd.incident_from_json(incident_json(priority={"id": "PP1", "type": "priority", "name": "P1"}))
    assert incident.severity == "P1"


def test_raw_is_capped() -> None:
    incident = pd.incident_from_json(incident_json(title="x" * 100_000), include_raw=True)
    assert incident.raw is not None
    assert incident.raw["truncated"] is True


def test_list_without_dates_asks_for_all_time() -> None:
    request = pd.build_list(statuses=["open", "acknowledged"], since=None, until=None, offset=0, limit=100)
    assert ("date_range", "all") in request.params
    assert ("statuses[]", "triggered") in request.params
    assert ("statuses[]", "acknowledged") in request.params


def test_list_scoped_to_services_and_teams_repeats_each_parameter_once_per_id() -> None:
    request = pd.build_list(
        statuses=None,
        since=None,
        until=None,
        offset=0,
        limit=100,
        services=[" PSVC001 ", "PSVC002", "PSVC001"],
        teams=["PTEAM01"],
    )
    assert [value for name, value in request.params if name == "service_ids[]"] == ["PSVC001", "PSVC002"]
    assert [value for name, value in request.params if name == "team_ids[]"] == ["PTEAM01"]
    unscoped = pd.build_list(statuses=None, since=None, until=None, offset=0, limit=100)
    assert not {name for name, _ in unscoped.params} & {"service_ids[]", "team_ids[]"}


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"services": [""]}, "services"),
        ({"services": ["PSVC001", "  "]}, "services"),
        ({"teams": ["PTEAM\n01"]}, "teams"),
        ({"teams": "PTEAM01"}, "teams"),
    ],
)
def test_list_scope_that_is_not_a_list_of_ids_is_refused(scope: dict[str, Any], field: str) -> None:
    with pytest.raises(IncidentValidationError, match=f"pagerduty: invalid '{field}'"):
        pd.build_list(statuses=None, since=None, until=None, offset=0, limit=100, **scope)


def test_ids_are_path_encoded() -> None:
    assert pd.build_get("../../users?x=1#y").path == "/incidents/..%2F..%2Fusers%3Fx%3D1%23y"
    assert pd.build_get("a%2Fb").path == "/incidents/a%252Fb"
    with pytest.raises(IncidentValidationError, match="incident_id"):
        pd.build_get("   ")
    with pytest.raises(IncidentValidationError, match="control"):
        pd.build_get("a\nb")
    for dots in (".", ".."):  # httpx would send /incidents/.. as / (dot segments are resolved)
        with pytest.raises(IncidentValidationError, match="relative path"):
            pd.build_get(f" {dots} ")


def test_update_fields_cover_every_seed_field() -> None:
    update = IncidentUpdate(
        title="New title",
        status="resolved",
        resolution="Rolled back",
        assignees=("PUSER01", "PUSER02"),
        vendor_fields={
            "priority": "P2",
            "escalation_policy": "PEP1",
            "escalation_level": 2,
            "conference_bridge": {"conference_number": "+1 555", "conference_url": "https://bridge"},
            "incident_type": "major",
            "service": "PSVC1",
        },
    )
    fields = pd.update_fields(update, current=current("acknowledged"), priorities=PRIORITIES)
    assert fields == {
        "title": "New title",
        "status": "resolved",
        "resolution": "Rolled back",
        "assignments": [
            {"assignee": {"id": "PUSER01", "type": "user_reference"}},
            {"assignee": {"id": "PUSER02", "type": "user_reference"}},
        ],
        "priority": {"id": "PP2", "type": "priority_reference"},
        "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
        "escalation_level": 2,
        "conference_bridge": {"conference_number": "+1 555", "conference_url": "https://bridge"},
        "incident_type": {"name": "major"},
        "service": {"id": "PSVC1", "type": "service_reference"},
    }
    request = pd.build_update("Q1AAA", fields)
    assert request.method == "PUT"
    assert request.write
    assert request.idempotent
    assert request.json["incident"]["type"] == "incident_reference"


def test_severity_is_urgency_or_priority_name() -> None:
    assert pd.update_fields(IncidentUpdate(severity="LOW"), current=None, priorities=None) == {
        "urgency": "low"
    }
    assert pd.update_fields(IncidentUpdate(severity="p1"), current=None, priorities=PRIORITIES) == {
        "priority": {"id": "PP1", "type": "priority_reference"}
    }
    assert pd.needs_priorities(IncidentUpdate(severity="P1"))
    assert not pd.needs_priorities(IncidentUpdate(severity="high"))
    with pytest.raises(IncidentValidationError, match=r"P1, P2, P3"):
        pd.update_fields(IncidentUpdate(severity="sev0"), current=None, priorities=PRIORITIES)


def test_a_status_the_incident_already_has_is_left_out() -> None:
    assert (
        pd.update_fields(
            IncidentUpdate(status="acknowledged"), current=current("acknowledged"), priorities=None
        )
        == {}
    )


def test_description_points_to_note() -> None:
    with pytest.raises(UnsupportedOperationError, match="note="):
        pd.validate_update(IncidentUpdate(description="details"))


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"title": "x"}, "use the 'title' argument"),
        ({"assignments": []}, "use the 'assignees' argument"),
        ({"body": {}}, "not a PagerDuty incident field; allowed: priority"),
        ({"escalation_level": 0}, "integer >= 1"),
        ({"escalation_level": True}, "integer >= 1"),
        ({"urgency": "medium"}, "allowed: low, high"),
        ({"escalation_policy": {"id": "P", "type": "user_reference"}}, "escalation_policy_reference"),
        ({"service": 42}, "vendor_fields.service"),
        ({"conference_bridge": {"conference_url": "ftp://x"}}, "conference_url"),
        ({"conference_bridge": {"pin": "1"}}, "pin"),
        ({"incident_type": {"name": ""}}, "incident_type"),
    ],
)
def test_bad_vendor_fields_fail_naming_the_field(fields: dict[str, Any], match: str) -> None:
    with pytest.raises(IncidentValidationError, match=match):
        pd.validate_update(IncidentUpdate(vendor_fields=fields))


def test_resolution_needs_resolved_and_severity_conflicts() -> None:
    with pytest.raises(IncidentValidationError, match="resolution"):
        pd.validate_update(IncidentUpdate(resolution="done", status="acknowledged"))
    with pytest.raises(IncidentValidationError, match="severity"):
        pd.validate_update(IncidentUpdate(severity="high", vendor_fields={"urgency": "low"}))
    with pytest.raises(IncidentValidationError, match="assignees"):
        pd.validate_update(IncidentUpdate(assignees=()))


def test_notes_are_not_idempotent_and_are_bounded() -> None:
    request = pd.build_note("Q1AAA", "Restarted the service")
    assert request.method == "POST"
    assert not request.idempotent
    assert request.json == {"note": {"content": "Restarted the service"}}
    with pytest.raises(IncidentValidationError, match="note"):
        pd.build_note("Q1AAA", " ")
    with pytest.raises(IncidentValidationError, match="25000"):
        pd.build_note("Q1AAA", "x" * 25_001)


def test_error_bodies_and_rate_limit_headers() -> None:
    body = {"error": {"message": "Incident Already Resolved", "code": 1001, "errors": ["already resolved"]}}
    assert pd.parse_error(Response(400, {}, body)) == (
        "Incident Already Resolved",
        "1001",
        ("already resolved",),
    )
    assert pd.parse_error(Response(400, {}, {"error": {"code": 2001}})) == (
        "Invalid Input Provided",
        "2001",
        (),
    )
    assert pd.parse_error(Response(429, {}, None))[0] == "HTTP 429 with no error body"
    assert pd.is_conflict("1001")
    assert not pd.is_conflict("2001")
    assert not pd.is_conflict(None)
    assert pd.retry_after(Response(429, {"ratelimit-reset": "7"}, None)) == 7.0
    assert pd.retry_after(Response(429, {}, None)) is None


def test_until_without_since_lists_all_time_and_is_applied_locally() -> None:
    from datetime import UTC, datetime

    until = datetime(2026, 11, 1, tzinfo=UTC)
    request = pd.build_list(statuses=None, since=None, until=until, offset=0, limit=10)
    assert ("date_range", "all") in request.params, "PagerDuty would look back only one month from until"
    assert "until" not in dict(request.params)
    assert pd.local_until(None, until) == until
    assert pd.local_until(until, until) is None


def test_list_parsing_reports_more() -> None:
    response = Response(200, {}, {"incidents": [incident_json(), incident_json(id="Q2")], "more": True})
    incidents, more = pd.parse_list(response)
    assert [incident.id for incident in incidents] == ["Q1AAA", "Q2"]
    assert more


def test_naive_dates_are_utc_and_statuses_are_sent_once() -> None:
    from datetime import datetime

    request = pd.build_list(
        statuses=["open", "triggered"], since=datetime(2026, 1, 1), until=None, offset=0, limit=10
    )
    assert ("since", "2026-01-01T00:00:00+00:00") in request.params
    assert [value for name, value in request.params if name == "statuses[]"] == ["triggered"]
    assert ("date_range", "all") not in request.params


def test_assignee_ids_are_trimmed_and_from_must_be_an_email() -> None:
    fields = pd.update_fields(IncidentUpdate(assignees=(" PUSER01 ",)), current=None, priorities=None)
    assert fields["assignments"] == [{"assignee": {"id": "PUSER01", "type": "user_reference"}}]
    with pytest.raises(IncidentValidationError, match="from_email"):
        pd.headers(from_email="oncall", write=True)


# --- create, escalate, reassign ---------------------------------------------------------------------


def standing(urgency: str = "high", priority_id: str | None = None, level: int = 1) -> pd.Standing:
    return pd.Standing(
        urgency=urgency, priority_id=priority_id, escalation_level=level, assignees=("PUSER01",)
    )


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (standing("low"), {"urgency": "high"}),
        (standing("low", "PP1"), {"urgency": "high"}),
        (standing("high"), {"priority": {"id": "PP3", "type": "priority_reference"}}),
        (standing("high", "PP3"), {"priority": {"id": "PP2", "type": "priority_reference"}}),
        (standing("high", "PP2"), {"priority": {"id": "PP1", "type": "priority_reference"}}),
        (standing("high", "PP1"), None),
    ],
)
def test_one_step_climbs_urgency_then_priorities(start: pd.Standing, target: dict[str, Any] | None) -> None:
    assert pd.one_step_target(start, PRIORITIES) == target


def test_high_urgency_is_the_top_without_priorities_and_an_unknown_priority_is_refused() -> None:
    assert pd.one_step_target(standing("high"), []) is None
    with pytest.raises(IncidentValidationError, match="not among the account's priorities"):
        pd.one_step_target(standing("high", "PGONE"), PRIORITIES)


def test_escalation_fields_are_absolute_and_leave_out_what_is_already_set() -> None:
    at = standing("high", "PP2", level=2)
    assert pd.escalation_fields(Escalation(), at, PRIORITIES) == {
        "priority": {"id": "PP1", "type": "priority_reference"}
    }
    assert pd.escalation_fields(Escalation(severity="p2", escalation_level=2), at, PRIORITIES) == {}
    assert pd.escalation_fields(Escalation(escalation_level=3), at, None) == {"escalation_level": 3}
    assert pd.escalation_fields(Escalation(), standing("high", "PP1"), PRIORITIES) is None
    assert pd.escalation_needs_priorities(Escalation(), standing("high"))
    assert not pd.escalation_needs_priorities(Escalation(), standing("low"))
    assert not pd.escalation_needs_priorities(Escalation(severity="high"), standing("high"))


def test_reassign_compares_assignees_as_a_set() -> None:
    at = pd.Standing(urgency="high", priority_id=None, escalation_level=1, assignees=("B", "A"))
    assert pd.without_current({"assignments": pd.assignments(["A", "B", "A"])}, at) == {}
    assert pd.assignments([" A ", "B", "A"]) == [
        {"assignee": {"id": "A", "type": "user_reference"}},
        {"assignee": {"id": "B", "type": "user_reference"}},
    ]


def test_create_body_maps_every_argument() -> None:
    create = IncidentCreate(
        title="Disk full",
        description="db-1 /var at 99%",
        severity="P2",
        assignees=("PUSER02",),
        vendor_fields={
            "service": "PSVC1",
            "incident_type": "major",
            "conference_bridge": {"conference_url": "https://m"},
        },
        dedup_key=" disk-db-1 ",
    )
    fields = pd.validate_create(create, default_service=None)
    assert pd.create_body(create, fields, PRIORITIES) == {
        "type": "incident",
        "title": "Disk full",
        "priority": {"id": "PP2", "type": "priority_reference"},
        "service": {"id": "PSVC1", "type": "service_reference"},
        "incident_type": {"name": "major"},
        "conference_bridge": {"conference_url": "https://m"},
        "body": {"type": "incident_body", "details": "db-1 /var at 99%"},
        "incident_key": "disk-db-1",
        "assignments": [{"assignee": {"id": "PUSER02", "type": "user_reference"}}],
    }
    request = pd.build_create(pd.create_body(create, fields, PRIORITIES))
    assert (request.method, request.path, request.write, request.idempotent) == (
        "POST",
        "/incidents",
        True,
        False,
    )


def test_create_takes_the_connection_service_and_refuses_what_pagerduty_would() -> None:
    fields = pd.validate_create(IncidentCreate(title="x"), default_service="PSVC9")
    assert fields == {"service": {"id": "PSVC9", "type": "service_reference"}}
    with pytest.raises(IncidentValidationError, match="default_service_id"):
        pd.validate_create(IncidentCreate(title="x"), default_service=None)
    with pytest.raises(IncidentValidationError, match="dedup_key"):
        pd.validate_create(IncidentCreate(title="x", dedup_key="k" * 256), default_service="S")
    with pytest.raises(IncidentValidationError, match="description"):
        pd.validate_create(IncidentCreate(title="x", vendor_fields={"body": "y"}), default_service="S")


def test_a_duplicate_key_refusal_is_recognised_by_code_and_words() -> None:
    def error(status: int, code: str, *details: str) -> VendorValidationError:
        return VendorValidationError(
            "pagerduty",
            method="POST",
            path="/incidents",
            status_code=status,
            message="Invalid Input Provided",
            code=code,
            details=details,
        )

    assert pd.is_duplicate_key(
        error(400, "2001", "Open incident with key 'k' already exists on this service")
    )
    assert not pd.is_duplicate_key(error(400, "2001", "incident.title must not be empty."))
    assert not pd.is_duplicate_key(error(400, "1020", "already exists"))


def test_find_by_key_is_scoped_to_the_service_in_any_status_newest_first() -> None:
    request = pd.build_find_by_key("k-1", "PSVC1")
    assert request.params == (
        ("incident_key", "k-1"),
        ("service_ids[]", "PSVC1"),
        ("date_range", "all"),
        ("sort_by", "created_at:desc"),
        ("limit", "1"),
    )
    found = pd.parse_found(Response(200, {}, {"incidents": [incident_json()], "more": False}))
    assert found is not None
    assert found.id == "Q1AAA"
    assert pd.parse_found(Response(200, {}, {"incidents": [], "more": False})) is None


# --- bulk update -------------------------------------------------------------------------------------


def test_build_bulk_update_wraps_each_incident_as_a_reference() -> None:
    request = pd.build_bulk_update(
        [(" Q1AAA ", {"status": "resolved", "resolution": "Disk cleaned"}), ("Q2BBB", {"status": "resolved"})]
    )
    assert (request.method, request.path) == ("PUT", "/incidents")
    assert request.write
    assert request.idempotent
    assert request.json == {
        "incidents": [
            {"id": "Q1AAA", "type": "incident_reference", "status": "resolved", "resolution": "Disk cleaned"},
            {"id": "Q2BBB", "type": "incident_reference", "status": "resolved"},
        ]
    }


def test_build_bulk_update_takes_one_to_bulk_limit_incidents() -> None:
    assert pd.BULK_LIMIT == 250
    full = pd.build_bulk_update([(f"Q{n}", {"status": "resolved"}) for n in range(pd.BULK_LIMIT)])
    assert len(full.json["incidents"]) == pd.BULK_LIMIT
    with pytest.raises(IncidentValidationError, match="at most 250 incidents per request"):
        pd.build_bulk_update([(f"Q{n}", {"status": "resolved"}) for n in range(pd.BULK_LIMIT + 1)])
    with pytest.raises(IncidentValidationError, match="at least one incident"):
        pd.build_bulk_update([])


@pytest.mark.parametrize("ref", ["", "   ", "Q1\nAAA"])
def test_build_bulk_update_checks_each_id(ref: str) -> None:
    with pytest.raises(IncidentValidationError, match="incident_id"):
        pd.build_bulk_update([("Q1AAA", {}), (ref, {})])


def test_validate_bulk_status_takes_acknowledged_or_resolved() -> None:
    assert pd.validate_bulk_status("resolved") == "resolved"
    assert pd.validate_bulk_status(Phase.ACKNOWLEDGED.value) == "acknowledged"
    with pytest.raises(IncidentValidationError, match="acknowledged, resolved"):
        pd.validate_bulk_status("triggered")
    with pytest.raises(IncidentValidationError):
        pd.validate_bulk_status("closed")


def test_parse_bulk_returns_each_incident_in_order() -> None:
    body = {
        "incidents": [incident_json(id="Q2", status="resolved"), incident_json(id="Q1", status="resolved")]
    }
    incidents = pd.parse_bulk(Response(200, {}, body))
    assert [(i.id, i.phase) for i in incidents] == [("Q2", Phase.RESOLVED), ("Q1", Phase.RESOLVED)]
    assert incidents[0].raw is None
    assert pd.parse_bulk(Response(200, {}, body), include_raw=True)[0].raw is not None
    with pytest.raises(ValueError, match="'incidents'"):
        pd.parse_bulk(Response(200, {}, {"incident": incident_json()}))


@pytest.mark.parametrize("title", ["", "   ", "\x85", "\u2003\t"])
def test_blank_title_is_refused(title: str) -> None:
    """Any title that is only whitespace (by Python's definition, NEL included) fails before a request."""
    with pytest.raises(IncidentValidationError) as caught:
        pd.validate_update(IncidentUpdate(title=title))
    assert caught.value.field == "title"


def test_account_log_entries_become_changes_with_their_incident_when_included() -> None:
    from datetime import UTC, datetime

    entries = [
        {
            "id": "R3",
            "type": "resolve_log_entry",
            "created_at": "2026-11-01T10:09:00Z",
            "incident": incident_json(status="resolved"),
        },
        {
            "id": "R2",
            "type": "acknowledge_log_entry",
            "created_at": "2026-11-01T10:08:00Z",
            "incident": {"id": "Q2", "type": "incident_reference"},
        },
        {"id": "R1", "type": "notify_log_entry", "created_at": "2026-11-01T10:07:00Z"},
    ]
    changes, more = pd.parse_log_entries(Response(200, {}, {"log_entries": entries, "more": True}))
    assert more
    assert [(c.id, c.ref) for c in changes] == [("R3", "Q1AAA"), ("R2", "Q2")]  # R1 names no incident
    assert changes[0].at == datetime(2026, 11, 1, 10, 9, tzinfo=UTC)
    assert changes[0].incident is not None
    assert changes[0].incident.status == "resolved"
    assert changes[1].incident is None  # a reference only: the incident must be read
    assert pd.parse_log_entries(Response(200, {}, {"log_entries": [], "more": False})) == ([], False)


def test_log_entries_of_unwatched_incidents_carry_no_copy() -> None:
    """A burst of changes elsewhere on the account is listed, but only watched incidents are parsed."""
    entries = [
        {"id": "R2", "created_at": "2026-11-01T10:08:00Z", "incident": incident_json(status="resolved")},
        {
            "id": "R1",
            "created_at": "2026-11-01T10:07:00Z",
            "incident": {**incident_json(status="acknowledged"), "id": "Q9"},
        },
    ]
    changes, _ = pd.parse_log_entries(Response(200, {}, {"log_entries": entries}), {"Q9"}.__contains__)
    assert [(c.id, c.ref) for c in changes] == [("R2", "Q1AAA"), ("R1", "Q9")]
    assert changes[0].incident is None
    assert changes[1].incident is not None
    assert changes[1].incident.status == "acknowledged"


def test_the_answers_date_is_pagerdutys_clock() -> None:
    from datetime import UTC, datetime

    answered = Response(200, {"date": "Mon, 07 Dec 2026 09:44:45 GMT"}, {"log_entries": []})
    assert pd.answered_at(answered) == datetime(2026, 12, 7, 9, 44, 45, tzinfo=UTC)
    assert pd.answered_at(Response(200, {}, {})) is None
    assert pd.answered_at(Response(200, {"date": "yesterday"}, {})) is None
