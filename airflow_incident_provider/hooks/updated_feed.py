"""Change feeds read from a list filtered by update time (Rootly's, incident.io's incident lists).

Such a list names every incident updated since the window's start, each in full, so none has to be read
on its own. Every page is read, whatever is watched: the list is the whole account's, and an incident
off it has not changed. The vendor's clock when it answered the first page (its HTTP ``Date``) is where
the poller's next window may start; the windows overlap (``triggers.change_poller.OVERLAP``), so an
incident a page shift moved past this read is in the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import ChangeFeed, IncidentChange
from airflow_incident_provider.vendors.base import Request, Response, answered_at

C = TypeVar("C")


def updated_since_flow(
    build: Callable[[C], Request],
    parse: Callable[[Response], tuple[list[IncidentChange], C | None]],
    first: C,
) -> Flow[ChangeFeed]:
    """Every page of the list: ``build(first)``, then each next page ``parse`` names (a page number, a
    cursor), until the last page (its next is None) or an empty one."""
    changes: list[IncidentChange] = []
    as_of: datetime | None = None
    page = first
    while True:
        response = yield build(page)
        as_of = as_of or answered_at(response)
        found, following = parse(response)
        changes.extend(found)
        if following is None or not found:
            return ChangeFeed(changes, as_of)
        page = following
