"""The models built from operator and hook arguments refuse bad values as the provider's own error."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import (
    Escalation,
    IncidentCreate,
    IncidentUpdate,
    ListQuery,
    WriteOptions,
)


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (lambda: IncidentCreate(title="x", description=0), "description", "valid string (got int)"),
        (lambda: IncidentCreate(title="x", assignees=("a", 3)), "assignees.1", "valid string (got int)"),
        (lambda: IncidentUpdate(vendor_fields="x"), "vendor_fields", "valid dictionary (got str)"),
        (lambda: Escalation(escalation_level=0), "escalation_level", "greater than or equal to 1"),
        (lambda: ListQuery(limit=-1), "limit", "greater than or equal to 1"),
        (lambda: ListQuery(since="yesterday-ish"), "since", "valid datetime"),
        (lambda: WriteOptions(from_triage="skip"), "from_triage", "'start', 'cancel' or 'fail'"),
        (lambda: IncidentUpdate(titel="x"), "titel", "extra inputs are not permitted"),
    ],
)
def test_a_bad_value_is_an_incident_validation_error_naming_the_field(
    build: Any, field: str, message: str
) -> None:
    with pytest.raises(IncidentValidationError) as raised:
        build()
    assert raised.value.field == field
    assert f"invalid {field!r}: " in str(raised.value)
    assert message in str(raised.value)


def test_the_refused_value_is_not_repeated() -> None:
    """It may be large, or a secret pasted into the wrong field."""
    with pytest.raises(IncidentValidationError) as raised:
        IncidentCreate(title="x", severity=["sk-live-0123456789abcdef"])
    assert "sk-live" not in str(raised.value)
