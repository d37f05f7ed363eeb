"""Reading a list an API pages by cursor (incident.io's and Pinghome's incident lists) for a caller that
wants at most ``limit`` of the items it keeps: each page's cursor names the next, and the reading stops
at the last page, at ``limit``, or at a cursor named before (a list that would loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.vendors.base import Request, Response

C = TypeVar("C")
T = TypeVar("T")


def read_pages(
    build: Callable[[C | None], Request],
    parse: Callable[[Response], tuple[list[T], C | None]],
    limit: int | None,
    keep: Callable[[T], bool],
) -> Flow[list[T]]:
    """The items ``keep`` keeps, in the list's order, from ``build(None)`` on: at most ``limit``."""
    found: list[T] = []
    cursor: C | None = None
    seen: list[C] = []
    while limit is None or len(found) < limit:
        batch, cursor = parse((yield build(cursor)))
        found += [item for item in batch if keep(item)]
        if cursor is None or cursor in seen:
            break
        seen.append(cursor)
    return found if limit is None else found[:limit]
