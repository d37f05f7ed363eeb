"""Writes that are not idempotent by nature (notes, timeline updates, creates), posted at most once.

When the answer to such a write is lost (``AmbiguousWriteError``), the write may or may not have
landed. Posting again could post it twice; giving up could report a failure for a write that worked.
So the operation looks for its write first (its idempotency marker, its dedup key, the state it set)
and posts again only when it is not there, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from airflow_incident_provider.exceptions import AmbiguousWriteError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import Step
from airflow_incident_provider.vendors.base import Request, Response

T = TypeVar("T")

WRITE_ATTEMPTS = 3
"""Posts of one write at most: each one after a lost answer first looks for the earlier ones."""


@dataclass(frozen=True)
class Written(Generic[T]):
    """How a write ended: its answer, or (the answer lost) what :func:`write_at_most_once`'s look-up found."""

    response: Response | None
    found: T | None = None
    earlier: bool = False
    """Found before posting: an earlier try (of a retried task) had made the write."""

    def value(self, parse: Callable[[Response], T]) -> T:
        """The answer as ``parse`` reads it, or (the answer lost) what the look-up found."""
        if self.response is not None:
            return parse(self.response)
        assert self.found is not None
        return self.found

    def step(self, name: str, detail: str | None = None, *, earlier: str, found: str) -> Step:
        """The operation's step: applied unless an earlier try had made the write; its detail ``detail``
        (the answer came), ``earlier``, or ``found`` (the answer lost, the write found)."""
        said = detail if self.response is not None else earlier if self.earlier else found
        return Step(name=name, applied=not self.earlier, detail=said)


def write_at_most_once(
    request: Request,
    find: Callable[[], Flow[T | None]] | None,
    *,
    attempts: int = WRITE_ATTEMPTS,
) -> Flow[Written[T]]:
    """Post ``request``; after a lost answer, run ``find`` and post again only if it finds nothing.

    ``find`` is a flow returning what shows the write landed (a marked note, the created incident), or
    None (or False) when it did not. Without ``find`` (no idempotency key) nothing could tell, so a lost
    answer is raised as is; so is the last one, once ``find`` has found nothing after it. With ``find``,
    each post leaves half its time left for the look (``Request.settled_by_lookup``).
    """
    if find is not None:
        request = replace(request, settled_by_lookup=True)
    for attempt in range(1, attempts + 1):
        try:
            return Written((yield request))
        except AmbiguousWriteError:
            if find is None:
                raise
            found = yield from find()
            if found is not None and found is not False:
                return Written(None, found)
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def post_unless_found(
    request: Request, find: Callable[[], Flow[T | None]] | None, *, attempts: int = WRITE_ATTEMPTS
) -> Flow[Written[T]]:
    """Run ``find`` first (an earlier try may have made the write), then :func:`write_at_most_once`."""
    if find is not None:
        found = yield from find()
        if found is not None and found is not False:
            return Written(None, found, earlier=True)
    return (yield from write_at_most_once(request, find, attempts=attempts))


def read_back(read: Callable[[], Flow[T]], took: Callable[[T], bool]) -> Callable[[], Flow[T | None]]:
    """A look-up for a write whose answer was lost: read again, and keep the reading if it shows the write."""

    def find() -> Flow[T | None]:
        now = yield from read()
        return now if took(now) else None

    return find
