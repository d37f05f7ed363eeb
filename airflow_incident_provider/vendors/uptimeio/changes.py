"""How the watched incidents of a status page are now: its incident list, for waiting in bulk.

UptimeIO's list has no "updated since" and filters by one status at a time, so the feed is a
snapshot (see the hook's snapshot feed) of the whole list, most recently updated first
(``sort_by=updated_at``), paged until every watched incident is found: a page of incidents that just
moved usually holds every watched one. A watched incident the list does not show is read on its own.
"""

from __future__ import annotations

from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.uptimeio.api import page_path, parse_ref
from airflow_incident_provider.vendors.uptimeio.incidents import LIST_PAGE_SIZE, page_is_last, parse_list

FEED_SORT = (("sort_by", "updated_at"), ("sort_order", "desc"))
"""The feed's order: incidents that moved last come first, so the read usually stops on page one."""


def feed_scope(ref: str, project_id: str | None, status_page_id: str | None) -> tuple[str, str]:
    """The ``projectId/pageId`` a watched ref is listed on, and the ref as UptimeIO's list names it."""
    scope = parse_ref(ref, project_id=project_id, status_page_id=status_page_id)
    return f"{scope.project_id}/{scope.status_page_id}", scope.ref


def _page_ids(page_scope: str) -> tuple[str, str]:
    project_id, _, status_page_id = page_scope.partition("/")
    return project_id, status_page_id


def build_feed_page(page_scope: str, page: int | None) -> Request:
    """One page (from 1) of the status page's incidents, most recently updated first."""
    project_id, status_page_id = _page_ids(page_scope)
    params = (("page", str(page or 1)), ("limit", str(LIST_PAGE_SIZE)), *FEED_SORT)
    return Request("GET", f"{page_path(project_id, status_page_id)}/incidents", params=params)


def parse_feed_page(
    response: Response, page_scope: str, page: int | None, url_template: str | None = None
) -> tuple[list[Incident], int | None]:
    """The incidents on the page and the next page number (None after a short page: UptimeIO's
    paging fields are undocumented)."""
    project_id, status_page_id = _page_ids(page_scope)
    incidents = parse_list(response, project_id, status_page_id, url_template=url_template)
    return incidents, None if page_is_last(incidents, LIST_PAGE_SIZE) else (page or 1) + 1
