"""PagerDuty's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from airflow_incident_provider.models import IncidentCreate, WriteOptions
from tests.hooks.across import AsyncWrites, Case, acknowledge

CASE = Case(
    fixture="pd",
    new_incident=lambda pd: pd.create(),
    first_status="triggered",
    moves=acknowledge,
    moved=("acknowledged",),
    resolve_options=WriteOptions(),
    resolved_listed=1,
    listed_exactly=False,
    stored_resolved="resolved",
    refusal="Authentication",
    refusal_code="2006",
    credential_hint="the API token in the password and its auth_scheme 'api_key' (api_key or oauth)",
    some_incident=lambda pd: "Q1",
    extra={},
    offline_extra={},
    writes=AsyncWrites(
        IncidentCreate(title="Async", vendor_fields={"service": "PSVC002"}, dedup_key="async-1"),
        WriteOptions(),
        ("detail", "urgency high"),
        ("PUSER02",),
    ),
)
