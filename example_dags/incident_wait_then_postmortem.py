"""Wait for an incident to be resolved, then attach the postmortem.

Trigger it when an incident opens (from a webhook, or as a follow-up of the remediation DAG)::

    airflow dags trigger incident_wait_then_postmortem \\
        --conf '{"conn_id": "devhelm_incidents_default", "incident_id": "PAGE/INC",
                 "postmortem_url": "https://wiki.example.com/postmortems/checkout-2026-11"}'

The wait is deferrable: after one check in a worker it moves to the triggerer, so a wait of hours holds
no worker slot. Once the incident is resolved, the vendors that have postmortem fields (DevHelm status
pages: ``postmortemUrl`` and ``postmortemBody``) get them filled in; elsewhere a summary note with the
link is added. The check interval comes from ``INCIDENT_EXAMPLE_POKE_SECONDS`` (default 60 s).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_incident_provider.operators import AddIncidentNoteOperator, UpdateIncidentOperator
from airflow_incident_provider.sensors import IncidentStatusSensor

POKE_SECONDS = float(os.environ.get("INCIDENT_EXAMPLE_POKE_SECONDS", "60"))
POSTMORTEM_FIELDS = {"devhelm"}
"""Vendors whose incidents carry postmortem fields of their own."""

with DAG(
    dag_id="incident_wait_then_postmortem",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["incident", "example", "postmortem"],
    params={
        "conn_id": Param("pagerduty_incidents_default", type="string", description="Incident connection"),
        "incident_id": Param("", type="string", description="Incident id or ref"),
        "postmortem_url": Param(
            "https://wiki.example.com/postmortems", type="string", description="Where the postmortem lives"
        ),
    },
    doc_md=__doc__,
) as dag:
    resolved = IncidentStatusSensor(
        task_id="wait_for_resolution",
        conn_id="{{ params.conn_id }}",
        incident_id="{{ params.incident_id }}",
        target_statuses=["resolved"],
        deferrable=True,
        poke_interval=POKE_SECONDS,
        timeout=timedelta(days=3),
    )

    @task
    def summarize(incident: Any, params: dict[str, Any] | None = None) -> dict[str, str]:
        """The postmortem summary; a real DAG would gather the timeline, metrics and the runbook's log."""
        url = (params or {})["postmortem_url"]
        opened, closed = incident.get("created_at"), incident.get("resolved_at") or incident.get("updated_at")
        body = (
            f"Incident {incident['title']!r} was opened at {opened} and resolved at {closed}. "
            f"The postmortem, with the timeline and follow-up actions, is at {url}."
        )
        return {"url": url, "body": body}

    @task.branch
    def where_it_goes(incident: Any) -> str:
        return "postmortem_fields" if incident["vendor"] in POSTMORTEM_FIELDS else "summary_note"

    summary = summarize(resolved.output)
    branch = where_it_goes(resolved.output)

    fields = UpdateIncidentOperator(
        task_id="postmortem_fields",
        conn_id="{{ params.conn_id }}",
        incident_id=resolved.output,
        vendor_fields={
            "postmortemUrl": "{{ ti.xcom_pull(task_ids='summarize')['url'] }}",
            "postmortemBody": "{{ ti.xcom_pull(task_ids='summarize')['body'] }}",
        },
    )
    note = AddIncidentNoteOperator(
        task_id="summary_note",
        conn_id="{{ params.conn_id }}",
        incident_id=resolved.output,
        note="Postmortem: {{ ti.xcom_pull(task_ids='summarize')['body'] }}",
    )
    summary >> branch >> [fields, note]
