"""The fake DevHelm workspace: two status pages with components, and sample incidents in every status."""

from __future__ import annotations

from datetime import datetime, timedelta

from .model import Component, StatusPage
from .store import DevHelmStore, components
from .validation import CreateRequest, TimelineRequest, UpdateRequest

DEFAULT_STATUS_PAGE_ID = "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c"
"""The public status page the sandbox connection points at."""
SECOND_STATUS_PAGE_ID = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"

API = Component("0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4", "Public API")
DASHBOARD = Component("1c7f2d3e-4a5b-4c6d-9e7f-8091a2b3c4d5", "Dashboard")
WEBHOOKS = Component("2d8a3e4f-5b6c-4d7e-af80-91a2b3c4d5e6", "Webhooks")
RUNNERS = Component("3e9b4f5a-6c7d-4e8f-b091-a2b3c4d5e6f7", "CI runners")


def new_store(now: datetime) -> DevHelmStore:
    public = StatusPage(DEFAULT_STATUS_PAGE_ID, "Acme Cloud Status", "acme-cloud", now - timedelta(days=400))
    components(public, API, DASHBOARD, WEBHOOKS)
    internal = StatusPage(
        SECOND_STATUS_PAGE_ID, "Acme Internal Tools", "acme-internal", now - timedelta(days=90)
    )
    components(internal, RUNNERS)
    return DevHelmStore((public, internal))


def load_samples(store: DevHelmStore, now: datetime) -> None:
    """One incident per status on the default page, oldest first, and one on the second page."""

    def at(**delta: float) -> datetime:
        return now - timedelta(**delta)

    def create(
        page: str, title: str, impact: str, affected: tuple[Component, str], body: str, when: datetime
    ) -> str:
        component, state = affected
        request = CreateRequest(title, impact, body, "INVESTIGATING", False, {component.id: state})
        return store.create(page, request, when).id

    def post(incident_id: str, status: str, body: str, when: datetime) -> None:
        store.post_update(store.incidents[incident_id], TimelineRequest(status, body, False), when)

    page = DEFAULT_STATUS_PAGE_ID
    started = at(days=5)
    sso = create(
        page, "Login failures for SSO users", "CRITICAL", (API, "MAJOR_OUTAGE"),
        "Some users cannot sign in with SSO. We are investigating.", started,
    )  # fmt: skip
    post(
        sso,
        "IDENTIFIED",
        "An expired signing certificate at our identity provider.",
        started + timedelta(minutes=20),
    )
    post(
        sso,
        "MONITORING",
        "The certificate was rotated; sign-ins are recovering.",
        started + timedelta(minutes=45),
    )
    post(
        sso, "RESOLVED", "SSO sign-ins have been working normally for an hour.", started + timedelta(hours=2)
    )
    store.update(
        store.incidents[sso],
        UpdateRequest(affected={API.id: "OPERATIONAL"}, postmortem_url="https://example.com/postmortems/sso"),
        at(days=4),
    )

    slow = create(
        page, "Dashboard slow to load", "MINOR", (DASHBOARD, "DEGRADED_PERFORMANCE"),
        "Dashboard pages take longer than usual to load.", at(days=1),
    )  # fmt: skip
    post(slow, "IDENTIFIED", "A slow database query after yesterday's release.", at(hours=23))
    post(slow, "MONITORING", "The query was fixed; we are watching load times.", at(hours=20))

    hooks = create(
        page, "Delayed webhook deliveries", "MINOR", (WEBHOOKS, "DEGRADED_PERFORMANCE"),
        "Webhook deliveries are delayed by up to 10 minutes.", at(hours=2),
    )  # fmt: skip
    post(
        hooks,
        "IDENTIFIED",
        "A backlog in the delivery queue; we are adding workers.",
        at(hours=1, minutes=30),
    )

    create(
        page, "Elevated API error rates", "MAJOR", (API, "PARTIAL_OUTAGE"),
        "We are investigating elevated error rates on the public API.", at(minutes=10),
    )  # fmt: skip

    create(
        SECOND_STATUS_PAGE_ID, "CI runners queueing", "MINOR", (RUNNERS, "DEGRADED_PERFORMANCE"),
        "Builds wait longer than usual for a runner.", at(minutes=30),
    )  # fmt: skip
