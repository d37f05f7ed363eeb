"""What changed since a moment: the account-wide log (``GET /log_entries``), for waiting in bulk.

Every status change of an incident (trigger, acknowledge, unacknowledge, escalate, resolve...) writes a
log entry, so one paged read of the entries since the last look names every incident that may have
moved; with ``include[]=incidents`` each entry carries its incident as it is now, so no incident has to
be read on its own. Entries come newest first: an entry written while the
pages are read pushes the older ones one place further, so a page may repeat an entry but never skips
one, and the next look (whose window overlaps this one) sees the new entry itself.

Triggers that start together take their first read from the list of open incidents instead of one read
each (``GET /incidents`` has no filter by id): newest first, where the incidents waited on are found
soonest, its first page with the ``total`` that tells what the rest would cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from airflow_incident_provider.models import IncidentChange, Phase
from airflow_incident_provider.vendors.base import Request, Response, iso_time, parse_timestamp
from airflow_incident_provider.vendors.pagerduty.api import LIST_PAGE_SIZE
from airflow_incident_provider.vendors.pagerduty.incidents import PHASE_STATUSES, incident_from_json

OPEN_STATUSES = (PHASE_STATUSES[Phase.OPEN], PHASE_STATUSES[Phase.ACKNOWLEDGED])
"""The statuses of the incidents a bulk first read lists (resolved ones are read one by one)."""


def build_list_log_entries(since: datetime, offset: int, limit: int = LIST_PAGE_SIZE) -> Request:
    """One page of ``GET /log_entries`` from ``since`` to now with each entry's incident in full, every
    entry type (``is_overview`` off: an unacknowledge by timeout is a status change too)."""
    params = (
        ("since", iso_time(since)),
        ("limit", str(limit)),
        ("offset", str(offset)),
        ("include[]", "incidents"),
    )
    return Request("GET", "/log_entries", params=params)


def parse_log_entries(
    response: Response, copy_of: Callable[[str], bool] | None = None
) -> tuple[list[IncidentChange], bool]:
    """The changes on one page (entries that name no incident are skipped), and whether more follow;
    with ``copy_of``, an entry carries its incident's copy only where ``copy_of(ref)`` says so (the
    others would only take memory)."""
    body = response.body if isinstance(response.body, Mapping) else {}
    changes: list[IncidentChange] = []
    for entry in body.get("log_entries") or ():
        incident = entry.get("incident") if isinstance(entry, Mapping) else None
        if not isinstance(incident, Mapping) or not incident.get("id"):
            continue
        full_copy = incident.get("type") == "incident"  # a reference carries no copy to keep
        if full_copy and (copy_of is None or copy_of(str(incident["id"]))):
            full = incident_from_json(incident)
        else:
            full = None
        at = parse_timestamp(entry.get("created_at"))
        changes.append(IncidentChange(str(entry["id"]), str(incident["id"]), at, full))
    return changes, bool(body.get("more"))


def build_list_open(offset: int, *, total: bool) -> Request:
    """One page of every open incident, any age (``date_range=all``), newest first; ``total`` asks for
    the count of them all (the first page's, to know how many pages the list takes)."""
    params = [
        ("limit", str(LIST_PAGE_SIZE)),
        ("offset", str(offset)),
        ("sort_by", "created_at:desc"),
        *(("statuses[]", status) for status in OPEN_STATUSES),
        ("date_range", "all"),
    ]
    if total:
        params.append(("total", "true"))
    return Request("GET", "/incidents", params=tuple(params))


def listed_total(response: Response) -> int | None:
    """The ``total`` of a list answer, when PagerDuty gave one."""
    body = response.body if isinstance(response.body, Mapping) else {}
    total = body.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else None
