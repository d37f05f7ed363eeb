"""Statuspage's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from airflow_incident_provider.models import IncidentCreate
from airflow_incident_provider.sandbox.statuspage import PAGE_ID as STATUSPAGE_PAGE_ID
from tests.hooks.across import KEYED, PUBLIC, AsyncWrites, Case, public_update

CASE = Case(
    fixture="statuspage",
    new_incident=lambda statuspage: statuspage.create(),
    first_status="investigating",
    moves=public_update("identified", "async note", KEYED.model_copy(update={"public": True})),
    moved=("identified",),
    resolve_options=PUBLIC,
    resolved_listed=2,
    listed_exactly=True,
    stored_resolved="resolved",
    refusal="Could not authenticate",
    refusal_code=None,
    credential_hint="the API key in the password",
    some_incident=lambda statuspage: "sbxmissing01",
    extra={},
    offline_extra={"page_id": STATUSPAGE_PAGE_ID},
    writes=AsyncWrites(
        IncidentCreate(title="Async", severity="minor", dedup_key="async"),
        PUBLIC,
        ("severity", "major"),
        None,
        after=lambda statuspage, ref: statuspage.assert_created_once("Async"),
    ),
)
