"""Acknowledge, note, get and list operators against every vendor's sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.operators import (
    AcknowledgeIncidentOperator,
    AddIncidentNoteOperator,
    CreateIncidentOperator,
    EscalateIncidentOperator,
    GetIncidentOperator,
    ListIncidentsOperator,
)
from airflow_incident_provider.vendors import vendor_module
from tests.fixtures import PD_CONN_ID, Sandbox
from tests.fixtures_devhelm import DEVHELM_CONN_ID, DevHelmSandbox
from tests.vendor_cases import VENDOR_CASES

STATUS_PAGES = {vendor for vendor in VENDOR_CASES if getattr(vendor_module(vendor), "STATUS_PAGE", False)}
"""The vendors whose incidents are status-page posts (the fact lives in their vendor modules)."""


def unsupported(vendor: str) -> tuple[str, ...]:
    """What the vendor's API cannot do to an open incident (its module's ``UNSUPPORTED_OPERATIONS``)."""
    return tuple(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))


def context(task_id: str) -> Any:
    return {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=-1)}


def vendor_setup(vendor: str, request: pytest.FixtureRequest) -> tuple[Any, str, str]:
    fixture, conn_id, *_ = VENDOR_CASES[vendor]
    handle = request.getfixturevalue(fixture)
    return handle, conn_id, handle.create()


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_acknowledge_is_idempotent_or_names_the_alternative(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    _handle, conn_id, incident_id = vendor_setup(vendor, request)
    operator = AcknowledgeIncidentOperator(task_id="ack", conn_id=conn_id, incident_id=incident_id)
    if vendor in STATUS_PAGES:
        with pytest.raises(UnsupportedOperationError, match="UpdateIncidentOperator"):
            operator.execute(context("ack"))
        return
    if "acknowledge" in unsupported(vendor):
        handle = request.getfixturevalue(VENDOR_CASES[vendor].fixture)
        with pytest.raises(UnsupportedOperationError, match="app"):
            operator.execute(context("ack"))
        assert handle.writes() == [], "refused before any write"
        return
    first = operator.execute(context("ack"))
    assert first["changed"] is True
    assert first["phase"] == "acknowledged"
    assert operator.execute(context("ack"))["changed"] is False


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_note_lands_once_per_task_and_twice_for_two_tasks(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    _handle, conn_id, incident_id = vendor_setup(vendor, request)

    def note(task_id: str, **kwargs: Any) -> dict[str, Any]:
        operator = AddIncidentNoteOperator(
            task_id=task_id,
            conn_id=conn_id,
            incident_id=incident_id,
            note="Rolled back release 2026.11.3",
            **kwargs,
        )
        result: dict[str, Any] = operator.execute(context(task_id))
        return result

    if "note" in unsupported(vendor):
        with pytest.raises(UnsupportedOperationError, match="description="):
            note("first", public=True)
        assert request.getfixturevalue(VENDOR_CASES[vendor].fixture).requests() == []
        return
    if vendor in STATUS_PAGES:
        with pytest.raises(IncidentValidationError, match="public"):
            note("private")
    assert note("first", public=True)["changed"] is True
    assert note("first", public=True)["changed"] is False, "a retry of the same task posts nothing"
    assert note("second", public=True)["changed"] is True, "another task's same text still lands"


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_get_and_list_return_normalized_incidents(vendor: str, request: pytest.FixtureRequest) -> None:
    _handle, conn_id, incident_id = vendor_setup(vendor, request)
    got = GetIncidentOperator(task_id="get", conn_id=conn_id, incident_id=incident_id).execute(context("get"))
    assert got["vendor"] == vendor
    assert got["id"] == incident_id
    assert got["phase"] == "open"
    listed = ListIncidentsOperator(task_id="list", conn_id=conn_id, statuses=["open"]).execute(
        context("list")
    )
    assert incident_id in {item["id"] for item in listed}
    assert all(item["phase"] == "open" for item in listed)
    capped = ListIncidentsOperator(task_id="list", conn_id=conn_id, limit=1).execute(context("list"))
    assert len(capped) == 1


def test_list_scoped_to_services_or_teams_returns_only_theirs(pd: Sandbox) -> None:
    nightly = {item["id"] for item in pd.incidents(**{"service_ids[]": "PSVC002"})}
    checkout = {item["id"] for item in pd.incidents(**{"service_ids[]": "PSVC001"})}
    assert nightly
    assert checkout
    listed = ListIncidentsOperator(task_id="list", conn_id=PD_CONN_ID, services=["PSVC002"]).execute(
        context("list")
    )
    assert {item["id"] for item in listed} == nightly
    assert {"services", "teams"} <= set(ListIncidentsOperator.template_fields)
    templated = ListIncidentsOperator(
        task_id="list", conn_id=PD_CONN_ID, services="{{ params.services }}", teams="{{ params.teams }}"
    )
    templated.services, templated.teams = "PSVC001, PSVC002", "PTEAM01"  # as rendered
    query = templated.query()
    assert (query.services, query.teams) == (("PSVC001", "PSVC002"), ("PTEAM01",))
    assert {item["id"] for item in templated.execute(context("list"))} == checkout


def test_list_scoped_to_teams_on_a_status_page_is_refused_before_any_request(devhelm: DevHelmSandbox) -> None:
    devhelm.clear_requests()
    operator = ListIncidentsOperator(task_id="list", conn_id=DEVHELM_CONN_ID, teams="platform")
    with pytest.raises(IncidentValidationError, match="status_page_id") as info:
        operator.execute(context("list"))
    assert info.value.field == "teams"
    assert devhelm.requests() == []


def test_list_older_than_becomes_an_upper_bound_and_keeps_the_earlier_one() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    stale = ListIncidentsOperator(task_id="l", conn_id="c", older_than=timedelta(hours=1))
    assert stale.query(now).until == now - timedelta(hours=1)
    both = ListIncidentsOperator(
        task_id="l", conn_id="c", older_than=timedelta(hours=1), until="2026-11-22T08:00:00Z"
    )
    assert both.query(now).until == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    templated = ListIncidentsOperator(task_id="l", conn_id="c", statuses="{{ params.s }}", since="{{ ds }}")
    templated.statuses, templated.since = "open, acknowledged", "2026-11-01T00:00:00+00:00"
    query = templated.query(now)
    assert query.statuses == ("open", "acknowledged")
    assert query.since == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"statuses": ["resovled"]}, "statuses"),
        ({"older_than": 60}, "older_than"),
        ({"limit": 0}, "limit"),
        ({"services": [1]}, "services"),
        ({"teams": 5}, "teams"),
    ],
)
def test_list_arguments_fail_at_parse_time(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(IncidentValidationError, match=field):
        ListIncidentsOperator(task_id="l", conn_id="c", **kwargs)


def test_note_must_have_text_and_dates_must_parse() -> None:
    with pytest.raises(IncidentValidationError, match="note"):
        AddIncidentNoteOperator(task_id="n", conn_id="c", incident_id="Q1", note="  ")
    operator = ListIncidentsOperator(task_id="l", conn_id="c", since="{{ ds }}")
    operator.since = "yesterday"
    with pytest.raises(IncidentValidationError, match="since"):
        operator.query()


CREATE_ARGS: dict[str, dict[str, Any]] = {
    "pagerduty": {"vendor_fields": {"service": "PSVC001"}},
    **{vendor: {"public": True} for vendor in STATUS_PAGES},
}


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_create_returns_the_first_incident_when_the_task_is_retried(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    _handle, conn_id, _ = vendor_setup(vendor, request)
    operator = CreateIncidentOperator(
        task_id="open", conn_id=conn_id, title="Payments API returning 5xx", **CREATE_ARGS.get(vendor, {})
    )
    if vendor == "uptimeio":
        with pytest.raises(UnsupportedOperationError, match="no endpoint to create"):
            operator.execute(context("open"))
        return
    first = operator.execute(context("open"))
    assert first["changed"] is True
    assert first["title"] == "Payments API returning 5xx"
    retry = operator.execute(context("open"))
    assert retry["changed"] is False
    assert retry["id"] == first["id"], "a retried task finds the incident its first try created"
    other = CreateIncidentOperator(
        task_id="open_other",
        conn_id=conn_id,
        title="Payments API returning 5xx",
        **CREATE_ARGS.get(vendor, {}),
    ).execute(context("open_other"))
    assert other["id"] != first["id"], "another task creates its own incident"


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_one_step_escalation_climbs_to_the_top_and_stops(vendor: str, request: pytest.FixtureRequest) -> None:
    handle, conn_id, incident_id = vendor_setup(vendor, request)
    if vendor == "pinghome":  # the sandbox's sample urgency is already the top of Pinghome's scale
        incident_id = handle.create(urgency="low")
    public = vendor in STATUS_PAGES
    steps = 0
    for attempt in range(12):
        operator = EscalateIncidentOperator(
            task_id=f"up{attempt}", conn_id=conn_id, incident_id=incident_id, public=public
        )
        if not operator.execute(context(f"up{attempt}"))["changed"]:
            break
        steps += 1
    else:
        pytest.fail("escalation never reached the top of the scale")
    assert steps >= 1, "a new incident is not already at the top"
    again = EscalateIncidentOperator(task_id="again", conn_id=conn_id, incident_id=incident_id, public=public)
    assert again.execute(context("again"))["changed"] is False
