"""IncidentEventTrigger: starts DAG runs (through an ``AssetWatcher``) when incidents appear or move.

One poll loop per (connection, filter, interval) in a triggerer, shared by every watcher with the same
filter through Airflow's ``shared_stream_key``; each watcher compares the snapshot with what it already
reported, kept in the asset's state store (``asset_state_store``), so one incident starts one run per
transition, across polls and triggerer restarts, not one run per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_incident_provider.conditions import normalized_words, vendor_statuses
from airflow_incident_provider.exceptions import RateLimitedError, VendorError
from airflow_incident_provider.models import ListQuery

if TYPE_CHECKING:
    from airflow_incident_provider.hooks.base import IncidentHook

MAX_STRETCH = 8
"""After repeated 429s or transient errors the poll interval grows up to this multiple."""
MEMORY_PREFIX = "incident-events"


class IncidentEventTrigger(BaseEventTrigger):
    """Fire once per incident per transition into the filter: it appeared, or its status changed.

    The event payload: ``conn_id``, ``transition`` (``appeared`` or ``changed``), ``previous_status``
    and the normalized ``incident`` (no raw vendor object, no secret). On its very first start a
    watcher takes the incidents already matching as its baseline and reports only what happens next,
    unless ``report_existing=True``.

    :param conn_id: the incident connection (read in the triggerer).
    :param statuses: status words or phases that match (default: the open phase, i.e. new incidents).
    :param services: service ids to watch (PagerDuty, Rootly); the connection scopes status pages.
    :param teams: team ids to watch (PagerDuty, Rootly).
    :param poll_interval: seconds between list calls, shared by every watcher with the same filter.
    :param report_existing: also report the incidents that already match when first started.
    """

    def __init__(
        self,
        *,
        conn_id: str,
        statuses: Sequence[str] = ("open",),
        services: Sequence[str] = (),
        teams: Sequence[str] = (),
        poll_interval: float = 60.0,
        report_existing: bool = False,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.conn_id = conn_id
        self.statuses = normalized_words(statuses)
        self.services = tuple(services)
        self.teams = tuple(teams)
        self.poll_interval = float(poll_interval)
        self.report_existing = report_existing
        self._seen: dict[str, str] | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "statuses": list(self.statuses),
                "services": list(self.services),
                "teams": list(self.teams),
                "poll_interval": self.poll_interval,
                "report_existing": self.report_existing,
            },
        )

    # --- the shared poll --------------------------------------------------------------------------

    def shared_stream_key(self) -> Hashable | None:
        """Watchers of the same filter on the same connection share one poll loop."""
        return (
            MEMORY_PREFIX,
            self.conn_id,
            tuple(sorted(self.statuses)),
            tuple(sorted(self.services)),
            tuple(sorted(self.teams)),
            self.poll_interval,
        )

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        """List the matching incidents every ``poll_interval`` and yield each complete snapshot.

        Rate limits and transient failures stretch the interval; refused credentials and bad filters
        raise, so every watcher of the stream fails visibly instead of polling forever.
        """
        from airflow_incident_provider.hooks import aget_incident_hook

        hook = await aget_incident_hook(kwargs["conn_id"])
        query = list_query(hook, kwargs)
        base = float(kwargs["poll_interval"])
        interval = base
        async with hook.hold_client():
            while True:
                try:
                    incidents = await hook.alist_incidents(query)
                except VendorError as exc:
                    if not exc.retryable:
                        raise
                    wait = exc.retry_after if isinstance(exc, RateLimitedError) else None
                    interval = min(max(interval * 2, wait or 0.0), base * MAX_STRETCH)
                    hook.log.warning("Listing incidents failed, next try in %.0f s: %s", interval, exc)
                else:
                    interval = base
                    yield {
                        "polled_at": datetime.now(UTC).isoformat(),
                        "incidents": [incident.to_json() for incident in incidents],
                    }
                await asyncio.sleep(interval)

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """Turn each snapshot into one event per incident that appeared or changed status since."""
        async for snapshot in shared_stream:
            incidents: list[dict[str, Any]] = snapshot["incidents"]
            seen = await self._recall()
            first = seen is None
            if not first or self.report_existing:
                for incident in incidents:
                    previous = (seen or {}).get(incident["ref"])
                    if previous != incident["status"]:
                        yield TriggerEvent(  # type: ignore[no-untyped-call]
                            {
                                "conn_id": self.conn_id,
                                "transition": "appeared" if previous is None else "changed",
                                "previous_status": previous,
                                "incident": incident,
                            }
                        )
            current = {incident["ref"]: incident["status"] for incident in incidents}
            if first or current != seen:
                await self._remember(current)  # after the events: a crash repeats one, never loses one

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Outside a shared-stream triggerer (a test, an older triggerer): the same, unshared."""
        async for event in self.filter_shared_stream(type(self).open_shared_stream(self.serialize()[1])):
            yield event

    # --- what this watcher already reported ----------------------------------------------------------

    def memory_key(self) -> str:
        """The state-store key of this filter; watchers of one asset with other filters keep their own."""
        digest = hashlib.sha256(json.dumps(self.shared_stream_key()).encode()).hexdigest()[:16]
        return f"{MEMORY_PREFIX}/{digest}"

    async def _recall(self) -> dict[str, str] | None:
        """Incident ref -> status last reported, or None on the very first start."""
        if self._seen is None and self.asset_state_store is not None:
            try:
                stored = await self.asset_state_store.aget(self.memory_key())
            except ValueError:  # watched by several assets: no single store to use
                self.log.warning("Several assets watch this trigger; remembering in memory only")
                stored = None
            if isinstance(stored, Mapping):
                self._seen = {str(ref): str(status) for ref, status in stored.items()}
        return None if self._seen is None else dict(self._seen)

    async def _remember(self, seen: dict[str, str]) -> None:
        self._seen = dict(seen)
        if self.asset_state_store is not None:
            with contextlib.suppress(ValueError):  # several assets: already warned in _recall
                await self.asset_state_store.aset(self.memory_key(), dict(seen))


def list_query(hook: IncidentHook, kwargs: Mapping[str, Any]) -> ListQuery:
    """The list call of a watcher's filter; phases expanded to the vendor's statuses, checked first."""
    words = tuple(kwargs.get("statuses") or ())
    statuses = sorted(vendor_statuses(words, hook.vendor, "statuses")) if words else []
    return ListQuery(
        statuses=tuple(statuses),
        services=tuple(kwargs.get("services") or ()),
        teams=tuple(kwargs.get("teams") or ()),
    )
