"""Acknowledge an incident, note what the DAG is doing, remediate, then resolve it.

Trigger with the incident to work on, for example:

    airflow dags test incident_acknowledge_and_resolve \
        --conf '{"incident_id": "Q1ABCDEF", "conn_id": "pagerduty_incidents_default"}'

The same DAG works with any vendor: only the connection changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_incident_provider.operators import ResolveIncidentOperator, UpdateIncidentOperator

with DAG(
    dag_id="incident_acknowledge_and_resolve",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["incident", "example"],
    params={
        "incident_id": Param("", type="string", description="Incident id or ref to work on"),
        "conn_id": Param("pagerduty_incidents_default", type="string", description="Incident connection"),
    },
    doc_md=__doc__,
) as dag:
    acknowledge = UpdateIncidentOperator(
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
        status="acknowledged",
        note="Airflow run {{ run_id }} picked this up and is restarting the failed workers.",
    )

    @task
    def remediate(incident: Any) -> str:
        """Stand-in for the real remediation step (restart, roll back, scale out...)."""
        print(f"Remediating {incident['title']!r} ({incident['status']})")
        return "workers restarted, error rate back under 0.1%"

    outcome = remediate(acknowledge.output)

    resolve = ResolveIncidentOperator(
        task_id="resolve",
        conn_id="{{ params.conn_id }}",
        incident_id=acknowledge.output,  # the incident dict from upstream: its ref addresses it
        resolution="Resolved by Airflow: {{ ti.xcom_pull(task_ids='remediate') }}",
    )
    outcome >> resolve
