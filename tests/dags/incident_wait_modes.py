"""Test DAGs: wait for an incident to be acknowledged, in each sensor mode, then read it back.

One DAG per mode (``incident_wait_poke``, ``incident_wait_reschedule``, ``incident_wait_deferrable``);
the connection, incident, statuses and timeout come from the run's conf so one file serves every vendor
and every outcome. Short intervals are fine under ``dag.test()`` only (production examples use >= 60 s).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from airflow.sdk import DAG, task

from airflow_incident_provider.operators import GetIncidentOperator
from airflow_incident_provider.sensors import IncidentStatusSensor

MODES = {"poke": ("poke", False), "reschedule": ("reschedule", False), "deferrable": ("poke", True)}
"""DAG name -> (sensor mode, deferrable)."""

for name, (mode, deferrable) in MODES.items():
    with DAG(
        dag_id=f"incident_wait_{name}",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        params={
            "conn_id": "",
            "incident_id": "",
            "target": "acknowledged",
            "failure": "",
            "timeout": 30,
            "schedule": {},
        },
        render_template_as_native_obj=True,
    ) as dag:

        @task
        def arrange(schedule: dict[str, Any] | str) -> None:
            """Ask the sandbox to move the incident shortly after the run starts (``schedule`` = the
            admin URL and the body of ``POST .../schedule``), so the sensor is seen waiting first."""
            if isinstance(schedule, dict) and schedule:  # rendered natively from the run's conf
                httpx.post(schedule["url"], json=schedule["body"], timeout=10).raise_for_status()

        wait = IncidentStatusSensor(
            task_id="wait",
            conn_id="{{ params.conn_id }}",
            incident_id="{{ params.incident_id }}",
            target_statuses="{{ params.target }}",
            failure_statuses="{{ params.failure }}",
            poke_interval=0.3,
            timeout=30,
            mode=mode,
            deferrable=deferrable,
        )
        arrange("{{ params.schedule }}") >> wait
        GetIncidentOperator(task_id="read_back", conn_id="{{ params.conn_id }}", incident_id=wait.output)
    globals()[f"dag_{name}"] = dag

    with DAG(
        dag_id=f"incident_wait_{name}_soft",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        params={"conn_id": "", "incident_id": ""},
    ) as soft_dag:
        IncidentStatusSensor(
            task_id="wait",
            conn_id="{{ params.conn_id }}",
            incident_id="{{ params.incident_id }}",
            target_statuses=["resolved"],
            poke_interval=0.3,
            timeout=1.5,
            soft_fail=True,
            mode=mode,
            deferrable=deferrable,
        )
    globals()[f"soft_dag_{name}"] = soft_dag
