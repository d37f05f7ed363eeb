"""UptimeIO's severities (minor, major, critical) and the one a one-step escalation moves to."""

from __future__ import annotations

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.vendors.base import one_of
from airflow_incident_provider.vendors.uptimeio.api import NAME

SEVERITIES = ("minor", "major", "critical")
"""UptimeIO's severities, lowest first: the one ordered scale that escalation climbs."""


def severity(word: str) -> str:
    return one_of(word, SEVERITIES, "severity", "a severity", NAME)


def next_severity(current: str | None) -> str | None:
    """One step up :data:`SEVERITIES` from ``current`` as an absolute target; None at the top.

    An incident without a severity steps onto the lowest one. A severity outside the scale cannot be
    placed on it, so it is refused rather than guessed.
    """
    if current is None:
        return SEVERITIES[0]
    rung = current.strip().lower()
    if rung not in SEVERITIES:
        raise IncidentValidationError(
            "severity",
            f"the incident's severity {current!r} is not on UptimeIO's scale ({', '.join(SEVERITIES)}), "
            "so one step up cannot be computed; pass severity=... explicitly",
            vendor=NAME,
        )
    index = SEVERITIES.index(rung)
    return SEVERITIES[index + 1] if index + 1 < len(SEVERITIES) else None


def escalation_target(current: str | None, requested: str | None) -> tuple[str | None, str]:
    """What escalating an incident now at severity ``current`` writes, and the step's detail.

    ``requested`` is an explicit severity, or None for one step up. Returns the absolute severity to
    write, or None when nothing is written: at the top, or when the target would not raise the
    incident (escalating never lowers a severity; lower it with an update on purpose).
    """
    if requested is None:
        target = next_severity(current)
        if target is None:
            return None, "already at the top"
    else:
        target = severity(requested)
        if current in SEVERITIES:
            if current == target:
                return None, f"already {current}"
            if SEVERITIES.index(target) < SEVERITIES.index(current):
                return None, f"already {current}, above {target}"
    return target, f"severity {current} -> {target}"
