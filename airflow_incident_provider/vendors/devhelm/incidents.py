"""Reading incidents: statuses and phases, get and list requests (one status page), and DevHelm's
incident JSON as ``Incident``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    aware,
    capped_raw,
    lookup_status,
    parse_timestamp,
    refuse_scope,
)
from airflow_incident_provider.vendors.devhelm.api import NAME, PAGES_PATH, IncidentRef, uuid_id

STATUS_PHASES, PHASE_STATUSES = pages.STATUS_PHASES, pages.PHASE_STATUSES
"""DevHelm's statuses (sent upper-case on the wire) are a status page's."""
UNRESOLVED_STATUSES = tuple(status for status, phase in STATUS_PHASES.items() if phase is not Phase.RESOLVED)
"""Where a dedup key is looked for: an incident matches its key only until it is resolved."""
LIST_PAGE_SIZE = 100
"""``size`` of each ``GET .../incidents`` page; the official SDK pages with 200, Spring caps at 2000."""

SENSITIVE_FIELDS: tuple[str, ...] = ()
"""A status-page incident is public by nature: nothing in it is secret."""


def incident_url(template: str | None, page_id: str, incident_id: str) -> str | None:
    """The incident's page in DevHelm's UI, from the connection's ``incident_url_template`` if set."""
    return template.format(page_id=page_id, incident_id=incident_id) if template else None


def incident_from_json(
    data: Mapping[str, Any], *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """One ``StatusPageIncidentDto`` as the normalized ``Incident`` (status and impact lower-cased)."""
    status = str(data.get("status", "")).lower()
    page_id, incident_id = str(data["statusPageId"]), str(data["id"])
    impact = data.get("impact")
    return Incident(
        vendor=NAME,
        id=incident_id,
        ref=f"{page_id}/{incident_id}",
        title=data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(impact).lower() if impact else None,
        assignees=(),
        url=incident_url(url_template, page_id, incident_id),
        created_at=parse_timestamp(data.get("createdAt") or data.get("startedAt")),
        updated_at=parse_timestamp(data.get("updatedAt")),
        resolved_at=parse_timestamp(data.get("resolvedAt")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def _data(response: Response) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("DevHelm response has no 'data' object")
    return body["data"]  # type: ignore[no-any-return]


def parse_incident(
    response: Response, *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """The ``{"data": StatusPageIncidentDto}`` body of a get, update or timeline-update response."""
    return incident_from_json(_data(response), include_raw=include_raw, url_template=url_template)


def parse_timeline(response: Response) -> list[str]:
    """The body of each timeline update of the incident in ``response`` (GET returns them)."""
    updates = _data(response).get("updates") or ()
    return [str(item.get("body", "")) for item in updates if isinstance(item, Mapping)]


def build_get(ref: IncidentRef) -> Request:
    return Request("GET", ref.path)


LIST_SCOPE = (
    "DevHelm lists one status page: set status_page_id on the connection (one connection per page), "
    "and leave services and teams out"
)
"""What scopes a DevHelm list instead of services or teams (it has neither)."""


def check_list_scope(services: Sequence[str], teams: Sequence[str]) -> None:
    """Refuse ``services`` and ``teams``: a DevHelm list is the connection's status page."""
    refuse_scope(services, teams, vendor=NAME, instead=LIST_SCOPE)


def build_list(page_id: str, *, statuses: Sequence[str] | None, page: int, size: int) -> Request:
    """One page of ``GET .../incidents``: Spring's ``page``/``size`` (as the official SDK sends them)
    and the ``status`` filter repeated once per status."""
    params: list[tuple[str, str]] = [("page", str(page)), ("size", str(size))]
    wanted = dict.fromkeys(to_vendor_status(status, field_name="statuses") for status in statuses or ())
    params.extend(("status", wire_status(status)) for status in wanted)
    return Request(
        "GET", f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}/incidents", params=tuple(params)
    )


def _list_page(response: Response) -> tuple[list[Mapping[str, Any]], bool]:
    body = response.body if isinstance(response.body, Mapping) else {}
    items = [item for item in body.get("data") or () if isinstance(item, Mapping)]
    return items, bool(body.get("hasNext"))


def parse_list(
    response: Response, *, include_raw: bool = False, url_template: str | None = None
) -> tuple[list[Incident], bool]:
    """A page of incidents and whether DevHelm says there is a next page (``hasNext``)."""
    items, has_next = _list_page(response)
    incidents = [
        incident_from_json(item, include_raw=include_raw, url_template=url_template) for item in items
    ]
    return incidents, has_next


@dataclass(frozen=True)
class Listed:
    """A listed incident as the dedup search sees it: its id, when it was created, and the bodies of its
    timeline updates, or None when the list left the timeline out (the spec lets ``updates`` be null)."""

    incident_id: str
    created_at: datetime | None
    bodies: tuple[str, ...] | None


def parse_listed(response: Response) -> tuple[list[Listed], bool]:
    """A page of ``GET .../incidents`` for the dedup search, and ``hasNext``."""
    items, has_next = _list_page(response)
    listed = [
        Listed(
            incident_id=str(item["id"]),
            created_at=parse_timestamp(item.get("createdAt")),
            bodies=(
                tuple(
                    str(update.get("body", "")) for update in item["updates"] if isinstance(update, Mapping)
                )
                if isinstance(item.get("updates"), list)
                else None
            ),
        )
        for item in items
    ]
    return listed, has_next


def newest_first(listed: Sequence[Listed]) -> list[Listed]:
    """The order the dedup search reads timelines in: a retry's own incident is most likely the newest."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(listed, key=lambda item: aware(item.created_at) or floor, reverse=True)


def build_connection_check(page_id: str | None) -> Request:
    """Read the connection's status page (proves the token and the page id), or list the pages."""
    if page_id:
        return Request("GET", f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}")
    return Request("GET", PAGES_PATH)


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """The lower-case DevHelm status for a status word (any case) or a phase."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


def wire_status(status: str) -> str:
    """A status as DevHelm's JSON carries it (``INVESTIGATING``...)."""
    return to_vendor_status(status).upper()
