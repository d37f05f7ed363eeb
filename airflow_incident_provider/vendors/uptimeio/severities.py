"""UptimeIO's severities (minor, major, critical): the scale an escalation climbs."""

from __future__ import annotations

from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import one_of
from airflow_incident_provider.vendors.uptimeio.api import NAME

SEVERITIES = ("minor", "major", "critical")
"""UptimeIO's severities, lowest first: the one ordered scale that escalation climbs."""


def severity(word: str) -> str:
    return one_of(word, SEVERITIES, "severity", "a severity", NAME)


def escalation_target(current: str | None, requested: str | None) -> tuple[str | None, str]:
    """What escalating an incident now at severity ``current`` writes, and the step's detail (see
    :func:`status_pages.escalation_target`); an incident with no severity yet steps onto the lowest."""
    rung = current.strip().lower() if current else None
    target = severity(requested) if requested is not None else None
    if target is None and rung is None:
        target = SEVERITIES[0]
    return pages.escalation_target(SEVERITIES, rung, target, what="severity", vendor=NAME)
