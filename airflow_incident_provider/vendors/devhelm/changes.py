"""The status page a DevHelm connection names, and its incident list, for waiting in bulk.

DevHelm's list has no "updated since", so the feed is a snapshot of the page's unresolved incidents
(see :class:`~..status_pages.ConnectionPage`): the create search's read (``status`` repeated, as the
spec's array parameter), pages numbered from 0, ``hasNext`` saying whether another follows.
"""

from __future__ import annotations

from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors.base import Response
from airflow_incident_provider.vendors.devhelm.api import parse_ref
from airflow_incident_provider.vendors.devhelm.create import build_dedup_search
from airflow_incident_provider.vendors.devhelm.incidents import build_connection_check, parse_list
from airflow_incident_provider.vendors.status_pages import ConnectionPage


def _parse_unresolved(response: Response, url_template: str | None) -> tuple[list[Incident], bool]:
    return parse_list(response, url_template=url_template)


CONNECTION_PAGE = ConnectionPage(
    "status_page_id", parse_ref, build_connection_check, build_dedup_search, _parse_unresolved, first_page=0
)
"""The connection's ``status_page_id``; waits read its unresolved incidents, 100 a page."""
