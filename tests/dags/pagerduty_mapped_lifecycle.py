"""Test DAG: acknowledge several incidents with a note, then resolve each, through dynamic task mapping."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_incident_provider.operators import ResolveIncidentOperator, UpdateIncidentOperator

with DAG(
    dag_id="pagerduty_mapped_lifecycle",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "pd_test", "incident_ids": []},
) as dag:

    @task
    def incident_ids(**context: object) -> list[str]:
        params = context["params"]
        assert isinstance(params, dict)
        return list(params["incident_ids"])

    acknowledge = UpdateIncidentOperator.partial(
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        status="acknowledged",
        note="Acknowledged by {{ dag.dag_id }} (map index {{ ti.map_index }})",
    ).expand(incident_id=incident_ids())

    ResolveIncidentOperator.partial(
        task_id="resolve",
        conn_id="{{ params.conn_id }}",
        resolution="Fixed by the remediation DAG",
    ).expand(incident_id=acknowledge.output)
