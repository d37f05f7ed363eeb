"""Test DAG: one note and one new incident, each retried after a failure, so a test can kill the Celery
worker in the middle of either write and see what the retry on another worker leaves."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_incident_provider.operators import AddIncidentNoteOperator, CreateIncidentOperator

RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=2)}
"""A killed try is retried 2 s after Airflow notices its silence."""
NOTE = "Failover drill: the worker running this note was killed"

with DAG(
    dag_id="distributed_slow_note",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "rootly_sandbox", "incident_id": ""},
    default_args=RETRIES,
) as note_dag:
    AddIncidentNoteOperator(
        task_id="note",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
        note=NOTE,
    )

with DAG(
    dag_id="distributed_slow_create",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "rootly_sandbox", "title": ""},
    default_args=RETRIES,
) as create_dag:
    CreateIncidentOperator(
        task_id="create",
        conn_id="{{ params.conn_id }}",
        title="{{ params.title }}",
    )
