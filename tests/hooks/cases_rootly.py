"""Rootly's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.models import IncidentCreate, WriteOptions
from airflow_incident_provider.sandbox.rootly import USERS as ROOTLY_USERS
from tests.hooks.across import KEYED, AsyncWrites, Case, RateLimit


async def acknowledge_and_mitigate(hook: IncidentHook, incident_id: str) -> list[str]:
    """Rootly's moves: acknowledge with a note, then its own mitigate step."""
    acked = await hook.aacknowledge_incident(incident_id, note="async ack", options=KEYED)
    mitigated = await hook.amitigate_incident(incident_id, message="Failed over")  # type: ignore[attr-defined]
    return [acked.incident.status, mitigated.incident.status]


CASE = Case(
    fixture="rootly",
    new_incident=lambda rootly: rootly.create(status="in_triage"),
    first_status="in_triage",
    moves=acknowledge_and_mitigate,
    moved=("acknowledged", "mitigated"),
    resolve_options=WriteOptions(),
    resolved_listed=2,
    listed_exactly=False,
    stored_resolved="resolved",
    refusal="Unauthorized",
    refusal_code=None,
    credential_hint="the API key in the password",
    some_incident=lambda rootly: "00000000-0000-4000-8000-000000000404",
    extra={},
    offline_extra={},
    writes=AsyncWrites(
        IncidentCreate(title="Async", severity="sev1", dedup_key="async-1"),
        WriteOptions(),
        ("severity", "SEV0"),
        (ROOTLY_USERS[0].id,),
    ),
    rate_limited=RateLimit(
        "Rate limit exceeded",
        None,
        lambda rootly: rootly.with_status("started"),
        0,
        lambda s: 1 <= s <= 61,
        timed=True,
    ),
)
