"""Rootly's status words, their phases, and the lifecycle endpoints a status change goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Phase
from airflow_incident_provider.vendors.base import lookup_status
from airflow_incident_provider.vendors.rootly.api import NAME

STATUS_PHASES: Mapping[str, Phase] = {
    "in_triage": Phase.OPEN,
    "detected": Phase.OPEN,
    "started": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "mitigated": Phase.MITIGATED,
    "resolved": Phase.RESOLVED,
    "closed": Phase.RESOLVED,
    "cancelled": Phase.RESOLVED,
    "scheduled": Phase.OPEN,
    "in_progress": Phase.OPEN,
    "completed": Phase.RESOLVED,
}
"""Every status Rootly reports; the last three belong to scheduled maintenance (read only here)."""
PHASE_STATUSES: Mapping[Phase, str] = {
    Phase.OPEN: "started",
    Phase.ACKNOWLEDGED: "acknowledged",
    Phase.MITIGATED: "mitigated",
    Phase.RESOLVED: "resolved",
}
"""The status written for a phase."""
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "completed")
WRITABLE_STATUSES: Mapping[str, Phase] = {
    status: phase for status, phase in STATUS_PHASES.items() if status not in MAINTENANCE_STATUSES
}
TERMINAL_STATUSES = ("resolved", "closed", "cancelled")
"""Final unless the incident is restarted (``PUT /v1/incidents/{id}/restart``)."""
TRIAGE = "in_triage"
RESTARTED_STATUS = "started"
"""Where ``/restart`` leaves an incident."""
KINDS = (
    "test",
    "test_sub",
    "example",
    "example_sub",
    "normal",
    "normal_sub",
    "backfilled",
    "scheduled",
    "scheduled_sub",
)

STATUS_ENDPOINTS: Mapping[str, str] = {
    "resolved": "resolve",
    "mitigated": "mitigate",
    "cancelled": "cancel",
    "in_triage": "in_triage",
}
"""Statuses reached through their own endpoint (``PUT /v1/incidents/{id}/<action>``, which takes the
transition's message); every other status is written with a ``PUT`` of ``status``. Reopening uses
``/restart``."""
MESSAGE_ATTRIBUTES: Mapping[str, str] = {
    "resolve": "resolution_message",
    "mitigate": "mitigation_message",
    "cancel": "cancellation_message",
}
STEP_NAMES: Mapping[str, str] = {
    "in_triage": "triage",
    "detected": "detect",
    "started": "start",
    "acknowledged": "acknowledge",
    "mitigated": "mitigate",
    "resolved": "resolve",
    "closed": "close",
    "cancelled": "cancel",
}
"""The name of the step that moves an incident to each status, as reported in ``steps``."""


@dataclass(frozen=True)
class Transition:
    """One request of a status change: an endpoint (``action``) or a ``PUT`` of ``status``."""

    name: str
    action: str
    status: str

    @property
    def by_status_put(self) -> bool:
        return self.action == "status"


def transition_to(status: str) -> Transition:
    return Transition(STEP_NAMES[status], STATUS_ENDPOINTS.get(status, "status"), status)


RESTART = Transition("restart", "restart", RESTARTED_STATUS)


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """The Rootly status to write for a status word or phase; maintenance statuses are read only."""
    if word.strip().lower() in MAINTENANCE_STATUSES:
        raise IncidentValidationError(
            field_name,
            f"{word!r} is a scheduled-maintenance status, which this provider only reads; writable: "
            f"{', '.join(WRITABLE_STATUSES)}",
            vendor=NAME,
        )
    return lookup_status(word, WRITABLE_STATUSES, PHASE_STATUSES, NAME, field_name)
