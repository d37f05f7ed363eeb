"""The Statuspage vendor module alone: refs, statuses of both kinds, errors, bodies and escalation."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors import statuspage
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.protocol import VendorModule
from airflow_incident_provider.vendors.statuspage import api, incidents, updates

CHECKED: VendorModule = statuspage  # mypy: the module is a VendorModule
PAGE, INCIDENT = "gytm4qzbx9t6", "p31zjtct2jer"


def answer(status: int, body: Any, **headers: str) -> Response:
    return Response(status, headers, body)


def current(status: str = "investigating", **data: Any) -> incidents.Read:
    return incidents.parse_read(answer(200, {"id": INCIDENT, "page_id": PAGE, "status": status, **data}))


def test_refs_and_paths() -> None:
    assert str(api.parse_ref(f"{PAGE}/{INCIDENT}", None)) == f"{PAGE}/{INCIDENT}"
    assert api.parse_ref(INCIDENT, PAGE).path == f"/pages/{PAGE}/incidents/{INCIDENT}"
    assert api.parse_ref("a b?c", PAGE).incident_id == "a%20b%3Fc"
    for bad in ("", "..", f"{PAGE}/", None, 3.5):
        with pytest.raises(IncidentValidationError, match="incident_id"):
            api.parse_ref(bad, PAGE)
    with pytest.raises(IncidentValidationError, match="page_id"):
        api.parse_ref(INCIDENT, None)


def test_the_change_feed_reads_the_unresolved_list_from_page_1_until_a_page_is_short() -> None:
    feed = incidents.CONNECTION_PAGE
    assert feed.scope(INCIDENT, PAGE) == (PAGE, f"{PAGE}/{INCIDENT}")
    assert feed.scope(f"other0page01/{INCIDENT}", PAGE) == ("other0page01", f"other0page01/{INCIDENT}")
    with pytest.raises(IncidentValidationError, match="page_id"):
        feed.scope(INCIDENT, None)
    first, later = feed.request(PAGE, None), feed.request(PAGE, 3)
    assert (first.method, first.path) == ("GET", f"/pages/{PAGE}/incidents/unresolved")
    assert dict(first.params) == {"page": "1", "per_page": "100"}
    assert dict(later.params)["page"] == "3"
    item = {"id": INCIDENT, "page_id": PAGE, "status": "monitoring", "name": "API slow", "metadata": {}}
    full = answer(200, [{**item, "id": f"i{n}"} for n in range(incidents.LIST_PAGE_SIZE)])
    assert feed.parse(full, 3)[1] == 4  # a full page: Statuspage sends no paging fields, so read on
    found, next_page = feed.parse(answer(200, [item]), None)
    assert ([(i.ref, i.phase) for i in found], next_page) == ([(f"{PAGE}/{INCIDENT}", Phase.MITIGATED)], None)
    assert feed.parse(answer(200, []), 2) == ([], None)


def test_the_key_goes_as_oauth_and_the_limit_is_one_a_second() -> None:
    assert api.headers("k3y", has_body=True) == {
        "Authorization": "OAuth k3y",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    assert "Content-Type" not in api.headers("k3y", has_body=False)
    assert api.RATE_LIMIT_PER_MINUTE == 60


@pytest.mark.parametrize(
    ("word", "phase"),
    [
        ("investigating", Phase.OPEN),
        ("identified", Phase.ACKNOWLEDGED),
        ("monitoring", Phase.MITIGATED),
        ("resolved", Phase.RESOLVED),
        ("scheduled", Phase.OPEN),
        ("in_progress", Phase.ACKNOWLEDGED),
        ("verifying", Phase.MITIGATED),
        ("completed", Phase.RESOLVED),
    ],
)
def test_every_status_has_its_phase(word: str, phase: Phase) -> None:
    assert incidents.STATUS_PHASES[word] is phase
    assert incidents.incident_from_json({"id": "x", "status": word.upper()}).phase is phase


@pytest.mark.parametrize(
    ("word", "status", "expected"),
    [
        ("mitigated", "investigating", "monitoring"),
        ("mitigated", "in_progress", "verifying"),
        ("resolved", "scheduled", "completed"),
        ("RESOLVED", "identified", "resolved"),
        ("Completed", "verifying", "completed"),
    ],
)
def test_a_phase_is_written_in_the_incident_s_own_kind(word: str, status: str, expected: str) -> None:
    assert incidents.status_for(word, current(status)) == expected


def test_a_word_of_the_other_kind_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(IncidentValidationError, match="scheduled, in_progress, verifying, completed"):
        incidents.status_for("identified", current("scheduled"))
    with pytest.raises(IncidentValidationError, match="not a status; allowed"):
        incidents.to_vendor_status("resovled")


def test_list_filters_words_exactly_and_phases_across_kinds() -> None:
    words, phases = incidents.status_filter(["investigating", "resolved", "acknowledged"])
    assert (words, phases) == ({"investigating"}, {Phase.RESOLVED, Phase.ACKNOWLEDGED})


def test_reading_an_incident_and_its_keys() -> None:
    read = current(
        "identified",
        name="Checkout down",
        impact="Major",
        shortlink="https://stspg.io/abc",
        created_at="2026-11-22T06:10:51Z",
        metadata={"jira": {"id": 1}, "airflow_incident_provider": {"writes": ["k1", "k2"]}},
    )
    incident = read.incident
    assert (incident.ref, incident.title, incident.severity, incident.url) == (
        f"{PAGE}/{INCIDENT}",
        "Checkout down",
        "major",
        "https://stspg.io/abc",
    )
    assert read.keys == ("k1", "k2")
    assert incidents.parse_read(
        answer(200, {"id": "x", "metadata": {"x": {}}}), include_raw=True
    ).incident.raw == {
        "id": "x",
        "metadata": "***",
    }
    with pytest.raises(ValueError, match="without an array"):
        incidents.parse_list(answer(200, {"id": "x"}))


def test_a_key_is_added_to_the_incident_s_metadata_and_old_ones_drop_off() -> None:
    keys = [f"k{n}" for n in range(25)]
    read = current(metadata={"jira": {"id": 1}, "airflow_incident_provider": {"writes": keys}})
    metadata = updates.with_key(read, "new")["metadata"]
    assert metadata["jira"] == {"id": 1}
    assert metadata["airflow_incident_provider"]["writes"] == [*keys[-19:], "new"]
    assert updates.with_key(read, None) == {}


@pytest.mark.parametrize(
    ("body", "message", "details"),
    [
        ({"message": "Could not authenticate"}, "Could not authenticate", ()),
        ({"error": "Incident not found"}, "Incident not found", ()),
        (
            {"error": ["Name can't be blank", "Body is too long"]},
            "Name can't be blank; Body is too long",
            ("Name can't be blank", "Body is too long"),
        ),
        ({}, "HTTP 422 with no Statuspage error message", ()),
        ("<html>", "HTTP 422 with no Statuspage error body", ()),
    ],
)
def test_errors_keep_statuspage_s_words(body: Any, message: str, details: tuple[str, ...]) -> None:
    assert api.parse_error(answer(422, body)) == (message, None, details)


def test_420_is_read_as_429_and_retry_after_is_honoured() -> None:
    limited = api.normalized(answer(420, {}, **{"retry-after": "3"}))
    assert limited.status == 429
    assert api.retry_after(limited) == 3.0
    assert api.normalized(answer(404, {})).status == 404
    assert api.budget(limited) is None


def test_update_fields_and_what_they_refuse() -> None:
    update = IncidentUpdate(
        title="T", severity="CRITICAL", vendor_fields={"components": {"c1": "major_outage"}}
    )
    assert updates.validate_update(update) == {
        "components": {"c1": "major_outage"},
        "name": "T",
        "impact_override": "critical",
    }
    with pytest.raises(UnsupportedOperationError, match="assignees"):
        updates.validate_update(IncidentUpdate(assignees=("a",)))
    with pytest.raises(IncidentValidationError, match=r"'vendor_fields\.body': use the 'note' argument"):
        updates.validate_update(IncidentUpdate(vendor_fields={"body": "x"}))
    with pytest.raises(IncidentValidationError, match="component_ids"):
        updates.validate_update(IncidentUpdate(vendor_fields={"component_ids": [1]}))


def test_messages_are_joined_and_checked_by_argument() -> None:
    assert updates.message(resolution="Fixed.", note=" Thanks. ") == "Fixed.\n\nThanks."
    assert updates.message(note=None) is None
    with pytest.raises(IncidentValidationError, match="'resolution'"):
        updates.message(resolution=0, note="x")  # type: ignore[arg-type]
    with pytest.raises(IncidentValidationError, match="'resolution and note'"):
        updates.message(resolution="x" * 20000, note="y" * 5000)


def test_create_body() -> None:
    request = updates.build_create(
        PAGE, IncidentCreate(title="Down", description="Looking.", severity="minor"), "d", notify=False
    )
    assert request.json == {
        "incident": {
            "name": "Down",
            "status": "investigating",
            "impact_override": "minor",
            "body": "Looking.",
            "metadata": {"airflow_incident_provider": {"writes": ["d"]}},
            "deliver_notifications": False,
        }
    }
    assert (request.method, request.path, request.idempotent) == ("POST", f"/pages/{PAGE}/incidents", False)


@pytest.mark.parametrize(
    ("impact", "requested", "expected"),
    [
        ("none", None, ("minor", "impact none -> minor")),
        ("major", None, ("critical", "impact major -> critical")),
        ("critical", None, (None, "already at the top")),
        ("minor", "critical", ("critical", "impact minor -> critical")),
        ("major", "minor", (None, "already major, above minor")),
    ],
)
def test_escalation_climbs_the_impacts(
    impact: str, requested: str | None, expected: tuple[str | None, str]
) -> None:
    escalated = pages.escalation_target(updates.IMPACTS, impact, requested, what="impact", vendor=api.NAME)
    assert escalated == expected


def test_a_maintenance_impact_is_off_the_scale() -> None:
    with pytest.raises(IncidentValidationError, match="'maintenance' is not on the scale"):
        pages.escalation_target(updates.IMPACTS, "maintenance", None, what="impact", vendor=api.NAME)
