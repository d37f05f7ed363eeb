"""What the shared scheduling tests (``tests/sandbox/test_schedule.py``) need of each vendor.

Each vendor's ``tests/fixtures_<vendor>.py`` declares its ``SCHEDULE``: how its incident is picked, read,
listed and addressed, what a scripted move shows, and how the vendor records that move. The shared
tests read it through the registry; a registered vendor without one fails
``test_every_registered_vendor_has_its_schedule_case``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from airflow_incident_provider.registry import VENDOR_NAMES


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def same_second(vendor_time: str, due_at: str) -> bool:
    """Vendors render whole seconds; the schedule renders milliseconds."""
    return abs(moment(vendor_time) - moment(due_at)) < timedelta(seconds=1)


def status_of(vh: Any, incident_id: str) -> str:
    """The incident's status as the vendor's test handle reads it (every handle has ``incident``)."""
    return str(vh.incident(incident_id)["status"])


@dataclass(frozen=True)
class ScheduleCase:
    """How one vendor's incident is picked, read, listed and addressed, and what a scripted move shows."""

    start: str
    target: str
    ref: Callable[[str], str]
    """The ref the provider's hooks use, from the incident id."""
    titles: Callable[[Any], dict[str, str]]
    """Title -> status of every incident in the vendor's list endpoint."""
    spawn_status: str
    check_timeline: Callable[[Any, str, str], None]
    """Given the handle, the incident id and the move's due time: the vendor's own record of the move,
    as its UI would leave it, stamped at the due time."""
    status: Callable[[Any, str], str] = status_of


def load_schedule_cases() -> tuple[Mapping[str, ScheduleCase], tuple[str, ...]]:
    """Each registered vendor's ``SCHEDULE``, and the vendors whose fixtures module declares none."""
    cases: dict[str, ScheduleCase] = {}
    for name in VENDOR_NAMES:
        case = getattr(importlib.import_module(f"tests.fixtures_{name}"), "SCHEDULE", None)
        if isinstance(case, ScheduleCase):
            cases[name] = case
    return cases, tuple(name for name in VENDOR_NAMES if name not in cases)
