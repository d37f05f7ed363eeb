"""Our remediation DAG: acknowledge, restart the workers, wait for the on-call to confirm, resolve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_incident_provider.operators import AcknowledgeIncidentOperator, ResolveIncidentOperator
from airflow_incident_provider.sensors import IncidentStatusSensor

with DAG(
    dag_id="restart_checkout",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "pagerduty_incidents_default", "incident_id": ""},
) as dag:
    acknowledge = AcknowledgeIncidentOperator(  # never moves an incident backwards
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
        note="Restarting the checkout workers.",
    )

    @task
    def restart_workers(incident: Any) -> str:
        return f"restarted the workers for {incident['ref']}"

    confirmed = IncidentStatusSensor(
        task_id="wait_for_confirmation",
        conn_id="{{ params.conn_id }}",
        incident_id=acknowledge.output,
        target_statuses=["mitigated", "resolved"],
        deferrable=True,
        poke_interval=0.5,  # a test-sized interval; use >= 60 s in production
        timeout=60,
    )
    resolve = ResolveIncidentOperator(
        task_id="resolve",
        conn_id="{{ params.conn_id }}",
        incident_id=confirmed.output,
        resolution="Workers restarted and confirmed healthy.",
    )
    restart_workers(acknowledge.output) >> confirmed >> resolve
