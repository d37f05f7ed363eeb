"""Test DAG: one deferrable status sensor per incident, so a distributed deployment's triggerers share
the waits, then one task per incident that runs only after its sensor fired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_incident_provider.sensors import IncidentStatusSensor

with DAG(
    dag_id="distributed_deferred_sensors",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    max_active_tasks=64,
    params={"conn_id": "rootly_sandbox", "incident_ids": [], "poke_seconds": 2},
) as dag:

    @task
    def incident_ids(**context: object) -> list[str]:
        params = context["params"]
        assert isinstance(params, dict)
        return list(params["incident_ids"])

    waits = IncidentStatusSensor.partial(
        task_id="wait_for_resolution",
        conn_id="{{ params.conn_id }}",
        target_statuses="resolved",
        deferrable=True,
        poke_interval=2,
        timeout=600,
    ).expand(incident_id=incident_ids())

    @task
    def after(incident: Any) -> str:
        assert isinstance(incident, dict), incident
        return str(incident["status"])

    after.expand(incident=waits.output)
