"""One rule for vendor timestamps: ISO 8601 or epoch numbers, a time without a zone read as UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors import devhelm, pagerduty, pinghome, rootly, uptimeio
from airflow_incident_provider.vendors.base import parse_timestamp

MOMENT = datetime(2026, 11, 22, 6, 10, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T06:10:51Z", MOMENT),
        ("2026-11-22T06:10:51+00:00", MOMENT),
        ("2026-11-22T08:10:51+02:00", MOMENT),
        ("2026-11-22T06:10:51", MOMENT),
        ("2026-11-22T06:10:51.000", MOMENT),
        (" 2026-11-22T06:10:51Z ", MOMENT),
        (MOMENT.timestamp(), MOMENT),
        (int(MOMENT.timestamp()), MOMENT),
        (int(MOMENT.timestamp()) * 1000, MOMENT),
    ],
)
def test_a_timestamp_is_an_aware_moment(value: Any, expected: datetime) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() is not None


def test_an_offset_is_kept_not_replaced() -> None:
    parsed = parse_timestamp("2026-11-22T08:10:51+02:00")
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=2)
    assert parsed.tzinfo == timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    "value", [None, "", 0, False, True, "yesterday", "2026-13-40T00:00:00Z", 10**20, [], {}]
)
def test_a_missing_or_unreadable_timestamp_is_none(value: Any) -> None:
    assert parse_timestamp(value) is None


PAGE = "5b7e2d10-8c3a-4f0e-b1d2-2a3b4c5d6e01"
PARSERS: dict[str, Callable[[str], Incident]] = {
    "pagerduty": lambda at: pagerduty.incident_from_json(
        {"id": "Q1", "status": "triggered", "created_at": at}
    ),
    "rootly": lambda at: rootly.incident_from_json(
        {"id": "r1", "attributes": {"status": "started", "created_at": at}}
    ),
    "devhelm": lambda at: devhelm.incident_from_json(
        {"id": "d1", "statusPageId": PAGE, "status": "INVESTIGATING", "createdAt": at}
    ),
    "uptimeio": lambda at: uptimeio.incident_from_json(
        {"id": "u1", "status": "investigating", "created_at": at}, project_id=PAGE, status_page_id=PAGE
    ),
    "pinghome": lambda at: pinghome.incident_from_json(
        {"id": "p1", "status": "open", "created_at": at}, PAGE
    ),
}


@pytest.mark.parametrize("vendor", sorted(PARSERS))
def test_every_vendor_reads_a_zone_less_time_as_utc(vendor: str) -> None:
    incident = PARSERS[vendor]("2026-11-22T06:10:51")
    assert incident.created_at == MOMENT
    assert incident.created_at is not None
    assert incident.created_at.tzinfo is not None
    assert incident.to_json()["created_at"] == "2026-11-22T06:10:51Z"
