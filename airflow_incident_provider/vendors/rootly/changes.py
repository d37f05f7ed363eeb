"""What changed since a moment: the incident list filtered by update time, for waiting in bulk.

``GET /v1/incidents`` with ``filter[updated_at][gte]`` and ``sort=-updated_at`` (both in Rootly's spec)
names every incident updated since the last look, each in full, so no incident has to be read on its
own. Newest first, as PagerDuty's log: an incident updated while the pages are read moves to the front
and pushes the others one place further, so a page may repeat one but never skips one, and the next
look (whose window overlaps this one) sees the moved incident itself.
"""

from __future__ import annotations

from datetime import datetime

from airflow_incident_provider.models import IncidentChange
from airflow_incident_provider.vendors.base import Request, Response, update_change
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    iso_time,
    next_page,
    paging_params,
    resources_of,
)
from airflow_incident_provider.vendors.rootly.incidents import incident_from_json

CHANGES_SORT = "-updated_at"
"""Most recently updated first: a page shift during the read repeats an incident, never skips one."""


def build_list_changes(since: datetime, page: int, page_size: int = LIST_PAGE_SIZE) -> Request:
    """One page of the incidents updated at or after ``since``, most recently updated first."""
    params = (
        *paging_params(page, page_size),
        ("sort", CHANGES_SORT),
        ("filter[updated_at][gte]", iso_time(since)),
    )
    return Request("GET", "/v1/incidents", params=params)


def parse_changes(response: Response) -> tuple[list[IncidentChange], int | None]:
    """The changes on one page (an incident's id and update stamp name the change) and the next
    page number (None on the last page)."""
    changes = [update_change(incident_from_json(resource)) for resource in resources_of(response)]
    return changes, next_page(response)
