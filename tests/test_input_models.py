"""The models built from operator and hook arguments refuse bad values as the provider's own error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import (
    Escalation,
    IncidentCreate,
    IncidentUpdate,
    ListQuery,
    WriteOptions,
)


@pytest.mark.parametrize(
    ("model", "arguments", "field", "message"),
    [
        (IncidentCreate, {"title": "x", "description": 0}, "description", "valid string (got int)"),
        (IncidentCreate, {"title": "x", "assignees": ("a", 3)}, "assignees.1", "valid string (got int)"),
        (IncidentUpdate, {"vendor_fields": "x"}, "vendor_fields", "valid dictionary (got str)"),
        (Escalation, {"escalation_level": 0}, "escalation_level", "greater than or equal to 1"),
        (ListQuery, {"limit": -1}, "limit", "greater than or equal to 1"),
        (ListQuery, {"since": "yesterday-ish"}, "since", "valid datetime"),
        (WriteOptions, {"from_triage": "skip"}, "from_triage", "'start', 'cancel' or 'fail'"),
        (IncidentUpdate, {"titel": "x"}, "titel", "extra inputs are not permitted"),
    ],
)
def test_a_bad_value_is_an_incident_validation_error_naming_the_field(
    model: type[BaseModel], arguments: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(IncidentValidationError) as raised:
        model(**arguments)
    assert raised.value.field == field
    assert f"invalid {field!r}: " in str(raised.value)
    assert message in str(raised.value)


def test_the_refused_value_is_not_repeated() -> None:
    """It may be large, or a secret pasted into the wrong field."""
    arguments: dict[str, Any] = {"title": "x", "severity": ["sk-live-0123456789abcdef"]}
    with pytest.raises(IncidentValidationError) as raised:
        IncidentCreate(**arguments)
    assert "sk-live" not in str(raised.value)
