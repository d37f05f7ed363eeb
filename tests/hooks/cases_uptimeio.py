"""UptimeIO's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.sandbox.uptimeio import PROJECT_ID, STATUS_PAGE_ID
from tests.hooks.across import PUBLIC, AsyncWrites, Case, RateLimit, public_update


def stored_severity(handle: Any, incident_id: str, severity: str) -> None:
    """The escalation stored the severity (UptimeIO cannot create, so this is what shows it)."""
    assert handle.incident(incident_id)["severity"] == severity


CASE = Case(
    fixture="uptimeio",
    new_incident=lambda uptimeio: uptimeio.with_status("investigating"),
    first_status="investigating",
    moves=public_update("mitigated", "Fix deployed.", PUBLIC),
    moved=("monitoring",),
    resolve_options=PUBLIC,
    resolved_listed=2,
    listed_exactly=True,
    stored_resolved="resolved",
    refusal="Invalid or missing API key",
    refusal_code="UNAUTHORIZED",
    credential_hint="the API key in the password",
    some_incident=lambda uptimeio: uptimeio.with_status("identified"),
    extra={"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID},
    offline_extra={"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID},
    writes=AsyncWrites(
        None,
        PUBLIC,
        ("severity", "major"),
        None,
        existing=lambda uptimeio: uptimeio.create(severity="minor"),
        after=lambda uptimeio, ref: stored_severity(uptimeio, ref, "major"),
    ),
    rate_limited=RateLimit(
        "RATE_LIMITED",
        "RATE_LIMITED",
        lambda uptimeio: uptimeio.with_status("identified"),
        1,
        lambda s: s > 2,
    ),
)
