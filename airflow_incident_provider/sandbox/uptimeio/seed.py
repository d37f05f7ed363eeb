"""The fake UptimeIO account (projects, status pages, monitors) and its sample incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from .model import Monitor, Project, StatusPage
from .store import UptimeIOStore
from .validation import PatchIncident

PROJECT_ID = "6a0f1c52-4b1e-4c1a-9a52-1f6b2d3c4e01"
STATUS_PAGE_ID = "5b7e2d10-8c3a-4f0e-b1d2-2a3b4c5d6e01"
"""The status page a sandbox connection points at."""
OTHER_STATUS_PAGE_ID = "5b7e2d10-8c3a-4f0e-b1d2-2a3b4c5d6e02"
"""A second page of the same project: its incidents are reached only with a full ref."""
FORBIDDEN_PROJECT_ID = "6a0f1c52-4b1e-4c1a-9a52-1f6b2d3c4e99"
"""A project that exists but that the sandbox key may not touch (403)."""
FORBIDDEN_STATUS_PAGE_ID = "5b7e2d10-8c3a-4f0e-b1d2-2a3b4c5d6e99"
ACTOR_ID = "7c1d9e20-3f4a-4b5c-8d6e-7f8a9b0c1d01"
"""The user the sandbox key belongs to (``created_by`` of updates)."""

MONITORS = (
    Monitor("770e8400-e29b-41d4-a716-446655440010", "Public API", "http", "down"),
    Monitor("770e8400-e29b-41d4-a716-446655440011", "Web dashboard", "http", "degraded"),
    Monitor("770e8400-e29b-41d4-a716-446655440012", "Checkout", "http", "down"),
    Monitor("770e8400-e29b-41d4-a716-446655440013", "Batch exports", "tcp", "up"),
)
API, DASHBOARD, CHECKOUT, EXPORTS = (m.id for m in MONITORS)

PROJECTS = (
    Project(PROJECT_ID, "Sandbox project"),
    Project(FORBIDDEN_PROJECT_ID, "Someone else's project", accessible=False),
)
PAGES = (
    StatusPage(STATUS_PAGE_ID, PROJECT_ID, "Sandbox status", (API, DASHBOARD, CHECKOUT)),
    StatusPage(OTHER_STATUS_PAGE_ID, PROJECT_ID, "Sandbox internal tools", (EXPORTS,)),
    StatusPage(FORBIDDEN_STATUS_PAGE_ID, FORBIDDEN_PROJECT_ID, "Not yours", ()),
)


def new_store() -> UptimeIOStore:
    return UptimeIOStore(PROJECTS, PAGES, MONITORS, ACTOR_ID)


def load_samples(store: UptimeIOStore, now: datetime) -> None:
    """Incidents in every status, oldest first, with timelines; one on a second page."""
    page = store.pages[STATUS_PAGE_ID]

    def at(**delta: float) -> datetime:
        return now - timedelta(**delta)

    def create(title: str, message: str, severity: str, monitors: list[str], when: datetime) -> str:
        request = PatchIncident(
            title=title, message=message, severity=severity, affected_monitor_ids=monitors
        )
        return store.create(page, request, when).id

    # Resolved, with a full timeline.
    done = store.incidents[
        create(
            "Elevated API error rates",
            "We are investigating elevated error rates on the public API.",
            "major",
            [API],
            at(days=5),
        )
    ]
    store.add_update(
        done, "A faulty deploy was identified; rolling back.", "identified", at(days=5, hours=-1)
    )
    store.add_update(done, "Rollback complete; watching error rates.", "monitoring", at(days=5, hours=-2))
    store.resolve(done, "Error rates are back to normal.", at(days=5, hours=-3))

    # Monitoring, minor.
    slow = store.incidents[
        create(
            "Slow dashboard loading",
            "Some dashboards load slowly.",
            "minor",
            [DASHBOARD],
            at(days=1),
        )
    ]
    store.add_update(slow, "A cache node was replaced; monitoring load times.", "monitoring", at(hours=20))

    # Identified, critical.
    pay = store.incidents[
        create(
            "Checkout payments failing",
            "Card payments fail for some customers.",
            "critical",
            [CHECKOUT, API],
            at(hours=3),
        )
    ]
    store.add_update(
        pay, "The payment provider's certificate expired; renewing it.", "identified", at(hours=2)
    )

    # Investigating, a few minutes old.
    create(
        "Intermittent login timeouts",
        "We are looking into reports of login timeouts.",
        "major",
        [API, DASHBOARD],
        at(minutes=20),
    )

    # On the second page of the project.
    other = store.pages[OTHER_STATUS_PAGE_ID]
    store.create(
        other,
        PatchIncident(
            title="Delayed batch exports",
            message="Exports are running late.",
            severity="minor",
            affected_monitor_ids=[EXPORTS],
        ),
        at(hours=6),
    )
