"""Test DAG: a task that fails, with an incident note posted by its failure callback.

Trigger with the connection and the incident to annotate, e.g. ``{"conn_id": "pd_test",
"incident_id": "Q1ABC"}``; the note names the DAG, the task, the run and the try.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_incident_provider.notifications import IncidentNotifier

with DAG(
    dag_id="incident_notifier_on_failure",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "", "incident_id": ""},
) as dag:

    @task(
        retries=0,
        on_failure_callback=IncidentNotifier(
            conn_id="{{ params.conn_id }}", incident_id="{{ params.incident_id }}"
        ),
    )
    def refresh_checkout_cache() -> None:
        raise RuntimeError("cache backend refused the connection")

    refresh_checkout_cache()
