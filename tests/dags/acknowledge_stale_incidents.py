"""Test DAG: list open incidents older than a threshold and acknowledge each one (dynamic task mapping)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_incident_provider.operators import AcknowledgeIncidentOperator, ListIncidentsOperator

with DAG(
    dag_id="acknowledge_stale_incidents",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "pd_test"},
) as dag:
    stale = ListIncidentsOperator(
        task_id="stale",
        conn_id="{{ params.conn_id }}",
        statuses=["open"],
        older_than=timedelta(minutes=5),
    )
    AcknowledgeIncidentOperator.partial(
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        note="Open for more than 5 minutes: acknowledged by {{ dag.dag_id }}.",
    ).expand(incident_id=stale.output)
