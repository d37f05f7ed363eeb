"""The incident.io vendor module alone, no server: errors, waits, categories, severities, edits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import IncidentUpdate, Phase
from airflow_incident_provider.vendors import incidentio
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.catalogue import Entry
from airflow_incident_provider.vendors.incidentio import api, catalog, changes, incidents, writes
from airflow_incident_provider.vendors.protocol import VendorModule

CHECKED: VendorModule = incidentio  # mypy: the module is a VendorModule

SEVERITIES = [
    Entry("s1", "Minor", 1),
    Entry("s3", "Critical", 3),
    Entry("s2", "Major", 2),
]


def test_the_first_error_s_message_and_field_lead_and_the_request_id_is_kept() -> None:
    body = {
        "type": "validation_error",
        "status": 422,
        "request_id": "631766c4",
        "errors": [
            {"code": "is_required", "message": "A severity is required", "source": {"field": "severity_id"}},
            {"code": "invalid_value", "message": "Bad name"},
        ],
    }
    message, code, details = api.parse_error(Response(422, {}, body))
    assert (message, code) == ("A severity is required (field severity_id)", "is_required")
    assert details == ("invalid_value: Bad name", "request_id 631766c4")
    assert api.parse_error(Response(502, {}, None))[0] == "HTTP 502 with no incident.io error body"


def test_a_429_waits_for_the_body_s_retry_after_date() -> None:
    body = {"type": "too_many_requests", "rate_limit": {"retry_after": "Thu, 17 Apr 2025 11:17:18 UTC"}}
    now = 1744888630.0  # 2025-04-17 11:17:10 UTC
    assert api.retry_after(Response(429, {}, body), now=now) == pytest.approx(8.0)
    assert api.retry_after(Response(429, {"retry-after": "3"}, body), now=now) == 3.0
    assert api.retry_after(Response(429, {}, {"rate_limit": {"retry_after": "soon"}}), now=now) is None


def test_categories_are_the_status_words_and_a_new_one_reads_as_open() -> None:
    assert catalog.to_vendor_status("Acknowledged") == "live"
    assert catalog.to_vendor_status("resolved") == "closed"
    with pytest.raises(IncidentValidationError, match="mitigated"):
        catalog.to_vendor_status("mitigated")
    raw = {"id": "i1", "incident_status": {"category": "snoozed"}, "name": "x"}
    assert incidents.incident_from_json(raw).phase is Phase.OPEN
    assert (
        incidents.incident_from_json({**raw, "incident_status": {"category": "learning"}}).phase
        is Phase.RESOLVED
    )


def test_severities_climb_by_rank_and_stop_at_the_top() -> None:
    ordered = sorted(SEVERITIES, key=lambda entry: entry.rank or 0)
    assert catalog.next_severity(None, ordered) == ordered[0]
    assert catalog.next_severity("s1", ordered) == ordered[1]
    assert catalog.next_severity("s3", ordered) is None
    with pytest.raises(IncidentValidationError, match="Minor, Critical, Major"):
        catalog.find("sev0", SEVERITIES, "severity", "severity")


def test_vendor_fields_are_typed_and_arguments_are_named() -> None:
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.call_url"):
        writes.validate_vendor_fields({"call_url": None})
    with pytest.raises(IncidentValidationError, match="list of objects"):
        writes.validate_vendor_fields({"custom_field_entries": "x"})
    with pytest.raises(IncidentValidationError, match="'title' argument"):
        writes.validate_vendor_fields({"name": "x"})
    with pytest.raises(UnsupportedOperationError, match="no endpoint to post an incident update"):
        writes.validate_update(IncidentUpdate(note="x"))


def test_an_edit_has_landed_only_when_every_value_shows() -> None:
    current = {
        "name": "A",
        "severity": {"id": "s2"},
        "incident_role_assignments": [{"role": {"id": "r1"}, "assignee": {"id": "u1", "email": "a@x.io"}}],
    }
    assert writes.edit_landed(current, {"name": "A", "severity_id": "s2"})
    assert not writes.edit_landed(current, {"name": "B"})
    assignment = writes.role_assignment("r1", ("a@x.io",))
    assert writes.edit_landed(current, {"incident_role_assignments": [assignment]})
    assert not writes.edit_landed(current, {"custom_field_entries": []}), "what cannot be read back is resent"
    with pytest.raises(IncidentValidationError, match="holds one person"):
        writes.role_assignment("r1", ("u1", "u2"))


FEED_SINCE = datetime(2026, 12, 7, 11, 0)


def test_the_change_feed_asks_for_every_mode_updated_since_a_naive_moment_as_utc() -> None:
    first = changes.build_list_changes(FEED_SINCE, None)
    assert (first.method, first.path) == ("GET", "/v2/incidents")
    assert first.params == (
        ("page_size", "100"),
        ("updated_at[gte]", "2026-12-07T11:00:00+00:00"),
        ("mode[one_of]", "standard"),
        ("mode[one_of]", "retrospective"),
        ("mode[one_of]", "test"),
        ("mode[one_of]", "tutorial"),
    )
    later = changes.build_list_changes(FEED_SINCE.replace(tzinfo=UTC), "01HZX", page_size=25)
    assert dict(later.params)["after"] == "01HZX"
    assert dict(later.params)["page_size"] == "25"


def test_feed_changes_are_named_by_incident_and_update_stamp_and_page_by_cursor() -> None:
    def incident(incident_id: str, category: str, updated_at: str | None) -> dict[str, object]:
        status = {"id": f"st-{category}", "name": category.title(), "category": category}
        return {
            "id": incident_id,
            "name": "Checkout down",
            "incident_status": status,
            "updated_at": updated_at,
        }

    body = {
        "incidents": [incident("01A", "paused", "2026-12-07T11:00:05.5Z"), incident("01B", "triage", None)],
        "pagination_meta": {"after": "01B", "page_size": 2},
    }
    found, after = changes.parse_changes(Response(200, {}, body))
    assert after == "01B"
    assert [(c.id, c.ref, c.at) for c in found] == [
        ("01A@2026-12-07T11:00:05.500000+00:00", "01A", datetime(2026, 12, 7, 11, 0, 5, 500000, tzinfo=UTC)),
        ("01B@triage", "01B", None),
    ]
    assert found[0].incident is not None
    assert found[0].incident.phase is Phase.ACKNOWLEDGED
    assert changes.parse_changes(Response(200, {}, {"incidents": [], "pagination_meta": {}})) == ([], None)


def test_resolved_at_is_the_value_of_the_timestamp_named_resolved_and_odd_entries_are_skipped() -> None:
    values = [
        "not an object",
        {"incident_timestamp": "no object either", "value": {"value": "2026-12-07T09:00:00Z"}},
        {"incident_timestamp": {"name": "Reported"}, "value": {"value": "2026-12-07T08:00:00Z"}},
        {"incident_timestamp": {"name": "Resolved at"}, "value": {"value": "2026-12-07T10:30:00Z"}},
    ]
    incident = {"id": "01A", "incident_status": {"category": "closed"}, "incident_timestamp_values": values}
    assert incidents.incident_from_json(incident).resolved_at == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    unset = [{"incident_timestamp": {"name": "Resolved"}, "value": "not an object"}]
    assert incidents.incident_from_json({**incident, "incident_timestamp_values": unset}).resolved_at is None


def test_a_list_filter_names_a_category_itself_and_a_phase_as_every_category_in_it() -> None:
    assert catalog.categories(["open", "Paused", "resolved", "paused"]) == (
        "triage",
        "paused",
        "learning",
        "closed",
        "declined",
        "merged",
        "canceled",
    )
    assert catalog.categories([]) == ()
    with pytest.raises(IncidentValidationError, match="not a status") as raised:
        catalog.categories(["mitigated"])  # no category is mitigated: refused, never "every incident"
    assert raised.value.field == "statuses"
