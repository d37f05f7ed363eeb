"""DevHelm's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import IncidentCreate, WriteOptions
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID
from tests.hooks.across import MISSING_UUID, PUBLIC, AsyncWrites, Case, RateLimit, public_update


def created_once(handle: Any, title: str) -> None:
    """The create sent twice with one dedup key made one incident."""
    assert [item["title"] for item in handle.incidents()].count(title) == 1, "the dedup key held"


CASE = Case(
    fixture="devhelm",
    new_incident=lambda devhelm: devhelm.create(),
    first_status="investigating",
    moves=public_update(
        "identified",
        "async note",
        WriteOptions(public=True, idempotency_key=idempotency_key("dag", "run", "async")),
    ),
    moved=("identified",),
    resolve_options=PUBLIC,
    resolved_listed=2,
    listed_exactly=True,
    stored_resolved="RESOLVED",
    refusal="invalid API key",
    refusal_code="UNAUTHORIZED",
    credential_hint="the API key in the password",
    some_incident=lambda devhelm: MISSING_UUID,
    extra={},
    offline_extra={"status_page_id": DEFAULT_STATUS_PAGE_ID},
    writes=AsyncWrites(
        IncidentCreate(title="Async", severity="minor", dedup_key="async"),
        PUBLIC,
        ("severity", "major"),
        None,
        after=lambda devhelm, ref: created_once(devhelm, "Async"),
    ),
    wrong_key="dh_live_wrong-key-5b9d0e77",
    rate_limited=RateLimit(
        "RATE_LIMITED",
        "RATE_LIMITED",
        lambda devhelm: devhelm.with_status("INVESTIGATING"),
        0,
        lambda s: s > 2,
    ),
)
