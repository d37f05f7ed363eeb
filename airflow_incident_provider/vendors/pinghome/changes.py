"""How the watched incidents of a team are now: the team's incident list, for waiting in bulk.

Pinghome has no GET for one incident: every read of an incident already lists its team's incidents
(newest first, ``last_received_at`` cursor). The feed is a snapshot of that list (see the hook's
snapshot feed), one read per team waited on, paged until every watched incident is found.
"""

from __future__ import annotations

from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.pinghome.incidents import (
    LIST_PAGE_SIZE,
    build_list,
    incident_from_json,
    parse_list,
)
from airflow_incident_provider.vendors.pinghome.services import make_ref, split_ref


def feed_scope(ref: str, default_team: str | None) -> tuple[str, str]:
    """The team a watched ref is listed in, and the ref as the team's list names it."""
    team, incident_id = split_ref(ref, default_team)
    return team, make_ref(team, incident_id)


def build_feed_page(team: str, cursor: str | None) -> Request:
    """One page of the team's incidents, after ``cursor``."""
    return build_list(team, limit=LIST_PAGE_SIZE, cursor=cursor)


def parse_feed_page(
    response: Response, team: str, url_template: str | None = None
) -> tuple[list[Incident], str | None]:
    """The incidents on the page and the cursor of the next page (None after the last)."""
    items, cursor = parse_list(response, LIST_PAGE_SIZE)
    return [incident_from_json(item, team, url_template=url_template) for item in items], cursor
