"""Test DAG run against every vendor: retitle, move to the acknowledged phase with a note, resolve.

Only the connection changes between vendors. ``public=True`` because on status pages every status
change and note is a customer-facing message; other vendors ignore it or use it for visibility.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_incident_provider.operators import ResolveIncidentOperator, UpdateIncidentOperator

with DAG(
    dag_id="incident_lifecycle_any_vendor",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "", "incident_id": ""},
) as dag:
    retitle = UpdateIncidentOperator(
        task_id="retitle",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
        title="Checkout errors: remediation running",
    )
    acknowledge = UpdateIncidentOperator(
        task_id="acknowledge",
        conn_id="{{ params.conn_id }}",
        incident_id=retitle.output,
        status="acknowledged",
        note="We have identified the cause and are rolling back.",
        public=True,
    )
    ResolveIncidentOperator(
        task_id="resolve",
        conn_id="{{ params.conn_id }}",
        incident_id=acknowledge.output,
        resolution="The rollback completed and error rates are back to normal.",
        public=True,
    )
