"""What the status-page vendors (Statuspage, DevHelm, UptimeIO) share: the incident statuses and impacts
Statuspage set and the others follow, incidents addressed as ``pageId/incidentId`` on a page, writes
that reach customers only when the caller says ``public=True``, escalation up a public scale, and the
operations a status page has no place for."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Escalation, Incident, Phase, WriteOptions

STATUS_PHASES: Mapping[str, Phase] = {
    "investigating": Phase.OPEN,
    "identified": Phase.ACKNOWLEDGED,
    "monitoring": Phase.MITIGATED,
    "resolved": Phase.RESOLVED,
}
"""A status-page incident's statuses, in order, and their phases."""
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
IMPACTS = ("none", "minor", "major", "critical")
"""The public impact of an incident, lowest first: the scale a one-step escalation climbs."""
COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
"""What an incident may say of each component it affects."""


@dataclass(frozen=True)
class PageIncidentRef:
    """Where an incident lives: its page and its own id, both path-encoded; ``PAGES`` is the pages path."""

    PAGES: ClassVar[str] = "/pages"
    page_id: str
    incident_id: str

    @property
    def path(self) -> str:
        return f"{self.PAGES}/{self.page_id}/incidents/{self.incident_id}"

    def __str__(self) -> str:
        return f"{self.page_id}/{self.incident_id}"


Ref = TypeVar("Ref", bound=PageIncidentRef)


def parse_page_ref(
    kind: type[Ref],
    ref: object,
    default_page_id: str | None,
    *,
    segment: Callable[[object, str], str],
    page_extra: str,
    where: str,
    vendor: str,
) -> Ref:
    """``pageId/incidentId``, or an incident id alone on the connection's page (extra ``page_extra``);
    ``where`` says it in the error (``"Statuspage incidents live on a page"``)."""
    if isinstance(ref, str) and "/" in ref:
        page, _, incident = ref.strip().partition("/")
        return kind(segment(page, "incident_id (page part)"), segment(incident, "incident_id"))
    incident_id = segment(ref, "incident_id")
    if not default_page_id:
        raise IncidentValidationError(
            "incident_id",
            f"{where}: give the ref 'pageId/incidentId' or set {page_extra} in the connection's extra",
            vendor=vendor,
        )
    return kind(segment(default_page_id, page_extra), incident_id)


def require_public(options: WriteOptions, hint: str, vendor: str) -> None:
    """Refuse, before any request, a message to customers the caller did not mark ``public=True``."""
    if not options.public:
        raise IncidentValidationError("public", hint, vendor=vendor)


def refuse_resolved_escalation(incident: Incident, options: WriteOptions, vendor: str) -> None:
    """A resolved incident's public impact changes only with ``allow_reopen`` (its status stays)."""
    if incident.phase is Phase.RESOLVED and not options.allow_reopen:
        raise IncidentValidationError(
            "status",
            f"incident {incident.ref} is {incident.status}: escalating a resolved incident makes no sense; "
            "pass allow_reopen=True to change its impact anyway",
            vendor=vendor,
        )


def escalation_target(
    scale: Sequence[str], current: str | None, requested: str | None, *, what: str, vendor: str
) -> tuple[str | None, str]:
    """The rung of ``scale`` (lowest first) an escalation writes, None when it would not raise the
    incident, and the step's detail. ``requested`` is a rung the caller checked; without it the target is
    one step above ``current``, an absolute value so a retry cannot climb twice, and ``current`` must be
    on the scale to take a step from."""
    if requested is None:
        if current not in scale:
            raise IncidentValidationError(
                "severity",
                f"the incident's {what} {current!r} is not on the scale {', '.join(scale)}, so one step "
                "up cannot be computed: pass severity=... explicitly",
                vendor=vendor,
            )
        rank = scale.index(current)
        if rank == len(scale) - 1:
            return None, "already at the top"
        requested = scale[rank + 1]
    elif current in scale and scale.index(requested) <= scale.index(current):
        return None, f"already {current}" if requested == current else f"already {current}, above {requested}"
    return requested, f"{what} {current} -> {requested}"


def no_acknowledge(vendor: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{vendor}: a status page has no acknowledge (every status is a message to customers): use "
        "UpdateIncidentOperator(status='identified', public=True) to say the cause is identified"
    )


def no_assignees(vendor: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{vendor}: status-page incidents have no assignees: assign responders through your "
        "incident-management connection (ReassignIncidentOperator on PagerDuty, Rootly, Pinghome or "
        "incident.io), and tell customers with note=... (public=True)"
    )


def refuse_levels_and_assignees(escalation: Escalation, vendor: str, scale: Sequence[str], what: str) -> None:
    """A status page escalates its public ``what`` (on ``scale``) only: no levels, no assignees."""
    if escalation.escalation_level is not None:
        raise no_escalation_levels(vendor, scale, what)
    if escalation.assignees is not None:
        raise no_assignees(vendor)


def no_escalation_levels(vendor: str, scale: Sequence[str], what: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{vendor}: status pages have no escalation levels ('escalation_level' is PagerDuty's): escalate "
        f"the public {what} ({' -> '.join(scale)}) with severity=..., or with no target for one step up"
    )
