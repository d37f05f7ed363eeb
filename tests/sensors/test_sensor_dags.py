"""IncidentStatusSensor in poke, reschedule and deferrable mode, in real DAG runs, for every vendor.

The sandbox moves the incident on its own (a scheduled transition), so each run shows the sensor
waiting and then proceeding; ``dag.test()`` runs the deferred trigger inline.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_incident_provider.models import Phase
from airflow_incident_provider.vendors import vendor_module
from tests.test_dag_run import load_dag
from tests.vendor_cases import VENDOR_CASES

MODES = ("poke", "reschedule", "deferrable")


def _task_states(run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def _xcom(run: Any, task_id: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.settings import Session

    with Session() as session:  # type: ignore[misc]  # configured at runtime by Airflow
        row = (
            session.query(XComModel)
            .filter(XComModel.run_id == run.run_id, XComModel.task_id == task_id)
            .filter(XComModel.key == "return_value")
            .one()
        )
    return row.value


def _schedule(handle: Any, incident_id: str, status: str, after_seconds: float) -> dict[str, Any]:
    """The ``schedule`` param: the DAG's first task asks the sandbox to move the incident."""
    url = f"{handle.server.url}/_sandbox/{handle.vendor}/incidents/{incident_id}/schedule"
    return {"url": url, "body": {"status": status, "after_seconds": after_seconds}}


def _sandbox_word(vendor: str, phase: Phase) -> str:
    """The vendor's status word for ``phase`` as its API spells it (DevHelm's are upper case)."""
    word = str(vendor_module(vendor).PHASE_STATUSES[phase])
    return word.upper() if vendor == "devhelm" else word


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_sensor_waits_for_a_scheduled_acknowledgement(
    vendor: str, mode: str, request: pytest.FixtureRequest, metadata_db: None
) -> None:
    from airflow.utils.state import DagRunState

    fixture, conn_id, *_ = VENDOR_CASES[vendor]
    handle = request.getfixturevalue(fixture)
    incident_id = handle.create()
    schedule = _schedule(handle, incident_id, _sandbox_word(vendor, Phase.ACKNOWLEDGED), 0.8)
    run = load_dag(f"incident_wait_{mode}").test(
        run_conf={"conn_id": conn_id, "incident_id": incident_id, "schedule": schedule}
    )
    assert run.state == DagRunState.SUCCESS, _task_states(run)
    waited = _xcom(run, "wait")
    assert waited["phase"] == "acknowledged"
    assert waited["ref"].endswith(incident_id)
    reads = [call for call in handle.calls() if call[0] == "GET"]
    assert len(reads) >= 3, "the sensor saw the incident open at least once before it moved"
    assert _xcom(run, "read_back")["phase"] == "acknowledged"


@pytest.mark.parametrize("mode", MODES)
def test_failure_status_fails_the_task_at_once(mode: str, pd: Any, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState, TaskInstanceState

    incident_id = pd.create()
    run = load_dag(f"incident_wait_{mode}").test(
        run_conf={
            "schedule": _schedule(pd, incident_id, "acknowledged", 0.5),
            "conn_id": pd.conn_id,
            "incident_id": incident_id,
            "target": "resolved",
            "failure": "acknowledged",
        }
    )
    assert run.state == DagRunState.FAILED
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["wait"] == TaskInstanceState.FAILED
    assert states["read_back"] == TaskInstanceState.UPSTREAM_FAILED


@pytest.mark.parametrize("mode", MODES)
def test_timeout_with_soft_fail_skips_in_every_mode(mode: str, pd: Any, metadata_db: None) -> None:
    from airflow.utils.state import TaskInstanceState

    incident_id = pd.create()
    run = load_dag(f"incident_wait_{mode}_soft").test(
        run_conf={"conn_id": pd.conn_id, "incident_id": incident_id}
    )
    (wait,) = run.get_task_instances()
    assert wait.state == TaskInstanceState.SKIPPED
    assert pd.incident(incident_id)["status"] == "triggered"


@pytest.mark.parametrize("mode", MODES)
def test_missing_incident_fails_instead_of_waiting(mode: str, pd: Any, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState, TaskInstanceState

    run = load_dag(f"incident_wait_{mode}").test(run_conf={"conn_id": pd.conn_id, "incident_id": "PNOSUCH1"})
    assert run.state == DagRunState.FAILED
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["wait"] == TaskInstanceState.FAILED
    gets = [path for method, path in pd.calls() if method == "GET" and "PNOSUCH1" in path]
    assert len(gets) <= 2, "a 404 is not retried or polled"
