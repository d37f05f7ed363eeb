"""Real DAG files run by Airflow (``dag.test()``) against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_incident_provider.vendors import vendor_module
from tests.conftest import DAGS_FOLDER
from tests.fixtures import PD_CONN_ID, Sandbox
from tests.vendor_cases import VENDOR_CASES, VENDORS

DAGS = DAGS_FOLDER / "tests"
EXAMPLES = DAGS_FOLDER / "examples"


def load_dag(dag_id: str, folder: Path = DAGS) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(folder))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


def test_mapped_acknowledge_then_resolve(pd: Sandbox, metadata_db: None) -> None:
    from airflow.models.xcom import XComModel
    from airflow.settings import Session
    from airflow.utils.state import DagRunState

    ids = [pd.create(title=f"Shard {n} unavailable") for n in range(3)]
    dag = load_dag("pagerduty_mapped_lifecycle")
    run = dag.test(run_conf={"conn_id": PD_CONN_ID, "incident_ids": ids})
    assert run.state == DagRunState.SUCCESS
    for incident_id in ids:
        remote = pd.incident(incident_id)
        assert remote["status"] == "resolved"
        notes = pd.notes(incident_id)
        assert len(notes) == 1
        assert "Acknowledged by pagerduty_mapped_lifecycle" in notes[0]
    with Session() as session:  # type: ignore[misc]  # configured at runtime by Airflow
        rows = session.query(XComModel).filter(XComModel.run_id == run.run_id).all()
    values = {(row.task_id, row.map_index, row.key): row.value for row in rows}
    resolved = [values[("resolve", index, "return_value")] for index in range(3)]
    assert {value["ref"] for value in resolved} == set(ids)
    assert all(value["changed"] and value["status"] == "resolved" for value in resolved)
    links = [values[("resolve", index, "_link_IncidentLink")] for index in range(3)]
    assert all(link.startswith("https://") for link in links)


def test_example_dag_acknowledges_notes_and_resolves(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    incident_id = pd.create(title="Payment workers crash-looping")
    dag = load_dag("incident_acknowledge_and_resolve", EXAMPLES)
    run = dag.test(run_conf={"conn_id": PD_CONN_ID, "incident_id": incident_id})
    assert run.state == DagRunState.SUCCESS
    assert pd.incident(incident_id)["status"] == "resolved"
    assert any("picked this up" in note for note in pd.notes(incident_id))


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_same_dag_runs_against_every_vendor(
    vendor: str, request: pytest.FixtureRequest, metadata_db: None
) -> None:
    from airflow.utils.state import DagRunState

    fixture, conn_id, title_key, status_key, resolved = VENDOR_CASES[vendor]
    handle = request.getfixturevalue(fixture)
    incident_id = handle.create()
    dag = load_dag("incident_lifecycle_any_vendor")
    run = dag.test(run_conf={"conn_id": conn_id, "incident_id": incident_id})
    remote = handle.incident(incident_id)
    assert remote[title_key] == "Checkout errors: remediation running"
    if getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()):
        # The API cannot take the note or the move: the run stops there, after the retitle landed.
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert (run.state, states["retitle"], states["acknowledge"]) == (
            DagRunState.FAILED,
            "success",
            "failed",
        ), states
        return
    assert run.state == DagRunState.SUCCESS, vendor
    assert remote[status_key] == resolved


def test_list_then_mapped_acknowledge_reaches_only_stale_incidents(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    fresh = pd.create(title="Just opened")
    stale = [item["id"] for item in pd.incidents(**{"statuses[]": "triggered"}) if item["id"] != fresh]
    assert stale, "the sample data has open incidents older than five minutes"
    run = load_dag("acknowledge_stale_incidents").test(run_conf={"conn_id": PD_CONN_ID})
    assert run.state == DagRunState.SUCCESS
    assert all(pd.incident(incident_id)["status"] == "acknowledged" for incident_id in stale)
    assert pd.incident(fresh)["status"] == "triggered", "an incident younger than the threshold is left alone"
    assert all(len(pd.notes(incident_id)) >= 1 for incident_id in stale)


def test_every_operator_templated_mapped_and_chained(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    others = [pd.create(title=f"Duplicate alert {n}") for n in range(3)]
    user = pd.pd.get("/users").json()["users"][1]["id"]
    service = pd.pd.get("/services").json()["services"][0]["id"]
    before = {item["id"] for item in pd.incidents()}
    run = load_dag("incident_operators_templated").test(
        run_conf={
            "conn_id": PD_CONN_ID,
            "title": "Card payments failing",
            "service": service,
            "assignee": user,
            "others": others,
        }
    )
    assert run.state == DagRunState.SUCCESS
    (created,) = [item for item in pd.incidents() if item["id"] not in before]
    assert created["title"] == "Card payments failing (incident_operators_templated)"
    texts = sorted(note.split("\n\n")[0] for note in pd.notes(created["id"]))
    assert texts == ["Runbook step 0 done", "Runbook step 1 done"], "each mapped task instance posts its own"
    assert [a["assignee"]["id"] for a in pd.incident(created["id"])["assignments"]] == [user]
    assert all(pd.incident(incident_id)["status"] == "resolved" for incident_id in others)
