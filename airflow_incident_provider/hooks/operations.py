"""The operations every vendor hook offers, each written once as a flow and run sync or async.

Operators, sensors, triggers and notifiers call only these methods. A vendor hook writes the
``*_flow`` generators; the sync method drives its flow with :meth:`run`, the ``a``-prefixed twin with
:meth:`arun` (both supplied by :class:`~airflow_incident_provider.hooks.base.IncidentHook`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from airflow_incident_provider.exceptions import ConnectionConfigError, UnsupportedOperationError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import (
    ChangeFeed,
    Escalation,
    Incident,
    IncidentChange,
    IncidentCreate,
    IncidentUpdate,
    ListQuery,
    OperationResult,
    WriteOptions,
)

T = TypeVar("T")


class IncidentOperations:
    """The vendor-agnostic operations: a flow per operation, and its sync and async entry points."""

    vendor_name: ClassVar[str]
    hook_name: ClassVar[str]
    conn_id: str

    def run(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result with the sync client."""
        raise NotImplementedError

    async def arun(self, flow: Flow[T]) -> T:
        """Drive ``flow`` to its result with the running loop's async client."""
        raise NotImplementedError

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        raise NotImplementedError

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        raise NotImplementedError

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        raise NotImplementedError

    supports_change_feed: ClassVar[bool] = False
    """Whether one read can name every incident that changed since a moment (PagerDuty's account log,
    Rootly's list by update time) or show how every watched one is now (a status page's list);
    triggers waiting on such a connection share one poller instead of each polling its incident."""

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """Every change since ``since``, every page read (see :class:`~..models.ChangeFeed`);
        ``watched`` are the refs waited on, for feeds read per scope (a status page, a team)."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no change feed")

    def watched_changes_flow(
        self, since: datetime, watched: Collection[str], on_page: Callable[[list[IncidentChange]], None]
    ) -> Flow[ChangeFeed]:
        """As :meth:`changes_flow`, for a reader of the ``watched`` refs only, who takes the changes from
        ``on_page`` as they are read (the feed returned lists none, only its ``as_of``). A hook may hand
        them page by page and leave out its copies of other incidents (PagerDuty does), so a burst of
        changes on the account is never held whole; by default, the whole feed at the end."""
        feed = yield from self.changes_flow(since, watched)
        on_page(feed.changes)
        return ChangeFeed([], feed.as_of, feed.snapshot, feed.unseen)

    async def achanges_since(
        self,
        since: datetime,
        watched: Collection[str] = (),
        on_page: Callable[[list[IncidentChange]], None] | None = None,
    ) -> ChangeFeed:
        """The changes since ``since``; with ``on_page``, see :meth:`watched_changes_flow`."""
        if on_page is None:
            return await self.arun(self.changes_flow(since, watched))
        return await self.arun(self.watched_changes_flow(since, watched, on_page))

    supports_read_many: ClassVar[bool] = False
    """Whether one listing shows the current state of many incidents (PagerDuty's open incidents), so
    triggers starting together can take their first read from it."""

    def read_many_flow(self, refs: Collection[str], found: Callable[[Incident], None]) -> Flow[None]:
        """Hand ``found`` each incident of ``refs`` the listing shows, page by page, reading on only while
        that costs fewer requests than reading the rest one by one; those not handed over are left to
        single reads."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no listing to read many incidents from")

    async def aread_many(self, refs: Collection[str], found: Callable[[Incident], None]) -> None:
        await self.arun(self.read_many_flow(refs, found))

    supports_bulk_transition: ClassVar[bool] = False
    """Whether the vendor can acknowledge or resolve many incidents in one request (PagerDuty)."""

    def bulk_transition_flow(
        self, refs: Sequence[str], status: str, resolution: str | None, options: WriteOptions
    ) -> Flow[list[OperationResult]]:
        """Move many incidents to ``status`` with the vendor's native bulk endpoint, one result each."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no bulk endpoint")

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """Create an incident at most once per ``create.dedup_key`` (look for it first, then create)."""
        raise UnsupportedOperationError(f"{self.vendor_name} does not document creating incidents")

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Escalate to the named targets, or one step up the vendor's scale, computed once, absolute."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no escalation")

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Assign the incident to exactly ``assignees`` (changed: false when it already is)."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no assignees")

    def check_connection_flow(self) -> Flow[str]:
        raise NotImplementedError

    def get_incident(self, incident_id: str, *, include_raw: bool = False) -> Incident:
        """The incident, normalized."""
        return self.run(self.get_flow(incident_id, include_raw=include_raw))

    async def aget_incident(self, incident_id: str, *, include_raw: bool = False) -> Incident:
        return await self.arun(self.get_flow(incident_id, include_raw=include_raw))

    def update_incident(
        self, incident_id: str, update: IncidentUpdate, options: WriteOptions | None = None
    ) -> OperationResult:
        """Apply ``update``; validated in full before the first request."""
        return self.run(self.update_flow(incident_id, update, options or WriteOptions()))

    async def aupdate_incident(
        self, incident_id: str, update: IncidentUpdate, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.update_flow(incident_id, update, options or WriteOptions()))

    def resolve_incident(
        self,
        incident_id: str,
        resolution: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        """Resolve; an incident already resolved is ``changed: false``."""
        return self.run(self.resolve_flow(incident_id, resolution, note, options or WriteOptions()))

    async def aresolve_incident(
        self,
        incident_id: str,
        resolution: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        return await self.arun(self.resolve_flow(incident_id, resolution, note, options or WriteOptions()))

    def acknowledge_incident(
        self, incident_id: str, note: str | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        """Acknowledge; at or past acknowledged is ``changed: false`` and never reopens."""
        return self.run(self.acknowledge_flow(incident_id, note, options or WriteOptions()))

    async def aacknowledge_incident(
        self, incident_id: str, note: str | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.acknowledge_flow(incident_id, note, options or WriteOptions()))

    def add_note(self, incident_id: str, note: str, options: WriteOptions | None = None) -> OperationResult:
        """Add a note; with an idempotency key in ``options``, at most once however often it is retried."""
        return self.run(self.add_note_flow(incident_id, note, options or WriteOptions()))

    async def aadd_note(
        self, incident_id: str, note: str, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.add_note_flow(incident_id, note, options or WriteOptions()))

    def create_incident(self, create: IncidentCreate, options: WriteOptions | None = None) -> OperationResult:
        """Create an incident; with ``create.dedup_key``, a retry returns the first one (changed: false)."""
        return self.run(self.create_flow(create, options or WriteOptions()))

    async def acreate_incident(
        self, create: IncidentCreate, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.create_flow(create, options or WriteOptions()))

    def escalate_incident(
        self, incident_id: str, escalation: Escalation | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        """Escalate; at the top of the vendor's scale it is ``changed: false``."""
        return self.run(
            self.escalate_flow(incident_id, escalation or Escalation(), options or WriteOptions())
        )

    async def aescalate_incident(
        self, incident_id: str, escalation: Escalation | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(
            self.escalate_flow(incident_id, escalation or Escalation(), options or WriteOptions())
        )

    def reassign_incident(
        self,
        incident_id: str,
        assignees: tuple[str, ...],
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        """Assign the incident to ``assignees`` (replacing the current ones)."""
        return self.run(self.reassign_flow(incident_id, assignees, note, options or WriteOptions()))

    async def areassign_incident(
        self,
        incident_id: str,
        assignees: tuple[str, ...],
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        return await self.arun(self.reassign_flow(incident_id, assignees, note, options or WriteOptions()))

    def bulk_transition(
        self,
        refs: Sequence[str],
        status: str,
        resolution: str | None = None,
        options: WriteOptions | None = None,
    ) -> list[OperationResult]:
        """Acknowledge or resolve many incidents through the vendor's bulk endpoint (see the flow)."""
        return self.run(self.bulk_transition_flow(refs, status, resolution, options or WriteOptions()))

    async def abulk_transition(
        self,
        refs: Sequence[str],
        status: str,
        resolution: str | None = None,
        options: WriteOptions | None = None,
    ) -> list[OperationResult]:
        return await self.arun(self.bulk_transition_flow(refs, status, resolution, options or WriteOptions()))

    def list_incidents(self, query: ListQuery | None = None, **filters: Any) -> list[Incident]:
        """Incidents matching the query (or its fields as keywords), every page fetched for the caller."""
        return self.run(self.list_flow(query or ListQuery(**filters)))

    async def alist_incidents(self, query: ListQuery | None = None, **filters: Any) -> list[Incident]:
        return await self.arun(self.list_flow(query or ListQuery(**filters)))

    def test_connection(self) -> tuple[bool, str]:
        """For the Airflow UI's Test button: one cheap authenticated read, no secret in the message.

        Airflow tests a form under a random connection id of its own making, so a settings error names
        the connection type instead of that id (which would name nothing the user knows).
        """
        try:
            return True, self.run(self.check_connection_flow())
        except ConnectionConfigError as exc:
            problem = str(exc).removeprefix(f"connection {self.conn_id!r}: ")
            return False, f"{self.hook_name} connection: {problem}"
        except Exception as exc:  # the UI wants a message, not a traceback
            return False, str(exc)
