"""Mirror an internal incident onto a public status page as it moves.

The source is an incident at PagerDuty or Rootly; the mirror is an incident on a DevHelm or UptimeIO
status page. The page incident is created once (its dedup key is derived from the source incident, so
a retried task, or a run triggered again while the page incident is open, finds it instead of
opening a second one); then, as the source is
acknowledged and resolved, the page says "identified" and "resolved", with messages written for
customers rather than responders. Both waits are deferrable. UptimeIO documents no endpoint to create
an incident: for it, open the page incident in UptimeIO and pass its ref as ``page_incident_id``.

    airflow dags trigger status_page_sync --conf '{
        "source_conn_id": "pagerduty_incidents_default", "source_incident_id": "Q1ABCDEF",
        "page_conn_id": "devhelm_incidents_default", "customer_title": "Checkout is slow for some customers"}'

Subscribers are not notified (pass ``notify_subscribers=True`` to the page operators to notify them).
The check interval comes from ``INCIDENT_EXAMPLE_POKE_SECONDS`` (default 60 s).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.sensors import IncidentStatusSensor

POKE_SECONDS = float(os.environ.get("INCIDENT_EXAMPLE_POKE_SECONDS", "60"))

with DAG(
    dag_id="status_page_sync",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["incident", "example", "status-page"],
    params={
        "source_conn_id": Param(
            "pagerduty_incidents_default", type="string", description="PagerDuty or Rootly"
        ),
        "source_incident_id": Param("", type="string", description="The internal incident"),
        "page_conn_id": Param("devhelm_incidents_default", type="string", description="DevHelm or UptimeIO"),
        "customer_title": Param("Degraded performance", type="string", description="Title customers see"),
        "page_incident_id": Param(
            "", type="string", description="An existing page incident to use (UptimeIO cannot create one)"
        ),
    },
    doc_md=__doc__,
) as dag:

    @task.branch
    def open_or_reuse(params: dict[str, Any] | None = None) -> str:
        """Create the page incident unless one was given (UptimeIO documents no create endpoint)."""
        return "page_incident" if (params or {}).get("page_incident_id") else "open_page_incident"

    created = CreateIncidentOperator(
        task_id="open_page_incident",
        conn_id="{{ params.page_conn_id }}",
        title="{{ params.customer_title }}",
        description="We are investigating reports of degraded service and will post an update shortly.",
        dedup_key="status-page-sync:{{ params.source_conn_id }}:{{ params.source_incident_id }}",
        public=True,
    )

    @task(trigger_rule="none_failed_min_one_success")
    def page_incident(ti: Any = None, params: dict[str, Any] | None = None) -> str:
        """The page incident's ref: the one just created (or found by its dedup key), or the given one."""
        opened = ti.xcom_pull(task_ids="open_page_incident") if ti is not None else None
        return str(opened["ref"] if opened else (params or {})["page_incident_id"])

    page = page_incident()
    choice = open_or_reuse()
    choice >> [created, page]
    created >> page
    acknowledged = IncidentStatusSensor(
        task_id="wait_for_acknowledgement",
        conn_id="{{ params.source_conn_id }}",
        incident_id="{{ params.source_incident_id }}",
        target_statuses=[
            "acknowledged",
            "resolved",
        ],  # at or past acknowledged: never wait for a step skipped
        deferrable=True,
        poke_interval=POKE_SECONDS,
        timeout=timedelta(days=1),
    )
    identified = UpdateIncidentOperator(
        task_id="page_identified",
        conn_id="{{ params.page_conn_id }}",
        incident_id=page,
        status="acknowledged",  # the phase: "identified" on DevHelm and UptimeIO
        note="We have identified the cause and our engineers are working on a fix.",
        public=True,
    )
    resolved = IncidentStatusSensor(
        task_id="wait_for_resolution",
        conn_id="{{ params.source_conn_id }}",
        incident_id="{{ params.source_incident_id }}",
        target_statuses=["resolved"],
        deferrable=True,
        poke_interval=POKE_SECONDS,
        timeout=timedelta(days=3),
    )
    ResolveIncidentOperator(
        task_id="page_resolved",
        conn_id="{{ params.page_conn_id }}",
        incident_id=page,
        resolution="The issue has been resolved and the service is operating normally. "
        "Thank you for your patience.",
        public=True,
    ).set_upstream([resolved, identified])
    page >> acknowledged >> identified
    acknowledged >> resolved
