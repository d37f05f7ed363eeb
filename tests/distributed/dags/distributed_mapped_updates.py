"""Test DAG: acknowledge many incidents with a note each, one mapped task instance per incident, so a
distributed deployment spreads them over its Celery workers."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_incident_provider.operators import UpdateIncidentOperator

with DAG(
    dag_id="distributed_mapped_updates",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    max_active_tasks=64,
    params={"conn_id": "rootly_sandbox", "incident_ids": []},
) as dag:

    @task
    def incident_ids(**context: object) -> list[str]:
        params = context["params"]
        assert isinstance(params, dict)
        return list(params["incident_ids"])

    UpdateIncidentOperator.partial(
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        status="acknowledged",
        note="Acknowledged by {{ dag.dag_id }} (map index {{ ti.map_index }})",
    ).expand(incident_id=incident_ids())
