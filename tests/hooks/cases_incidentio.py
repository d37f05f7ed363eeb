"""incident.io's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from airflow_incident_provider.models import IncidentCreate, WriteOptions
from airflow_incident_provider.sandbox.incidentio import USERS as INCIDENTIO_USERS
from tests.hooks.across import AsyncWrites, Case, RateLimit, retitle

CASE = Case(
    fixture="incidentio",
    new_incident=lambda incidentio: incidentio.create(category="live"),
    first_status="live",
    moves=retitle,
    moved=("live",),
    resolve_options=WriteOptions(),
    resolved_listed=1,
    listed_exactly=False,
    stored_resolved="closed",
    refusal="The API key provided is not valid",
    refusal_code="invalid_authorization_material",
    credential_hint="the API key in the password",
    some_incident=lambda incidentio: incidentio.with_status("live"),
    extra={},
    offline_extra={},
    writes=AsyncWrites(
        IncidentCreate(title="Async", severity="Minor", dedup_key="async-1"),
        WriteOptions(),
        ("severity", "Major"),
        (INCIDENTIO_USERS[1].id,),
    ),
    rate_limited=RateLimit(
        "Too many requests",
        "too_many_requests",
        lambda incidentio: incidentio.with_status("live"),
        0,
        lambda s: 0 < s <= 62,
    ),
    resolves=False,
)
