"""Pinghome's facts for the shared hook tests (``tests/hooks/test_across_vendors.py``)."""

from __future__ import annotations

from typing import Any

from airflow.sdk.log import redact  # type: ignore[attr-defined]  # re-exported by the SDK

from airflow_incident_provider.models import IncidentCreate, WriteOptions
from airflow_incident_provider.sandbox.pinghome import USERS as PINGHOME_USERS
from tests.hooks.across import AsyncWrites, Case, RateLimit, acknowledge
from tests.hooks.test_pinghome import SIGN_IN, ph_token, signing_in


def signed_in_once(handle: Any) -> None:
    """Every async call shared one sign-in, and its token is masked."""
    assert handle.calls().count(SIGN_IN) == 1, "signed in once, for every async call"
    assert redact(ph_token(handle)) == "***", "the signed-in token is masked"


CASE = Case(
    fixture="ph",
    new_incident=lambda ph: ph.create(),
    first_status="open",
    moves=acknowledge,
    moved=("acknowledged",),
    resolve_options=WriteOptions(),
    resolved_listed=2,
    listed_exactly=False,
    stored_resolved="resolved",
    refusal="Unauthorized",
    refusal_code=None,
    credential_hint="the API token in the password",
    some_incident=lambda ph: ph.with_status("open"),
    extra={},
    offline_extra={"team_id": "t-1"},
    writes=AsyncWrites(
        IncidentCreate(title="Async", severity="low", dedup_key="k-async"),
        WriteOptions(),
        ("severity", "medium"),
        (PINGHOME_USERS[1].id,),
    ),
    after_async=signed_in_once,
    setup=signing_in,
    rate_limited=RateLimit("Too Many Requests", None, lambda ph: ph.with_status("open"), 1, lambda s: s > 2),
)
