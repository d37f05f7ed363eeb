"""DevHelm organization state and the status-page incident rules (PUT, timeline updates, listing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import invalid, not_found, short
from .model import Component, IdFactory, Incident, StatusPage, TimelineUpdate

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from .validation import CreateRequest, TimelineRequest, UpdateRequest


class DevHelmStore:
    """One fake DevHelm workspace: its status pages and their incidents."""

    def __init__(self, pages: Iterable[StatusPage]) -> None:
        self.pages = {page.id: page for page in pages}
        self.incidents: dict[str, Incident] = {}
        self.ids = IdFactory()

    # ------------------------------------------------------------ lookups

    def page(self, page_id: str) -> StatusPage:
        page = self.pages.get(page_id)
        if page is None:
            raise not_found("Status page")
        return page

    def get(self, page_id: str, incident_id: str) -> Incident:
        """An incident is found only through its own status page."""
        self.page(page_id)
        incident = self.incidents.get(incident_id)
        if incident is None or incident.page_id != page_id:
            raise not_found("Incident")
        return incident

    def _affected(self, page: StatusPage, affected: dict[str, str] | None) -> dict[str, str] | None:
        for component_id in affected or {}:
            if component_id not in page.components:
                raise invalid(
                    "affectedComponents",
                    "INVALID_VALUE",
                    f"Component {short(component_id)} is not on status page {page.id}",
                )
        return affected

    @staticmethod
    def _set_status(incident: Incident, status: str, at: datetime) -> None:
        """RESOLVED stamps ``resolvedAt``; any other status clears it (a reopened incident)."""
        if status == incident.status:
            return
        incident.status = status
        incident.resolved_at = at if status == "RESOLVED" else None

    # ------------------------------------------------------------ operations

    def create(self, page_id: str, request: CreateRequest, at: datetime) -> Incident:
        page = self.page(page_id)
        affected = self._affected(page, request.affected) or {}
        incident = Incident(
            id=self.ids.make("incident"),
            page_id=page.id,
            title=request.title,
            status=request.status,
            impact=request.impact,
            started_at=at,
            created_at=at,
            updated_at=at,
            published_at=at,
            resolved_at=at if request.status == "RESOLVED" else None,
            affected=dict(affected),
        )
        incident.updates.append(
            TimelineUpdate(
                self.ids.make("update"), request.status, request.body, request.notify_subscribers, at
            )
        )
        self.incidents[incident.id] = incident
        return incident

    def update(self, incident: Incident, request: UpdateRequest, at: datetime) -> Incident:
        """The PUT: absent or null fields are kept, ``""`` clears a postmortem field.

        A status set here adds no timeline update (a sandbox choice: the timeline is what customers read).
        """
        affected = self._affected(self.page(incident.page_id), request.affected)
        if request.title is not None:
            incident.title = request.title
        if request.status is not None:
            self._set_status(incident, request.status, at)
        if request.impact is not None:
            incident.impact = request.impact
        if affected is not None:
            incident.affected = dict(affected)
        if request.postmortem_body is not None:
            incident.postmortem_body = request.postmortem_body or None
        if request.postmortem_url is not None:
            incident.postmortem_url = request.postmortem_url or None
        incident.updated_at = at
        return incident

    def post_update(self, incident: Incident, request: TimelineRequest, at: datetime) -> Incident:
        """A timeline update moves the incident to the update's status (and its components, if given)."""
        affected = self._affected(self.page(incident.page_id), request.affected)
        incident.updates.append(
            TimelineUpdate(
                self.ids.make("update"), request.status, request.body, request.notify_subscribers, at
            )
        )
        self._set_status(incident, request.status, at)
        if affected is not None:
            incident.affected = dict(affected)
        incident.updated_at = at
        return incident

    def query(self, page_id: str, statuses: set[str]) -> list[Incident]:
        """The page's incidents, newest first (a sandbox choice: the spec names no default order)."""
        self.page(page_id)
        found = [
            incident
            for incident in self.incidents.values()
            if incident.page_id == page_id and (not statuses or incident.status in statuses)
        ]
        return sorted(found, key=lambda incident: (incident.created_at, incident.id), reverse=True)


def components(page: StatusPage, *named: Component) -> None:
    for component in named:
        page.components[component.id] = component
