"""How the watched incidents of a status page are now: its incident list, for waiting in bulk.

DevHelm's list has no "updated since", so the feed is a snapshot (see the hook's snapshot feed): one
read of the page's unresolved incidents (``status`` repeated, as the spec's array parameter), paged
until every watched incident is found. A watched incident that is resolved is off that list: it is
read on its own, which is where a wait for resolution ends anyway.
"""

from __future__ import annotations

from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.devhelm.api import parse_ref
from airflow_incident_provider.vendors.devhelm.incidents import (
    LIST_PAGE_SIZE,
    UNRESOLVED_STATUSES,
    build_list,
    parse_list,
)


def feed_scope(ref: str, default_page_id: str | None) -> tuple[str, str]:
    """The status page a watched ref is listed on, and the ref as DevHelm's list names it."""
    target = parse_ref(ref, default_page_id)
    return target.page_id, str(target)


def build_feed_page(page_id: str, page: int | None) -> Request:
    """One page (from 0) of the status page's unresolved incidents."""
    return build_list(page_id, statuses=UNRESOLVED_STATUSES, page=page or 0, size=LIST_PAGE_SIZE)


def parse_feed_page(
    response: Response, page: int | None, url_template: str | None = None
) -> tuple[list[Incident], int | None]:
    """The incidents on the page and the next page number (None after the last)."""
    incidents, has_next = parse_list(response, url_template=url_template)
    return incidents, (page or 0) + 1 if has_next else None
