"""IncidentStatusSensor's arguments: checked when the DAG is parsed, and against the vendor before I/O."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.sensors import IncidentStatusSensor
from airflow_incident_provider.triggers import IncidentStatusTrigger
from tests.fixtures import PD_TOKEN, Sandbox


def _sensor(**kwargs: Any) -> IncidentStatusSensor:
    options: dict[str, Any] = {"task_id": "wait", "conn_id": "pd_test", "incident_id": "Q1"}
    options.update(kwargs)
    return IncidentStatusSensor(**options)


def test_a_typo_fails_at_parse_time_with_a_suggestion() -> None:
    with pytest.raises(IncidentValidationError) as caught:
        _sensor(target_statuses=["resovled"])
    assert caught.value.field == "target_statuses"
    assert "Did you mean 'resolved'" in str(caught.value)
    with pytest.raises(IncidentValidationError, match="failure_statuses"):
        _sensor(failure_statuses="resolved, canceled")


def test_templated_words_are_checked_once_rendered() -> None:
    sensor = _sensor(target_statuses="{{ params.target }}", failure_statuses="{{ params.failure }}")
    assert sensor.target_statuses == "{{ params.target }}"
    assert tuple(sensor.template_fields) == (
        "conn_id",
        "incident_id",
        "target_statuses",
        "failure_statuses",
        "changed_from",
    )


def test_defaults_follow_airflow_conventions() -> None:
    sensor = _sensor()
    assert sensor.timeout == timedelta(days=7).total_seconds()
    assert sensor.poke_interval == 60
    assert sensor.deferrable is False  # [operators] default_deferrable is False here
    assert sensor.condition().targets == ("resolved",)


def test_a_word_the_connection_vendor_lacks_fails_before_any_request(pd: Sandbox) -> None:
    sensor = _sensor(target_statuses=["mitigated"], deferrable=True)
    with pytest.raises(IncidentValidationError, match="pagerduty"):
        sensor.execute({})
    assert pd.calls() == []


def test_deferrable_pokes_once_then_defers_with_primitives_only(pd: Sandbox) -> None:
    incident_id = pd.create()
    pd.clear_requests()
    sensor = _sensor(incident_id=incident_id, deferrable=True, timeout=120, poke_interval=5)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({})
    trigger = deferred.value.trigger
    assert isinstance(trigger, IncidentStatusTrigger)
    _, kwargs = trigger.serialize()
    assert kwargs["incident_ref"] == incident_id
    assert kwargs["poll_interval"] == 5
    assert PD_TOKEN not in repr(kwargs)
    assert deferred.value.timeout is not None
    assert deferred.value.timeout.total_seconds() > 120, "the triggerer's timeout only backs up the trigger's"
    assert pd.calls() == [("GET", f"/incidents/{incident_id}")]


def test_deferrable_returns_at_once_when_the_condition_already_holds(pd: Sandbox) -> None:
    incident_id = pd.with_status("resolved")
    value = _sensor(incident_id=incident_id, deferrable=True).execute({})
    assert value["status"] == "resolved"
    assert value["ref"] == incident_id


def test_execute_complete_maps_each_event() -> None:
    from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

    from airflow_incident_provider.exceptions import IncidentError

    sensor = _sensor()
    incident = {"ref": "Q1", "status": "resolved", "url": "https://example.pagerduty.com/incidents/Q1"}
    assert sensor.execute_complete({}, {"status": "success", "incident": incident}) == incident
    assert sensor.incident_url == incident["url"]
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute_complete({}, {"status": "timeout", "message": "no status in resolved"})
    with pytest.raises(AirflowFailException, match="failure"):
        sensor.execute_complete({}, {"status": "failure", "message": "Q1 is x, one of the failure statuses"})
    with pytest.raises(IncidentError, match="not found"):
        sensor.execute_complete({}, {"status": "error", "message": "incident Q1 not found"})
