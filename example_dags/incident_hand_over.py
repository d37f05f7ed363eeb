"""Hand an incident over to people, then wait until they close it in the vendor's app.

For platforms whose lifecycle closes in their own app: their API takes no acknowledgement, note or
resolution (the vendor module lists them in ``UNSUPPORTED_OPERATIONS``), because people accept,
discuss and close incidents there. Airflow's part is what the API does take: raise the severity one
step, hand the incident to the people named in ``escalate_to`` (if any), then wait, deferred in the
triggerer, until someone resolves it, so that whatever follows (a postmortem, a report) runs after::

    airflow dags trigger incident_hand_over \\
        --conf '{"conn_id": "<vendor>_incidents_default", "incident_id": "01HXYZ...", "escalate_to": ""}'

The check interval comes from ``INCIDENT_EXAMPLE_POKE_SECONDS`` (default 60 s).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_incident_provider.operators import EscalateIncidentOperator, ReassignIncidentOperator
from airflow_incident_provider.sensors import IncidentStatusSensor

POKE_SECONDS = float(os.environ.get("INCIDENT_EXAMPLE_POKE_SECONDS", "60"))

with DAG(
    dag_id="incident_hand_over",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["incident", "example", "escalation"],
    params={
        "conn_id": Param("pagerduty_incidents_default", type="string", description="Incident connection"),
        "incident_id": Param("", type="string", description="Incident id or ref"),
        "escalate_to": Param("", type="string", description="Assignee ids to hand over to, comma-separated"),
    },
    doc_md=__doc__,
) as dag:
    escalate = EscalateIncidentOperator(
        task_id="escalate",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
    )

    @task.short_circuit
    def has_assignees(params: dict[str, Any] | None = None) -> bool:
        return bool((params or {}).get("escalate_to"))

    reassign = ReassignIncidentOperator(
        task_id="reassign",
        conn_id="{{ params.conn_id }}",
        incident_id=escalate.output,
        assignees="{{ params.escalate_to }}",
    )
    escalate >> has_assignees() >> reassign

    IncidentStatusSensor(
        task_id="wait_for_resolution",
        conn_id="{{ params.conn_id }}",
        incident_id=escalate.output,
        target_statuses=["resolved"],
        deferrable=True,
        poke_interval=POKE_SECONDS,
        timeout=timedelta(days=3),
    )
