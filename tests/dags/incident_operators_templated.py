"""Test DAG: every incident operator with templated arguments, XCom hand-offs and dynamic mapping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_incident_provider.operators import (
    AddIncidentNoteOperator,
    BulkUpdateIncidentsOperator,
    CreateIncidentOperator,
    EscalateIncidentOperator,
    GetIncidentOperator,
    ReassignIncidentOperator,
)

with DAG(
    dag_id="incident_operators_templated",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    params={"conn_id": "pd_test", "title": "", "service": "", "assignee": "", "others": []},
) as dag:
    create = CreateIncidentOperator(
        task_id="create",
        conn_id="{{ params.conn_id }}",
        title="{{ params.title }} ({{ dag.dag_id }})",
        vendor_fields={"service": "{{ params.service }}"},
    )
    read = GetIncidentOperator(task_id="read", conn_id="{{ params.conn_id }}", incident_id=create.output)

    @task
    def twice(incident: Any) -> list[dict[str, Any]]:
        return [incident, incident]

    notes = AddIncidentNoteOperator.partial(
        task_id="note",
        conn_id="{{ params.conn_id }}",
        note="Runbook step {{ ti.map_index }} done",
    ).expand(incident_id=twice(read.output))
    escalate = EscalateIncidentOperator(
        task_id="escalate", conn_id="{{ params.conn_id }}", incident_id=create.output
    )
    reassign = ReassignIncidentOperator(
        task_id="reassign",
        conn_id="{{ params.conn_id }}",
        incident_id=create.output,
        assignees="{{ params.assignee }}",
    )

    @task
    def others(**context: Any) -> list[str]:
        return list(context["params"]["others"])

    bulk = BulkUpdateIncidentsOperator(
        task_id="bulk",
        conn_id="{{ params.conn_id }}",
        incident_ids=others(),
        action="resolve",
        resolution="Closed by {{ dag.dag_id }}",
    )
    notes >> escalate >> reassign >> bulk
