"""The fake Statuspage account: pages, components, incidents with their updates, and sample incidents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .validation import MAINTENANCE, REALTIME, IncidentBody, forbidden, invalid, not_found

PAGE_ID = "sbxpage00001"
"""The page a sandbox connection points at."""
OTHER_PAGE_ID = "sbxpage00002"
"""A second page of the account: its incidents are reached with a full ref."""
FORBIDDEN_PAGE_ID = "sbxpage00099"
"""A page that exists but the sandbox key may not touch (403)."""
COMPONENTS = {"sbxcomp00api": "API", "sbxcomp00web": "Dashboard", "sbxcomp0pays": "Payments"}
IMPACT_OF_COMPONENT = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}
"""How the sandbox computes an incident's impact from its components when no override is set (a guess:
Statuspage documents only that the impact is calculated)."""


def make_id(kind: str, count: int) -> str:
    """A 12-character lower-case id, as Statuspage's look, the same sequence after every reset."""
    return hashlib.sha256(f"{kind}:{count}".encode()).hexdigest()[:12]


@dataclass
class Update:
    id: str
    status: str
    body: str
    created_at: datetime
    deliver_notifications: bool


@dataclass
class Incident:
    id: str
    page_id: str
    name: str
    status: str
    created_at: datetime
    updated_at: datetime
    impact_override: str | None = None
    resolved_at: datetime | None = None
    monitoring_at: datetime | None = None
    components: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)

    @property
    def impact(self) -> str:
        if self.impact_override is not None:
            return self.impact_override
        if self.status in MAINTENANCE:
            return "maintenance"
        ranks = ("none", "minor", "major", "critical")
        return max(
            (IMPACT_OF_COMPONENT.get(s, "none") for s in self.components.values()),
            key=ranks.index,
            default="none",
        )


class StatuspageStore:
    """One account as its API key sees it."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.count = 0

    @staticmethod
    def page(page_id: str) -> str:
        if page_id == FORBIDDEN_PAGE_ID:
            raise forbidden()
        if page_id not in (PAGE_ID, OTHER_PAGE_ID):
            raise not_found()
        return page_id

    def incident(self, page_id: str, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id)
        if incident is None or incident.page_id != self.page(page_id):
            raise not_found()
        return incident

    def create(self, page_id: str, body: IncidentBody, at: datetime) -> Incident:
        self.count += 1
        status = body.get("status") or "investigating"
        incident = Incident(
            make_id("incident", self.count), self.page(page_id), body.get("name"), status, at, at
        )
        self.incidents[incident.id] = incident
        self.apply(incident, body, at, opening=True)
        return incident

    def apply(
        self, incident: Incident, body: IncidentBody, at: datetime, *, opening: bool = False
    ) -> Incident:
        """Set the given fields; a status change, a body or an opening posts an incident update.

        The status stays within its kind (a realtime incident is not moved to a maintenance status, nor
        the reverse); any move within it is allowed, as Statuspage documents no order."""
        status = body.get("status") or incident.status
        kind = MAINTENANCE if incident.status in MAINTENANCE else REALTIME
        if status not in kind:
            raise invalid([f"Status {status} is not a status of this incident (allowed: {', '.join(kind)})"])
        components = {**incident.components, **(body.get("components") or {})}
        ids = [*(body.get("components") or {}), *(body.get("component_ids") or [])]
        unknown = [c for c in ids if c not in COMPONENTS]
        if unknown:
            raise invalid([f"Component {c} not found" for c in unknown])
        for component in body.get("component_ids") or ():
            components.setdefault(component, "operational")
        incident.components = components
        if body.get("name") is not None:
            incident.name = body.get("name")
        if body.get("impact_override") is not None:
            incident.impact_override = body.get("impact_override")
        if body.get("metadata") is not None:
            incident.metadata = dict(body.get("metadata"))  # replaced whole, not merged
        text = body.get("body")
        if opening or status != incident.status or text is not None:
            notify = body.get("deliver_notifications")
            self.count += 1
            update = Update(make_id("update", self.count), status, text or "", at, notify is not False)
            incident.updates.insert(0, update)
        self.move(incident, status, at)
        return incident

    @staticmethod
    def move(incident: Incident, status: str, at: datetime) -> None:
        if status in ("resolved", "completed"):
            incident.resolved_at = incident.resolved_at if incident.status == status else at
        else:
            incident.resolved_at = None
        if status in ("monitoring", "verifying") and incident.status != status:
            incident.monitoring_at = at
        incident.status = status
        incident.updated_at = at

    def listed(self, page_id: str, *, unresolved: bool = False) -> list[Incident]:
        """The page's incidents, newest first; ``unresolved``: its realtime incidents not yet resolved
        (investigating, identified or monitoring), as Statuspage's unresolved list holds, maintenances not
        among them (they have lists of their own)."""
        found = [i for i in self.incidents.values() if i.page_id == self.page(page_id)]
        if unresolved:
            found = [i for i in found if i.status in REALTIME and i.status != "resolved"]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)


def load_samples(store: StatuspageStore, now: datetime) -> None:
    """Incidents in every realtime status and a scheduled maintenance; one on the second page."""

    def create(
        name: str, body: str, components: dict[str, str], hours: float, page: str = PAGE_ID
    ) -> Incident:
        request = IncidentBody(
            {"name": name, "body": body, "components": components, "deliver_notifications": False}
        )
        return store.create(page, request, now - timedelta(hours=hours))

    def move(incident: Incident, status: str, body: str, hours: float) -> None:
        request = IncidentBody({"status": status, "body": body, "deliver_notifications": False})
        store.apply(incident, request, now - timedelta(hours=hours))

    done = create(
        "Elevated API error rates", "We are investigating errors.", {"sbxcomp00api": "partial_outage"}, 120
    )
    move(done, "identified", "A faulty deploy was identified.", 119)
    move(done, "resolved", "Error rates are back to normal.", 118)
    slow = create(
        "Slow dashboard loading", "Some dashboards load slowly.", {"sbxcomp00web": "degraded_performance"}, 24
    )
    move(slow, "monitoring", "A cache node was replaced; monitoring.", 20)
    pay = create(
        "Card payments failing", "Card payments fail for some customers.", {"sbxcomp0pays": "major_outage"}, 3
    )
    move(pay, "identified", "The payment provider's certificate expired.", 2)
    create("Intermittent login timeouts", "We are looking into login timeouts.", {}, 0.3)
    store.create(
        PAGE_ID,
        IncidentBody(
            {
                "name": "Database upgrade",
                "status": "scheduled",
                "body": "Planned upgrade.",
                "deliver_notifications": False,
            }
        ),
        now - timedelta(hours=5),
    )
    create("Delayed batch exports", "Exports are running late.", {}, 6, OTHER_PAGE_ID)
