"""Operators: parse-time validation, templating, and what they push to XCom."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.operators import ResolveIncidentOperator, UpdateIncidentOperator
from tests.fixtures import PD_CONN_ID, Sandbox


def context(task_id: str = "task", map_index: int = -1) -> Any:
    ti = SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=map_index)
    return {"ti": ti}


def test_status_typo_fails_at_parse_time_with_a_suggestion() -> None:
    with pytest.raises(IncidentValidationError, match="Did you mean 'resolved'"):
        UpdateIncidentOperator(task_id="u", conn_id="c", incident_id="Q1", status="resovled")


def test_templated_values_are_checked_once_rendered() -> None:
    operator = UpdateIncidentOperator(task_id="u", conn_id="c", incident_id="Q1", status="{{ params.s }}")
    operator.status = "resovled"
    with pytest.raises(IncidentValidationError, match="status"):
        operator.build_update()


def test_an_update_must_name_something_and_vendor_fields_must_be_a_dict() -> None:
    with pytest.raises(IncidentValidationError, match="at least one"):
        UpdateIncidentOperator(task_id="u", conn_id="c", incident_id="Q1")
    with pytest.raises(IncidentValidationError, match="vendor_fields"):
        UpdateIncidentOperator(task_id="u", conn_id="c", incident_id="Q1", vendor_fields=["priority"])  # type: ignore[arg-type]


def test_from_triage_is_checked_at_parse_time() -> None:
    with pytest.raises(IncidentValidationError, match="start, cancel, fail"):
        ResolveIncidentOperator(task_id="r", conn_id="c", incident_id="Q1", from_triage="skip")  # type: ignore[arg-type]


def test_data_arguments_are_templated_and_timing_is_not() -> None:
    fields = set(UpdateIncidentOperator.template_fields)
    assert {
        "conn_id",
        "incident_id",
        "title",
        "description",
        "status",
        "severity",
        "assignees",
        "note",
        "vendor_fields",
    } <= fields
    assert {"conn_id", "incident_id", "resolution", "note"} <= set(ResolveIncidentOperator.template_fields)
    assert "allow_reopen" not in fields


def test_assignees_from_a_template_may_be_comma_separated() -> None:
    operator = UpdateIncidentOperator(task_id="u", conn_id="c", incident_id="Q1", assignees="{{ x }}")
    operator.assignees = "PUSER01, PUSER02"
    assert operator.build_update().assignees == ("PUSER01", "PUSER02")


def test_update_operator_pushes_the_incident_with_changed_and_steps(pd: Sandbox) -> None:
    incident_id = pd.create()
    operator = UpdateIncidentOperator(
        task_id="ack", conn_id=PD_CONN_ID, incident_id=incident_id, status="acknowledged", note="On it"
    )
    value = operator.execute(context("ack"))
    assert value["status"] == "acknowledged"
    assert value["changed"] is True
    assert [step["name"] for step in value["steps"]] == ["update", "note"]
    assert operator.incident_url == value["url"]
    again = operator.execute(context("ack"))
    assert again["changed"] is False, "a retry of the same task changes nothing"
    assert len(pd.notes(incident_id)) == 1


def test_resolve_accepts_an_upstream_incident_dict(pd: Sandbox) -> None:
    incident_id = pd.create()
    upstream = {"vendor": "pagerduty", "id": incident_id, "ref": incident_id, "status": "triggered"}
    operator = ResolveIncidentOperator(
        task_id="resolve", conn_id=PD_CONN_ID, incident_id=upstream, resolution="Rolled back"
    )
    assert operator.execute(context("resolve"))["changed"] is True
    assert operator.execute(context("resolve"))["changed"] is False
    assert pd.incident(incident_id)["status"] == "resolved"


def test_description_on_pagerduty_fails_before_any_request(pd: Sandbox) -> None:
    operator = UpdateIncidentOperator(task_id="u", conn_id=PD_CONN_ID, incident_id="Q1", description="text")
    with pytest.raises(UnsupportedOperationError, match=r"note=\.\.\."):
        operator.execute(context())
    assert pd.requests() == []
