"""The shipped example DAGs, run by Airflow (``dag.test()``) against the sandbox.

The event-driven variant of the remediation DAG needs a real triggerer (asset watchers do not run
under ``dag.test()``); it is proven in the end-to-end deployment test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fixtures import PD_CONN_ID, Sandbox
from tests.test_dag_run import EXAMPLES, load_dag


def _states(run: Any) -> dict[str, str]:
    return {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": str(ti.state)
        for ti in run.get_task_instances()
    }


def test_every_example_loads_without_import_errors() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(EXAMPLES))
    assert not bag.import_errors
    assert set(bag.dag_ids) >= {
        "incident_auto_remediation",
        "incident_auto_remediation_on_event",
        "incident_escalate_stale",
        "incident_hand_over",
        "incident_wait_then_postmortem",
        "status_page_sync",
    }
    for dag in bag.dags.values():
        assert "example" in dag.tags
        assert dag.doc_md


def test_auto_remediation_resolves_on_success(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    incident_id = pd.create(title="Checkout workers crash-looping")
    run = load_dag("incident_auto_remediation", EXAMPLES).test(
        run_conf={"conn_id": PD_CONN_ID, "incident_id": incident_id}
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    states = _states(run)
    assert states["resolve"] == "success"
    assert states["on_failure.escalate"] == "skipped"
    remote = pd.incident(incident_id)
    assert remote["status"] == "resolved"
    assert any("Automated remediation has started" in note for note in pd.notes(incident_id))
    entries = pd.pd.get(f"/incidents/{incident_id}/log_entries").json()["log_entries"]
    (resolved,) = [entry for entry in entries if entry["type"] == "resolve_log_entry"]
    assert "error rate back under 0.1%" in resolved["note"], "the resolution says what fixed it"


def test_auto_remediation_escalates_and_reassigns_on_failure(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    incident_id = pd.create(title="Checkout workers crash-looping", urgency="low")
    user = pd.pd.get("/users").json()["users"][2]["id"]
    run = load_dag("incident_auto_remediation", EXAMPLES).test(
        run_conf={
            "conn_id": PD_CONN_ID,
            "incident_id": incident_id,
            "simulate_failure": True,
            "escalate_to": user,
        }
    )
    assert run.state == DagRunState.FAILED, "the run shows the failed fix even though it escalated"
    states = _states(run)
    assert states["remediate"] == "failed"
    assert states["resolve"] == "upstream_failed"
    assert states["on_failure.escalate"] == "success"
    assert states["on_failure.reassign"] == "success"
    remote = pd.incident(incident_id)
    assert remote["status"] == "triggered", (
        "PagerDuty re-triggers a reassigned incident: the new assignee is paged"
    )
    assert remote["urgency"] == "high", "one step up PagerDuty's scale"
    assert [a["assignee"]["id"] for a in remote["assignments"]] == [user]
    assert any("a person needs to take over" in note for note in pd.notes(incident_id))


def test_auto_remediation_escalates_the_incident_it_was_given_when_the_acknowledgement_fails(
    pd: Sandbox, metadata_db: None
) -> None:
    """The failure path must not depend on the acknowledgement's result: it has none when it failed."""
    from airflow.utils.state import DagRunState

    incident_id = pd.create(title="Checkout workers crash-looping", urgency="low")
    user = pd.pd.get("/users").json()["users"][2]["id"]
    pd.server.add_fault("pagerduty", "status", status=403, method="PUT", path="/incidents/*", times=1)
    run = load_dag("incident_auto_remediation", EXAMPLES).test(
        run_conf={"conn_id": PD_CONN_ID, "incident_id": incident_id, "escalate_to": user}
    )
    assert run.state == DagRunState.FAILED
    states = _states(run)
    assert states["acknowledge"] == "failed"
    assert states["remediate"] == "upstream_failed"
    assert states["on_failure.escalate"] == "success", "escalated the incident from the run's conf"
    assert states["on_failure.reassign"] == "success"
    remote = pd.incident(incident_id)
    assert remote["urgency"] == "high", "one step up PagerDuty's scale"
    assert [a["assignee"]["id"] for a in remote["assignments"]] == [user]
    assert any("a person needs to take over" in note for note in pd.notes(incident_id))


