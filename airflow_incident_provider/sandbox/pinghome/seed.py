"""The fake Pinghome organisation (account, users, teams) and its sample incidents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .model import Assignee, Team, User
from .store import PinghomeStore
from .validation import IncidentBody

#: The account that signs in with email and password (the password is the sandbox's ``pinghome-signin``).
ACCOUNT_EMAIL = "oncall@example.com"

USERS = (
    User("0b6f4a52-7d1e-4c3a-9f5e-2a1b3c4d5e01", "Alex Rivera", ACCOUNT_EMAIL),
    User("0b6f4a52-7d1e-4c3a-9f5e-2a1b3c4d5e02", "Blair Chen", "blair.chen@example.com"),
    User("0b6f4a52-7d1e-4c3a-9f5e-2a1b3c4d5e03", "Casey Okafor", "casey.okafor@example.com"),
)

PLATFORM_TEAM = Team("445a5c1f-c0eb-403a-96d7-3976e5dc74ed", "Platform", (USERS[0].id, USERS[1].id))
PAYMENTS_TEAM = Team("c03b02ec-244f-4d2c-8f68-3910071ed5c8", "Payments", (USERS[2].id,))
TEAMS = (PLATFORM_TEAM, PAYMENTS_TEAM)

#: The team a sandbox connection names in ``team_id``.
DEFAULT_TEAM_ID = PLATFORM_TEAM.id
STATUS_PAGE_ID = "7d2c1b0a-9e8f-4a6b-8c5d-3e2f1a0b9c8d"
COMPONENT_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def new_store() -> PinghomeStore:
    return PinghomeStore(USERS, TEAMS)


def load_samples(store: PinghomeStore, now: datetime) -> None:
    """Incidents of two teams in every status, oldest first; the Platform team has enough to page."""

    def at(**delta: float) -> datetime:
        return now - timedelta(**delta)

    def create(
        team: Team,
        name: str,
        urgency: str,
        when: datetime,
        *,
        description: str | None = None,
        assignees: list[Assignee] | None = None,
        actions: list[dict[str, Any]] | None = None,
    ) -> str:
        body = IncidentBody(
            name=name,
            description=description if description is not None else f"Sample incident: {name}",
            urgency=urgency,
            assignees=assignees if assignees is not None else [Assignee("team", team.id)],
            actions=actions or [],
        )
        return store.create(team.id, body, when).id

    def move(incident_id: str, status: str, when: datetime) -> None:
        incident = store.get(incident_id)
        body = IncidentBody(
            incident.name,
            incident.description,
            incident.urgency,
            incident.assignees,
            incident.actions,
            status,
        )
        store.replace(incident, body, when)

    platform, payments = PLATFORM_TEAM, PAYMENTS_TEAM
    create(platform, "Backup verification has not run", "medium", at(days=45))
    certificate = create(platform, "Certificate expiry warning", "low", at(days=10))
    move(certificate, "acknowledged", at(days=9))
    create(
        platform, "Nightly export job failed", "low", at(days=6), assignees=[Assignee("user", USERS[1].id)]
    )
    backlog = create(
        platform,
        "Payment webhook backlog growing",
        "high",
        at(days=3),
        description="Consumers stuck on a poison message.\n\n---\nResolution: skipped it and scaled to 6.",
    )
    move(backlog, "resolved", at(days=3) + timedelta(hours=1))
    latency = create(
        platform,
        "Checkout p99 latency over 2 s",
        "medium",
        at(hours=2),
        assignees=[Assignee("user", USERS[0].id)],
    )
    move(latency, "acknowledged", at(hours=1, minutes=55))
    create(
        platform,
        "Checkout API error rate above 5%",
        "high",
        at(minutes=12),
        actions=[
            {
                "type": "trigger-alerts",
                "settings": [{"id": "", "status_page_id": STATUS_PAGE_ID, "component_id": COMPONENT_ID}],
            }
        ],
    )
    create(
        payments, "Card processor timeouts", "high", at(hours=5), assignees=[Assignee("team", payments.id)]
    )
