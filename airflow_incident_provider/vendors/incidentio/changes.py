"""What changed since a moment: incident.io's incident list filtered by update time, for waiting in bulk.

``GET /v2/incidents`` with ``updated_at[gte]`` (the spec's ``updated_at`` parameter names the operators
gte, lte and date_range) lists every incident updated since the last look, each in full, so none has to
be read on its own. The list is newest first by creation and pages by cursor (``after``, the last id of
the previous page), so an update never moves an incident in it: the pages neither skip nor repeat one,
and one created while they are read is in the next look, whose window overlaps this one. Every mode is
asked for: the list leaves test and tutorial incidents out unless told, and a wait may be on any.
"""

from __future__ import annotations

from datetime import datetime

from airflow_incident_provider.models import IncidentChange
from airflow_incident_provider.vendors.base import Request, Response, iso_time, update_change
from airflow_incident_provider.vendors.incidentio.api import LIST_PAGE_SIZE
from airflow_incident_provider.vendors.incidentio.incidents import parse_list
from airflow_incident_provider.vendors.incidentio.writes import MODES


def build_list_changes(since: datetime, after: str | None, page_size: int = LIST_PAGE_SIZE) -> Request:
    """One page of the incidents (of every mode) updated at or after ``since`` (naive is UTC)."""
    params: list[tuple[str, str]] = [("page_size", str(page_size)), ("updated_at[gte]", iso_time(since))]
    params += [("mode[one_of]", mode) for mode in MODES]
    if after:
        params.append(("after", after))
    return Request("GET", "/v2/incidents", params=tuple(params))


def parse_changes(response: Response) -> tuple[list[IncidentChange], str | None]:
    """The changes on one page (an incident's id and update stamp name the change) and the ``after``
    cursor of the next page (None on the last)."""
    incidents, after = parse_list(response)
    return [update_change(incident) for incident in incidents], after