def test_escalate_stale_climbs_one_step_per_threshold_not_per_run(
    pd: Sandbox, metadata_db: None, capfd: pytest.CaptureFixture[str]
) -> None:
    from airflow.models.variable import Variable
    from airflow.utils.state import DagRunState

    fresh = pd.create(title="Just opened")
    cutoff = datetime.now(UTC) - timedelta(minutes=30)
    stale = [
        item["id"]
        for item in pd.incidents(**{"statuses[]": "triggered"})
        if datetime.fromisoformat(item["created_at"]) < cutoff
    ]
    assert stale, "the sample data has triggered incidents older than the threshold"
    dag = load_dag("incident_escalate_stale", EXAMPLES)
    conf = {"conn_id": PD_CONN_ID, "stale_minutes": 30}
    first = dag.test(run_conf=conf)
    assert first.state == DagRunState.SUCCESS, _states(first)
    # Reading the mapped results one by one ran past the end: Airflow logs that 404 as an error.
    assert "XCom not found" not in "".join(capfd.readouterr()), "remember read past the escalations"
    escalated_once = {i: pd.incident(i) for i in stale}
    notes_once = {i: len(pd.notes(i)) for i in stale}
    assert all(any("unacknowledged for" in n for n in pd.notes(i)) for i in stale)
    assert not pd.notes(fresh), "an incident younger than the threshold is left alone"

    second = dag.test(run_conf=conf)
    assert second.state == DagRunState.SUCCESS, _states(second)
    assert {i: len(pd.notes(i)) for i in stale} == notes_once, "the same staleness is not escalated twice"
    assert {i: pd.incident(i)["urgency"] for i in stale} == {
        i: incident["urgency"] for i, incident in escalated_once.items()
    }
    memory = Variable.get(f"incident_escalate_stale.{PD_CONN_ID}", deserialize_json=True)
    assert set(memory) == set(stale)
    Variable.delete(f"incident_escalate_stale.{PD_CONN_ID}")


def test_wait_then_postmortem_fills_devhelm_postmortem_fields(devhelm: Any, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    incident_id = devhelm.create()
    devhelm.server.schedule_status("devhelm", incident_id, "RESOLVED", 1.0)
    run = load_dag("incident_wait_then_postmortem", EXAMPLES).test(
        run_conf={
            "conn_id": devhelm.conn_id,
            "incident_id": incident_id,
            "postmortem_url": "https://wiki.example.com/postmortems/search-2026-11",
        }
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert _states(run)["summary_note"] == "skipped"
    remote = devhelm.incident(incident_id)
    assert remote["postmortemUrl"] == "https://wiki.example.com/postmortems/search-2026-11"
    assert "resolved at" in remote["postmortemBody"]


def test_wait_then_postmortem_notes_elsewhere(pd: Sandbox, metadata_db: None) -> None:
    from airflow.utils.state import DagRunState

    incident_id = pd.create()
    pd.server.schedule_status("pagerduty", incident_id, "resolved", 1.0)
    run = load_dag("incident_wait_then_postmortem", EXAMPLES).test(
        run_conf={"conn_id": PD_CONN_ID, "incident_id": incident_id}
    )
    assert run.state == DagRunState.SUCCESS, _states(run)
    assert _states(run)["postmortem_fields"] == "skipped"
    assert any(note.startswith("Postmortem: Incident") for note in pd.notes(incident_id))


@pytest.mark.parametrize("page", ["devhelm", "uptimeio"])
def test_status_page_sync_mirrors_the_source_once(
    page: str, pd: Sandbox, request: pytest.FixtureRequest, metadata_db: None
) -> None:
    from airflow.utils.state import DagRunState

    handle = request.getfixturevalue(page)
    source = pd.create(title="Payments API p99 over 2s")
    pd.server.schedule_status("pagerduty", source, "acknowledged", 0.8)
    pd.server.schedule_status("pagerduty", source, "resolved", 1.6)
    before = {item["id"] for item in handle.incidents()}
    given = handle.create(title="Payments are slow for some customers") if page == "uptimeio" else ""
    conf = {
        "page_incident_id": given,
        "source_conn_id": PD_CONN_ID,
        "source_incident_id": source,
        "page_conn_id": handle.conn_id,
        "customer_title": "Payments are slow for some customers",
    }
    dag = load_dag("status_page_sync", EXAMPLES)
    run = dag.test(run_conf=conf)
    assert run.state == DagRunState.SUCCESS, _states(run)
    (mirror,) = [item for item in handle.incidents() if item["id"] not in before]
    if given:
        assert _states(run)["open_page_incident"] == "skipped"
    assert mirror["title"] == "Payments are slow for some customers"
    assert mirror["status"].lower() == "resolved"

    timeline = [update["status"].lower() for update in mirror.get("updates") or ()]
    if timeline:  # DevHelm lists its timeline with the incident
        assert timeline[-2:] == ["identified", "resolved"]
