"""Change feeds read from lists that only show how incidents are now (a status page's, a team's).

Such a list has no "changed since": the feed reads, per scope waited on (a page, a team), the pages of
its list until every watched incident of that scope is found (or the list ends, or reading on would
cost more than reading the rest one by one) and hands each one over as it is, with an id naming its
state, so the poller passes on only a state it has not passed on before. A watched incident the list
does not show (filtered out, deleted, past the pages read) is ``unseen``: the poller reads it on its
own. The order of the list plays no part in what is seen: an incident a shifting page skips is
unseen, so read on its own that very poll.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from airflow_incident_provider.exceptions import IncidentError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import ChangeFeed, Incident, IncidentChange

C = TypeVar("C")
Watched = dict[str, dict[str, list[str]]]
"""Scope -> the incident's own ref in that scope -> the refs waited on that name it."""


def state_change(incident: Incident) -> IncidentChange:
    """``incident`` as a snapshot change: its id is the incident's ref and state (status, update and
    resolution stamps), the same on every read until the incident changes."""
    stamps = "@".join(
        moment.isoformat() if moment is not None else ""
        for moment in (incident.updated_at, incident.resolved_at)
    )
    return IncidentChange(f"{incident.ref}@{incident.status}@{stamps}", incident.ref, None, incident)


def group_watched(watched: Iterable[str], locate: Callable[[str], tuple[str, str]]) -> Watched:
    """The watched refs by scope, as ``locate`` places each (its scope and its own full ref). A ref
    that names no incident is left out: its trigger's own first read reports why."""
    grouped: Watched = {}
    for ref in watched:
        try:
            scope, own = locate(ref)
        except IncidentError:
            continue
        grouped.setdefault(scope, {}).setdefault(own, []).append(ref)
    return grouped


def snapshot_flow(
    grouped: Watched, read_page: Callable[[str, C | None], Flow[tuple[list[Incident], C | None]]]
) -> Flow[ChangeFeed]:
    """Each scope's list, page by page (``read_page(scope, cursor)`` gives a page's incidents and the
    next page's cursor, None after the last; the first page has cursor None), until every watched
    incident of the scope is found; the watched ones as they are, and the refs of those not found.

    A page is read only while more watched incidents are missing than pages were read, plus one: past
    that, reading the missing ones on their own costs no more, so a scope never costs much more than
    its waits would reading their own (one lone wait is read on its own, as before)."""
    changes: list[IncidentChange] = []
    unseen: list[str] = []
    for scope, wanted in grouped.items():
        missing = dict(wanted)
        cursor: C | None = None
        cursors: list[C] = []
        while len(missing) > len(cursors) + 1:
            incidents, cursor = yield from read_page(scope, cursor)
            for incident in incidents:
                if incident.ref in wanted:
                    missing.pop(incident.ref, None)
                    changes.append(state_change(incident))
            if not incidents or cursor is None or cursor in cursors:
                break
            cursors.append(cursor)
        for own, refs in missing.items():  # one read each: its own ref once its trigger answers to it
            unseen.extend([own] if own in refs else refs)
    return ChangeFeed(changes, None, snapshot=True, unseen=tuple(unseen))
