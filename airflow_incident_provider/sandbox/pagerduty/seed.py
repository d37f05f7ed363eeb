"""The fake PagerDuty account (users, teams, services, policy, priorities) and its sample incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from .model import EscalationPolicy, Priority, Service, Team, User
from .store import PagerDutyStore
from .validation import CreateIncident, PriorityInput, UpdateIncident

USERS = (
    User("PUSER01", "Alex Rivera", "alex.rivera@example.com"),
    User("PUSER02", "Blair Chen", "blair.chen@example.com"),
    User("PUSER03", "Casey Okafor", "casey.okafor@example.com"),
    User("PUSER04", "Dana Novak", "dana.novak@example.com"),
)

#: The user a sandbox connection acts as (its ``From`` header).
DEFAULT_FROM_EMAIL = USERS[0].email
#: The responder who makes scripted changes on the website: not the connection's user, so a test can tell
#: a scripted change from one its DAG made.
SCRIPTED_ACTOR_ID = USERS[1].id

ESCALATION_POLICY = EscalationPolicy(
    "PESCAL1",
    "Sandbox Default Escalation",
    levels=(("PUSER01",), ("PUSER02",), ("PUSER03", "PUSER04")),
)

TEAMS = (
    Team("PTEAM01", "Payments"),
    Team("PTEAM02", "Data Platform"),
)
"""Each owns one service; a service's incidents are listed under its teams."""

SERVICES = (
    Service("PSVC001", "Checkout API", ESCALATION_POLICY.id, default_urgency="high", teams=TEAMS[:1]),
    Service("PSVC002", "Nightly Data Pipeline", ESCALATION_POLICY.id, default_urgency="low", teams=TEAMS[1:]),
)

PRIORITIES = (
    Priority("PPRIO01", "P1", "Critical: customer-facing outage, public communication needed"),
    Priority("PPRIO02", "P2", "Critical system issue affecting many customers"),
    Priority("PPRIO03", "P3", "Stability or minor customer-facing issue needing prompt attention"),
    Priority("PPRIO04", "P4", "Minor issue requiring action, customers unaffected"),
    Priority("PPRIO05", "P5", "Cosmetic issue or bug, customers unaffected"),
)


def new_store() -> PagerDutyStore:
    return PagerDutyStore(USERS, SERVICES, (ESCALATION_POLICY,), PRIORITIES)


def load_samples(store: PagerDutyStore, now: datetime) -> None:
    """Incidents in every status, oldest first, with timelines; one predates the default 30-day window."""
    alex, blair, casey = (store.users[u] for u in ("PUSER01", "PUSER02", "PUSER03"))

    def at(**delta: float) -> datetime:
        return now - timedelta(**delta)

    def create(title: str, service: str, when: datetime, key: str, priority: str | None) -> str:
        request = CreateIncident(
            title=title,
            service_id=service,
            incident_key=key,
            priority=PriorityInput(name=priority) if priority else None,
            body_details=f"Sample incident: {title}",
        )
        return store.create(request, alex, when).id

    # Triggered, low urgency, no priority, 45 days old: hidden by the default 30-day list window.
    create("Backup verification has not run", "PSVC002", at(days=45), "sandbox-backup-verify", None)

    # Triggered, low urgency, P4, escalated to level 3.
    export = store.incidents[
        create("Nightly export job failed", "PSVC002", at(days=6), "sandbox-nightly-export", "P4")
    ]
    store.update(export, UpdateIncident(escalation_level=3), casey, at(days=5, hours=23))

    # Resolved, escalated once before resolution, P3.
    done = store.incidents[
        create("Payment webhook backlog growing", "PSVC001", at(days=3), "sandbox-webhook-backlog", "P3")
    ]
    store.update(done, UpdateIncident(escalation_level=2), alex, at(days=3) + timedelta(minutes=30))
    store.update(done, UpdateIncident(status="acknowledged"), blair, at(days=3) + timedelta(minutes=34))
    store.add_note(
        done, "Consumers were stuck on a poison message.", blair, at(days=3) + timedelta(minutes=50)
    )
    store.update(
        done,
        UpdateIncident(status="resolved", resolution="Skipped the poison message and scaled consumers to 6."),
        blair,
        at(days=3) + timedelta(hours=1, minutes=10),
    )

    # Acknowledged, high urgency, P2, with a note.
    ack = store.incidents[
        create("Checkout p99 latency over 2 s", "PSVC001", at(hours=2), "sandbox-checkout-latency", "P2")
    ]
    store.update(ack, UpdateIncident(status="acknowledged"), alex, at(hours=1, minutes=55))
    store.add_note(
        ack, "Slow queries on the orders table; looking at the plan.", alex, at(hours=1, minutes=40)
    )

    # Triggered, high urgency, P1, created a few minutes ago.
    create("Checkout API error rate above 5%", "PSVC001", at(minutes=12), "sandbox-checkout-5xx", "P1")
