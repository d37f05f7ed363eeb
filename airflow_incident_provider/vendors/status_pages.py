"""What the status-page vendors (Statuspage, DevHelm, UptimeIO) share: the incident statuses and impacts
Statuspage set and the others follow, incidents addressed as ``pageId/incidentId`` on a page (and the
page a connection names, whose unresolved incidents waits read as a change feed), writes that reach
customers only when the caller says ``public=True``, escalation up a public scale, and the operations a
status page has no place for."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Escalation, Incident, Phase, WriteOptions
from airflow_incident_provider.vendors.base import Request, Response

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


@dataclass(frozen=True)
class ConnectionPage(Generic[Ref]):
    """A status page whose connection names one page: the extra naming it, the refs on it, the read that
    checks it, and its list of unresolved incidents, which waits share as a change feed. That list has no
    "updated since", so it is read as a snapshot (see ``hooks/snapshot_feed.py``), one read per page
    waited on, paged until every watched incident is found; a resolved incident is off it, so it is read
    on its own, which is where a wait for resolution ends anyway."""

    extra: str
    """The connection extra naming the page: of an incident id given alone, of lists and creates."""
    parse_ref: Callable[[object, str | None], Ref]
    """An incident's ``pageId/incidentId`` ref, or its id alone on the page given."""
    build_check: Callable[[str | None], Request]
    """The connection test: read the page, or list the key's pages when none is set."""
    build_unresolved: Callable[[str, int], Request]
    """One page of a page's unresolved incidents, numbered from ``first_page``."""
    parse_unresolved: Callable[[Response, str | None], tuple[list[Incident], bool]]
    """Its incidents (linked with the connection's URL template, if any) and whether another may follow."""
    first_page: int

    def scope(self, ref: str, default_page_id: str | None) -> tuple[str, str]:
        """The page a watched ref is listed on, and the ref as the list names it."""
        target = self.parse_ref(ref, default_page_id)
        return target.page_id, str(target)

    def request(self, page_id: str, page: int | None) -> Request:
        """Page ``page`` of ``page_id``'s unresolved incidents (None: the first)."""
        return self.build_unresolved(page_id, self.first_page if page is None else page)

    def parse(
        self, response: Response, page: int | None, url_template: str | None = None
    ) -> tuple[list[Incident], int | None]:
        """The unresolved incidents on page ``page`` and the next page's number (None after the last)."""
        incidents, more = self.parse_unresolved(response, url_template)
        return incidents, (self.first_page if page is None else page) + 1 if more else None


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
