"""Reading incidents: realtime and maintenance statuses and their phases, get and list requests, and
Statuspage's incident JSON as ``Incident`` (with the provider's idempotency keys kept in ``metadata``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    parse_timestamp,
    refuse_scope,
)
from airflow_incident_provider.vendors.statuspage.api import NAME, IncidentRef, page_path, parse_ref

REALTIME, PHASES = tuple(pages.STATUS_PHASES), tuple(pages.STATUS_PHASES.values())
MAINTENANCE = ("scheduled", "in_progress", "verifying", "completed")
"""A scheduled maintenance's statuses: planned, under way, being verified, done."""
STATUS_PHASES: Mapping[str, Phase] = {**pages.STATUS_PHASES, **dict(zip(MAINTENANCE, PHASES, strict=True))}
PHASE_STATUSES = pages.PHASE_STATUSES
"""The word written for a phase on a realtime incident (a maintenance uses :data:`MAINTENANCE`)."""
LIST_PAGE_SIZE = 100
"""``limit``/``per_page`` of each list page: the spec's default and maximum."""
METADATA_KEY = "airflow_incident_provider"
"""The object of the incident's ``metadata`` where the keys of the provider's writes are kept (metadata
is not shown on the page; the spec wants every top-level value to be an object)."""
KEPT_KEYS = 20
"""Keys kept per incident: a retry looks for its own write right after it, so the latest ones suffice."""
SENSITIVE_FIELDS = ("metadata",)
"""An incident is public, except ``metadata``: the account's own JSON, which may hold anything."""


@dataclass(frozen=True)
class Read:
    """An incident as read, with the idempotency keys and metadata a write must carry forward."""

    incident: Incident
    keys: tuple[str, ...]
    metadata: Mapping[str, Any]

    @property
    def maintenance(self) -> bool:
        return self.incident.status in MAINTENANCE


def incident_from_json(data: Mapping[str, Any], *, include_raw: bool = False) -> Incident:
    """One ``Incident`` object of the spec as the normalized ``Incident``; ``shortlink`` is its URL."""
    status = str(data.get("status") or "").lower()
    impact = data.get("impact")
    page_id, incident_id = str(data.get("page_id") or ""), str(data["id"])
    return Incident(
        vendor=NAME,
        id=incident_id,
        ref=f"{page_id}/{incident_id}" if page_id else incident_id,
        title=data.get("name"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(impact).lower() if impact else None,
        url=data.get("shortlink") or None,
        created_at=parse_timestamp(data.get("created_at")),
        updated_at=parse_timestamp(data.get("updated_at")),
        resolved_at=parse_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def read(data: Mapping[str, Any], include_raw: bool = False) -> Read:
    metadata = data.get("metadata") if isinstance(data.get("metadata"), Mapping) else {}
    ours = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    keys = ours.get("writes") if isinstance(ours, Mapping) else None
    kept = tuple(str(key) for key in keys) if isinstance(keys, list) else ()
    return Read(incident_from_json(data, include_raw=include_raw), kept, dict(metadata or {}))


def parse_read(response: Response, include_raw: bool = False) -> Read:
    """The incident object a get, create or update answers with."""
    if not isinstance(response.body, Mapping):
        raise ValueError("Statuspage answered without an incident object")
    return read(response.body, include_raw)


def parse_incident(response: Response, *, include_raw: bool = False) -> Incident:
    return parse_read(response, include_raw).incident


def parse_list(response: Response, include_raw: bool = False) -> list[Read]:
    """A page of incidents (the answer is a bare array)."""
    if not isinstance(response.body, list):
        raise ValueError("Statuspage answered a list without an array")
    return [read(item, include_raw) for item in response.body if isinstance(item, Mapping) and "id" in item]


def build_get(ref: IncidentRef) -> Request:
    return Request("GET", ref.path)


LIST_SCOPE = (
    "Statuspage lists one page: set page_id on the connection (one connection per page), and leave "
    "services and teams out"
)


def check_list_scope(services: Sequence[str], teams: Sequence[str]) -> None:
    refuse_scope(services, teams, vendor=NAME, instead=LIST_SCOPE)


def build_list(page_id: str, page: int, *, unresolved: bool = False) -> Request:
    """One page of ``GET /pages/{page_id}/incidents`` (newest first), or of ``.../unresolved``."""
    if unresolved:
        params = (("page", str(page)), ("per_page", str(LIST_PAGE_SIZE)))
        return Request("GET", f"{page_path(page_id)}/incidents/unresolved", params=params)
    params = (("page", str(page)), ("limit", str(LIST_PAGE_SIZE)))
    return Request("GET", f"{page_path(page_id)}/incidents", params=params)


def parse_unresolved(response: Response, url_template: str | None = None) -> tuple[list[Incident], bool]:
    """A page of incidents and whether it is full: the list sends no paging fields, so another may follow."""
    batch = [item.incident for item in parse_list(response)]
    return batch, len(batch) == LIST_PAGE_SIZE


def build_connection_check(page_id: str | None) -> Request:
    """Read the connection's page (proves the key and the page id), or list the key's pages."""
    return Request("GET", page_path(page_id)) if page_id else Request("GET", "/pages")


CONNECTION_PAGE = pages.ConnectionPage(
    "page_id", parse_ref, build_connection_check, partial(build_list, unresolved=True), parse_unresolved, 1
)
"""The connection's ``page_id``; waits read ``GET .../incidents/unresolved``, the page's open realtime
incidents (its maintenances are listed elsewhere)."""


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A Statuspage status for a status word (any case) or a phase (a realtime word)."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


def status_filter(statuses: Sequence[str]) -> tuple[set[str], set[Phase]]:
    """The words a list matches exactly, and the phases it matches (a phase, ``resolved`` included, takes
    realtime incidents and maintenances alike)."""
    words: set[str] = set()
    phases: set[Phase] = set()
    for word in statuses:
        status = to_vendor_status(word, field_name="statuses")
        if word.strip().lower() in {phase.value for phase in PHASES}:
            phases.add(STATUS_PHASES[status])
        else:
            words.add(status)
    return words, phases


def status_for(word: str, current: Read) -> str:
    """The status to write on ``current``: a phase becomes the word of the incident's kind, and a word of
    the other kind (a realtime status on a maintenance, or the reverse) is refused."""
    status = to_vendor_status(word)
    kind = MAINTENANCE if current.maintenance else REALTIME
    if word.strip().lower() in {phase.value for phase in PHASES}:  # 'resolved' is a phase too
        return kind[REALTIME.index(status)]
    if status not in kind:
        what = "a scheduled maintenance" if current.maintenance else "a realtime incident"
        raise IncidentValidationError(
            "status",
            f"{status!r} is not a status of {what} ({current.incident.ref} is {current.incident.status!r}); "
            f"allowed: {', '.join(kind)} (or the phases {', '.join(p.value for p in PHASES)})",
            vendor=NAME,
        )
    return status
