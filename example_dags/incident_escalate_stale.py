"""Escalate incidents that nobody acknowledged in time, one step per threshold.

Every 15 minutes: list the open (unacknowledged) incidents older than ``stale_minutes``, and escalate
each one with a note saying why (one mapped task per incident). An incident open for one threshold is
escalated once; still open after two thresholds, once more; so a stale incident climbs one step per
threshold, not one step per run. What was escalated for which threshold is remembered in the Airflow
Variable ``incident_escalate_stale`` (per connection), pruned to incidents that are still stale.

This is the "escalate if not acknowledged in N minutes" rule PagerDuty users ask for, written as a DAG.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, Variable, task

from airflow_incident_provider.operators import EscalateIncidentOperator, ListIncidentsOperator

MEMORY_VARIABLE = "incident_escalate_stale"

with DAG(
    dag_id="incident_escalate_stale",
    start_date=datetime(2026, 1, 1),
    schedule=timedelta(minutes=15),
    catchup=False,
    max_active_runs=1,
    tags=["incident", "example", "escalation"],
    params={
        "conn_id": Param("pagerduty_incidents_default", type="string", description="Incident connection"),
        "stale_minutes": Param(30, type="integer", minimum=1, description="Unacknowledged for this long"),
    },
    doc_md=__doc__,
) as dag:
    stale = ListIncidentsOperator(
        task_id="list_stale",
        conn_id="{{ params.conn_id }}",
        statuses=["open"],  # the open phase: nobody acknowledged them yet
        until="{{ (data_interval_end - macros.timedelta(minutes=params.stale_minutes)).isoformat() }}",
    )

    @task
    def due_for_escalation(incidents: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The incidents whose staleness reached a threshold they were not yet escalated for."""
        params = params or {}
        threshold = timedelta(minutes=int(params["stale_minutes"]))
        memory = _memory(params["conn_id"])
        now = datetime.now(UTC)
        due = []
        for incident in incidents:
            age = now - datetime.fromisoformat(incident["created_at"])
            step = int(age / threshold)
            if step > memory.get(incident["ref"], 0):
                minutes = int(age.total_seconds() // 60)
                due.append(
                    {
                        "incident_id": incident["ref"],
                        "note": f"Escalated by Airflow: open and unacknowledged for {minutes} minutes "
                        f"(threshold {params['stale_minutes']} min, escalation {step}).",
                    }
                )
        print(f"{len(incidents)} stale incident(s), {len(due)} due for escalation")
        return due

    due = due_for_escalation(stale.output)

    escalate = EscalateIncidentOperator.partial(
        task_id="escalate", conn_id="{{ params.conn_id }}"
    ).expand_kwargs(due)

    @task(trigger_rule="all_done")
    def remember(incidents: Any, results: Any, params: dict[str, Any] | None = None) -> dict[str, int]:
        """Record the threshold each escalated incident reached (a failed escalation is tried again next
        run); forget incidents that are no longer stale."""
        params = params or {}
        threshold = timedelta(minutes=int(params["stale_minutes"]))
        memory = _memory(params["conn_id"])
        still_stale = {incident["ref"]: incident for incident in incidents}
        # One slice request for every mapped result: iterating them one by one would probe past the
        # last and have Airflow log "XCom not found" as an error for that probe.
        escalated = {result["ref"] for result in (results or ())[:] if result}
        now = datetime.now(UTC)
        updated = {ref: step for ref, step in memory.items() if ref in still_stale}
        for ref in escalated & still_stale.keys():
            age = now - datetime.fromisoformat(still_stale[ref]["created_at"])
            updated[ref] = max(updated.get(ref, 0), int(age / threshold))
        key = f"{MEMORY_VARIABLE}.{params['conn_id']}"
        Variable.set(key, json.dumps(updated))
        return updated

    remember(stale.output, escalate.output)


def _memory(conn_id: str) -> dict[str, int]:
    """Incident ref -> the last threshold it was escalated for (empty on the first run)."""
    raw = Variable.get(f"{MEMORY_VARIABLE}.{conn_id}", default="{}")
    value = json.loads(raw) if isinstance(raw, str) else raw
    return {str(ref): int(step) for ref, step in (value or {}).items()}
