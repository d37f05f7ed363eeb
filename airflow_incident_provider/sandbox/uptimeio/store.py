"""UptimeIO account state and the status-page incident rules (update, timeline updates, resolve, lists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import forbidden, not_found, validation_error
from .model import RESOLVED, SEVERITIES, STATUSES, IdFactory, Incident, Monitor, Project, StatusPage, Update

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from .validation import ListQuery, PatchIncident

DEFAULT_RESOLUTION_MESSAGE = "This incident has been resolved."
"""Used when ``POST .../resolve`` has no message (UptimeIO says a default is used, not which)."""
MAX_UPDATES = 1000


class UptimeIOStore:
    """One fake UptimeIO account as its API key sees it: projects, status pages, monitors, incidents."""

    def __init__(
        self,
        projects: Iterable[Project],
        pages: Iterable[StatusPage],
        monitors: Iterable[Monitor],
        actor_id: str,
    ) -> None:
        self.projects = {p.id: p for p in projects}
        self.pages = {p.id: p for p in pages}
        self.monitors = {m.id: m for m in monitors}
        self.actor_id = actor_id
        self.incidents: dict[str, Incident] = {}
        self.ids = IdFactory()

    # ------------------------------------------------------------ lookups

    def page(self, project_id: str, page_id: str, action: str = "access this status page") -> StatusPage:
        project = self.projects.get(project_id.lower())
        if project is None:
            raise not_found("Project")
        if not project.accessible:
            raise forbidden(action)
        page = self.pages.get(page_id.lower())
        if page is None or page.project_id != project.id:
            raise not_found("Status page")
        return page

    def incident(self, page: StatusPage, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id.lower())
        if incident is None or incident.status_page_id != page.id:
            raise not_found("Incident")
        return incident

    def _check_monitors(self, page: StatusPage, monitor_ids: list[str]) -> list[str]:
        wrong = [m for m in monitor_ids if m not in page.monitor_ids]
        if wrong:
            raise validation_error(
                f"Invalid monitor IDs: {', '.join(wrong)} - monitors must belong to this status page"
            )
        return list(dict.fromkeys(monitor_ids))

    # ------------------------------------------------------------ operations

    def create(self, page: StatusPage, request: PatchIncident, at: datetime) -> Incident:
        """Open an incident with its first timeline update (sandbox convenience: undocumented at UptimeIO)."""
        assert request.title is not None
        assert request.message is not None
        assert request.severity is not None
        monitors = self._check_monitors(page, request.affected_monitor_ids or [])
        incident = Incident(
            id=self.ids.make("incident"),
            number=len(self.incidents) + 1,
            status_page_id=page.id,
            title=request.title,
            message=request.message,
            severity=request.severity,
            status=request.status or STATUSES[0],
            affected_monitor_ids=monitors,
            created_at=at,
            updated_at=at,
        )
        incident.set_status(incident.status, at)
        self.incidents[incident.id] = incident
        self._add(incident, request.message, incident.status, at)
        return incident

    def patch(self, page: StatusPage, incident: Incident, request: PatchIncident, at: datetime) -> Incident:
        """Apply the given fields; the status may move anywhere (UptimeIO documents no order)."""
        if request.affected_monitor_ids is not None:
            incident.affected_monitor_ids = self._check_monitors(page, request.affected_monitor_ids)
        if request.title is not None:
            incident.title = request.title
        if request.message is not None:
            incident.message = request.message
        if request.severity is not None:
            incident.severity = request.severity
        if request.status is not None:
            incident.set_status(request.status, at)
        incident.updated_at = at
        return incident

    def _add(self, incident: Incident, message: str, status: str, at: datetime) -> Update:
        if len(incident.updates) >= MAX_UPDATES:
            raise validation_error(f"An incident can have at most {MAX_UPDATES} updates")
        update = Update(self.ids.make("update"), incident.id, message, status, at, self.actor_id)
        incident.updates.append(update)
        return update

    def add_update(self, incident: Incident, message: str, status: str, at: datetime) -> Update:
        """A timeline update; its status becomes the incident's status."""
        update = self._add(incident, message, status, at)
        incident.set_status(status, at)
        incident.updated_at = at
        return update

    def resolve(self, incident: Incident, message: str | None, at: datetime) -> Update:
        """Resolve with a resolution update; resolving twice is refused."""
        if incident.status == RESOLVED:
            raise validation_error("Incident is already resolved")
        return self.add_update(incident, message or DEFAULT_RESOLUTION_MESSAGE, RESOLVED, at)

    def query(self, page: StatusPage, q: ListQuery) -> list[Incident]:
        found = [
            i
            for i in self.incidents.values()
            if i.status_page_id == page.id
            and (q.status is None or i.status == q.status)
            and (q.severity is None or i.severity == q.severity)
        ]
        found.sort(key=lambda i: i.number)  # ties keep creation order
        found.sort(key=lambda i: _sort_key(i, q.sort_by), reverse=q.sort_order == "desc")
        return found


def _sort_key(incident: Incident, field: str) -> float:
    if field == "severity":
        return float(SEVERITIES.index(incident.severity))
    if field == "status":
        return float(STATUSES.index(incident.status))
    if field == "updated_at":
        return incident.updated_at.timestamp()
    return incident.created_at.timestamp()
