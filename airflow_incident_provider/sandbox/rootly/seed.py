"""The sandbox's Rootly organization: two users, severities SEV0 to SEV3, two incident roles, services and
teams, and incidents in every state."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .model import IncidentRole, Severity, User
from .store import RootlyStore

if TYPE_CHECKING:
    from datetime import datetime

USERS = (
    User("4101", "Morgan Lee", "morgan.lee@example.com"),
    User("4102", "Sam Patel", "sam.patel@example.com"),
)
"""The first user owns the sandbox API key: every write is made as Morgan Lee."""
SCRIPTED_ACTOR_ID = USERS[1].id
"""Scripted changes are made by Sam Patel in the UI, so a test can tell them from the API key's writes."""

SEVERITIES = (
    Severity("5e4a0c3e-0000-4000-8000-000000000000", "SEV0", "sev0", "critical", "#D0021B", 0,
             "Critical: customer-facing outage"),
    Severity("5e4a0c3e-0000-4000-8000-000000000001", "SEV1", "sev1", "high", "#F5A623", 1,
             "Major degradation for many customers"),
    Severity("5e4a0c3e-0000-4000-8000-000000000002", "SEV2", "sev2", "medium", "#F8E71C", 2,
             "Minor degradation, workaround exists"),
    Severity("5e4a0c3e-0000-4000-8000-000000000003", "SEV3", "sev3", "low", "#4A90E2", 3,
             "Cosmetic or internal-only issue"),
)  # fmt: skip

ROLES = (
    IncidentRole("7d1c0b2a-0000-4000-8000-000000000001", "Commander", "commander", 1, False,
                 "Coordinates the response"),
    IncidentRole("7d1c0b2a-0000-4000-8000-000000000002", "Scribe", "scribe", 2, True,
                 "Keeps the timeline"),
)  # fmt: skip
"""Incident roles: a single-holder commander (the provider's default assignee role) and a multi-holder one."""

SERVICES = {
    "checkout": "3f9a1b20-0000-4000-8000-000000000001",
    "search": "3f9a1b20-0000-4000-8000-000000000002",
    "database": "3f9a1b20-0000-4000-8000-000000000003",
}
"""Service ids by name; a sample's ``service_ids`` show up as its ``services`` relationship."""
TEAMS = {
    "payments": "9b2e7c10-0000-4000-8000-000000000001",
    "platform": "9b2e7c10-0000-4000-8000-000000000002",
}
"""Team ids by name (Rootly's "groups"); a sample's ``group_ids`` show up as its ``groups`` relationship."""
SAMPLE_SCOPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "in_triage": (("checkout",), ("payments",)),
    "started": (("search",), ("platform",)),
    "acknowledged": (("database",), ("platform",)),
    "mitigated": (("checkout",), ("payments", "platform")),
    "resolved": (("search",), ("platform",)),
    "scheduled": (("database",), ("platform",)),
}
"""The services and teams of each sample, by name; the cancelled one has neither."""

MEETING_PASSWORD = "zq7-Sandbox-Pass-4821"  # noqa: S105 - fake sample data
"""The Zoom password of the sample incident with a bridge: must never reach XCom or a log."""
MEETING = {
    "zoom_meeting_id": "81234567890",
    "zoom_meeting_start_url": "https://zoom.example.invalid/s/81234567890?zak=host-key-0b7e",
    "zoom_meeting_join_url": f"https://zoom.example.invalid/j/81234567890?pwd={MEETING_PASSWORD}",
    "zoom_meeting_password": MEETING_PASSWORD,
    "zoom_meeting_pstn_password": "48213377",
    "zoom_meeting_h323_password": "48213377",
    "dial_in_numbers": [
        {"country": "US", "country_name": "US", "city": "New York", "number": "+1 555 0100", "type": "toll"}
    ],
}

SAMPLE_TITLES = {
    "in_triage": "Checkout API returning 502s",
    "started": "Search results are stale",
    "acknowledged": "Primary database failover",
    "mitigated": "Payment provider timeouts",
    "resolved": "Login page slow for EU users",
    "cancelled": "Disk usage alert on a decommissioned host",
    "scheduled": "Database maintenance window",
}
"""One sample incident per status; the acknowledged one carries a Zoom bridge with a password."""


def new_store(now: datetime) -> RootlyStore:
    return RootlyStore(USERS, SEVERITIES, ROLES, now - timedelta(days=90))


def load_samples(store: RootlyStore, now: datetime) -> None:
    """Incidents in several states, oldest first, each with a short timeline."""
    morgan, sam = (store.users[u.id] for u in USERS)

    def create(status: str, severity: int, ago: timedelta, kind: str = "normal", **extra: object) -> None:
        attributes: dict[str, Any] = {
            "title": SAMPLE_TITLES[status],
            "status": "in_triage",
            "kind": kind if kind != "normal" else None,
            "severity_id": SEVERITIES[severity].id,
            "summary": f"Sample incident: {SAMPLE_TITLES[status].lower()}.",
        }
        services, teams = SAMPLE_SCOPES.get(status, ((), ()))
        if services or teams:
            attributes["service_ids"] = [SERVICES[name] for name in services]
            attributes["group_ids"] = [TEAMS[name] for name in teams]
        if kind != "normal":
            attributes["status"] = "scheduled"
            attributes["scheduled_for"] = now + timedelta(days=2)
            attributes["scheduled_until"] = now + timedelta(days=2, hours=2)
        meeting = MEETING if extra.pop("meeting", False) else None
        incident = store.create(dict(attributes), morgan, now - ago, meeting)
        step = now - ago
        for next_status in _path_to(status):
            step += timedelta(minutes=7)
            actor = sam if next_status in ("mitigated", "resolved") else morgan
            if next_status in ("mitigated", "resolved", "cancelled"):
                action = {"mitigated": "mitigate", "resolved": "resolve", "cancelled": "cancel"}[next_status]
                store.transition(incident, action, f"Sample {action} message.", actor, step)
            else:
                store.update(incident, {"status": next_status}, actor, step)
        store.add_event(incident, "Paged the on-call engineer.", "internal", step + timedelta(minutes=1))

    create("resolved", 3, timedelta(days=4))
    create("cancelled", 3, timedelta(days=2))
    create("mitigated", 1, timedelta(hours=5))
    create("started", 2, timedelta(hours=3))
    create("acknowledged", 0, timedelta(hours=1), meeting=True)
    create("scheduled", 3, timedelta(minutes=30), kind="scheduled")
    create("in_triage", 1, timedelta(minutes=10))


def _path_to(status: str) -> list[str]:
    """The statuses a sample walks through after in_triage to reach ``status``."""
    return {
        "in_triage": [],
        "scheduled": [],
        "started": ["started"],
        "acknowledged": ["started", "acknowledged"],
        "mitigated": ["started", "mitigated"],
        "resolved": ["started", "mitigated", "resolved"],
        "cancelled": ["cancelled"],
    }[status]
