"""Our remediation DAG, run by Airflow against the incident sandbox: no real incident is touched."""

from __future__ import annotations

from airflow.dag_processing.dagbag import DagBag
from airflow.utils.state import DagRunState

from airflow_incident_provider.testing import IncidentSandbox


def test_restart_checkout_resolves_once_the_on_call_confirms(
    incident_airflow_db: None, incident_sandbox: IncidentSandbox
) -> None:
    # Already started, so "mitigated" is a valid next step whether or not the DAG acknowledged first.
    ref = incident_sandbox.create_incident("rootly", "Checkout errors above 2%", status="started")
    # The on-call marks it mitigated a little later, as they would in Rootly's UI.
    incident_sandbox.schedule_status("rootly", ref, "mitigated", after_seconds=3)

    dag = DagBag().get_dag("restart_checkout")
    run = dag.test(run_conf={"conn_id": incident_sandbox.conn_id("rootly"), "incident_id": ref})

    assert run.state == DagRunState.SUCCESS, incident_sandbox.schedules()
    assert incident_sandbox.incident("rootly", ref)["status"] == "resolved"
    assert [s["state"] for s in incident_sandbox.schedules()] == ["applied", "applied"]  # opened, mitigated
    writes = [r for r in incident_sandbox.requests("rootly") if r["method"] in ("PUT", "POST")]
    assert writes, "the DAG wrote to the (emulated) vendor"
