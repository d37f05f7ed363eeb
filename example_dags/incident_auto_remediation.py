"""Automatic remediation of an incident: acknowledge, fix, verify, then resolve or escalate.

Two ways in, one runbook:

- ``incident_auto_remediation`` is triggered with the incident in its conf, as an alert webhook or
  another system would::

      airflow dags trigger incident_auto_remediation \\
          --conf '{"conn_id": "pagerduty_incidents_default", "incident_id": "Q1ABCDEF"}'

- ``incident_auto_remediation_on_event`` is started by the scheduler itself whenever a new incident
  opens at the vendor: an ``AssetWatcher`` runs ``IncidentEventTrigger`` in the triggerer, and the
  incident arrives in the run's triggering asset event. Its connection is read when the DAG file is
  parsed, from the ``INCIDENT_EVENTS_CONN_ID`` environment variable.

On success the incident is resolved with a resolution note; if the fix or its verification fails, the
incident is escalated with a note saying why and, when ``escalate_to`` names someone, reassigned.
Notes are written for anyone who reads the incident (on status pages they are public).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, Param, TaskGroup, task

from airflow_incident_provider.operators import (
    EscalateIncidentOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.triggers import IncidentEventTrigger

EVENTS_CONN_ID = os.environ.get("INCIDENT_EVENTS_CONN_ID", "pagerduty_incidents_default")
EVENTS_POLL_SECONDS = float(os.environ.get("INCIDENT_EVENTS_POLL_SECONDS", "60"))

new_incidents = Asset(
    "incident_events_new",
    watchers=[
        AssetWatcher(
            name="incident_events_new_watcher",
            trigger=IncidentEventTrigger(
                conn_id=EVENTS_CONN_ID, statuses=["open"], poll_interval=EVENTS_POLL_SECONDS
            ),
        )
    ],
)

PARAMS = {
    "conn_id": Param("pagerduty_incidents_default", type="string", description="Incident connection"),
    "incident_id": Param("", type="string", description="Incident id or ref (conf-triggered runs)"),
    "simulate_failure": Param(False, type="boolean", description="Make the fix fail (to see escalation)"),
    "escalate_to": Param(
        "", type="string", description="Assignee ids to reassign to on failure, comma-separated"
    ),
}


def runbook(incident: Any, conn_id: str) -> None:
    """The remediation steps, shared by both DAGs; ``incident`` is an id, a ref or an incident dict."""
    acknowledge = UpdateIncidentOperator(
        task_id="acknowledge",
        conn_id=conn_id,
        incident_id=incident,
        status="acknowledged",
        note="Automated remediation has started (Airflow run {{ run_id }}); next update once it is verified.",
        public=True,
    )

    @task
    def remediate(incident: Any, params: dict[str, Any] | None = None) -> str:
        """Stand-in for the real fix (restart, roll back, scale out...)."""
        if (params or {}).get("simulate_failure"):
            raise RuntimeError(f"the restart of the workers behind {incident['ref']} did not complete")
        print(f"Remediating {incident['title']!r} ({incident['status']})")
        return "restarted the failed workers"

    @task
    def verify(done: Any) -> str:
        """Stand-in for the check that proves the fix (error rate, health endpoint, synthetic probe)."""
        return f"{done}; error rate back under 0.1%"

    verified = verify(remediate(acknowledge.output))

    resolve = ResolveIncidentOperator(
        task_id="resolve",
        conn_id=conn_id,
        incident_id=acknowledge.output,
        resolution="Resolved automatically: {{ ti.xcom_pull(task_ids='verify') }}.",
        public=True,
    )
    verified >> resolve

    with TaskGroup("on_failure") as on_failure:
        # The incident as the run was given it, not the acknowledgement's result: when the
        # acknowledgement is what failed, it has no result, and the incident still needs a person.
        escalate = EscalateIncidentOperator(
            task_id="escalate",
            conn_id=conn_id,
            incident_id=incident,
            note="Automated remediation failed (Airflow run {{ run_id }}); a person needs to take over.",
            trigger_rule="one_failed",
        )

        @task.short_circuit
        def has_escalation_target(params: dict[str, Any] | None = None) -> bool:
            return bool((params or {}).get("escalate_to"))

        reassign = ReassignIncidentOperator(
            task_id="reassign",
            conn_id=conn_id,
            incident_id=incident,
            assignees="{{ params.escalate_to }}",
            note="Reassigned after automated remediation failed.",
        )
        escalate >> has_escalation_target() >> reassign
    verified >> on_failure


with DAG(
    dag_id="incident_auto_remediation",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["incident", "example", "remediation"],
    params=PARAMS,
    doc_md=__doc__,
) as conf_dag:
    runbook("{{ params.incident_id }}", "{{ params.conn_id }}")


with DAG(
    dag_id="incident_auto_remediation_on_event",
    start_date=datetime(2026, 1, 1),
    schedule=[new_incidents],
    catchup=False,
    tags=["incident", "example", "remediation", "event-driven"],
    params={name: PARAMS[name] for name in ("simulate_failure", "escalate_to")},
    doc_md=__doc__,
) as event_dag:

    @task
    def incident_from_event(triggering_asset_events: Any = None) -> dict[str, Any]:
        """The incident the watcher reported (the newest event, if several were batched into one run)."""
        events = [event for batch in (triggering_asset_events or {}).values() for event in batch]
        if not events:
            raise ValueError("this run was not started by an incident event")
        incident: dict[str, Any] = events[-1].extra["payload"]["incident"]  # the trigger event's payload
        print(f"Started by {incident['vendor']} incident {incident['ref']}: {incident['title']!r}")
        return incident

    runbook(incident_from_event(), EVENTS_CONN_ID)
