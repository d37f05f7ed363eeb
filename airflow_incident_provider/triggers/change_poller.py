"""One poller per (event loop, connection) for every status trigger waiting on that connection.

Instead of each trigger reading its own incident every interval, the poller reads what changed on the
whole connection once per interval (the hook's change feed, e.g. PagerDuty's account log, or a
snapshot of the lists the watched incidents are on, see ``hooks.snapshot_feed``) and hands an
incident only to the triggers waiting on it. Each trigger still reads its incident once itself when it
starts, and decides on its own (deadline, statuses, event); the poller only tells it what it needs.

No change is missed, and a quiet connection costs one request a poll: each window starts where the
vendor's clock stood when the previous read began, less ``OVERLAP`` seconds (an entry written a little
late is still read), and never moves back. The vendor's clock is what it says in its answer (the HTTP
``Date`` of the first page), or else an estimate from its own stamps, as a lower bound (an entry
cannot be read before it is stamped); until a first stamp is read it is taken to be ``LOOKBACK``
seconds behind the triggerer's. Either way skew between the vendor and the triggerer plays no part. A
failed read leaves the window where it was; the changes already handed over are remembered by id, so an
overlap hands nothing over twice.

A trigger registers before its first read, so a change is either in that read or in a later poll.
The first read is the trigger's own, unless many start at once: from ``BULK_FROM`` first reads in
flight, a starting trigger joins the next bulk read instead (the hook's ``read_many``, e.g. PagerDuty's
open incidents; it gathers the triggers starting within ``GATHER`` seconds), and reads its own only if
that read did not show its incident.

The poller starts with its first trigger and stops with its last; a trigger leaving (event,
cancellation) never stops the others. Registries are per event loop, since ``dag.test()`` runs each
trigger in a loop of its own and a client must not outlive its loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, TypeVar

from airflow_incident_provider.exceptions import IncidentError, RateLimitedError, VendorError
from airflow_incident_provider.models import Incident

if TYPE_CHECKING:
    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import IncidentChange

log = logging.getLogger(__name__)
T = TypeVar("T")

LOOKBACK: Final = 120.0
"""How far behind the triggerer's clock the vendor's is taken to be until a first stamp is read."""
OVERLAP: Final = 15.0
"""Seconds each window reaches back before the previous read began (vendor clock): entries written late.
Each change is in the windows of about ``(OVERLAP + interval) / interval`` polls, so this also bounds
what a burst of changes costs."""
MAX_STRETCH: Final = 8
"""After repeated 429s or transient errors the interval grows up to this multiple."""
BULK_FROM: Final = 50
"""Triggers' own first reads in flight from which a starting trigger waits for a bulk read instead: below
it each reads its own at once (a few requests, no wait); above it, at the vendor's budget, each would
queue behind the others for minutes."""
GATHER: Final = 1.0
"""Seconds a bulk first read waits for more starting triggers to join it."""


class FeedUnavailable:
    """Handed to every waiter when the change feed refuses for good (e.g. a token without the scope
    to read the account log): each goes back to reading its own incident."""

    def __init__(self, error: IncidentError) -> None:
        self.error = error


Delivery = Incident | IncidentError | FeedUnavailable


class Waiter:
    """One trigger's place in a poller: the refs it answers to, its interval, and what the poller has
    handed it, in order. As small as it can be, and allocating nothing long-lived when it wakes (a burst
    of changes wakes thousands of them at once, amid the feed's garbage)."""

    __slots__ = ("_arrival", "_expired", "_items", "_listing", "_timer", "interval", "poller", "refs")

    def __init__(self, interval: float, poller: ChangePoller) -> None:
        self.interval = interval
        self.poller = poller
        self.refs: tuple[str, ...] = ()
        self._items: deque[Delivery] | None = None
        self._arrival: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        """Set once, at the first wait, for the deadline; cancelled when the waiter leaves."""
        self._expired = False
        self._listing: asyncio.Future[Incident | None] | None = None

    def hand(self, item: Delivery) -> None:
        """Hand ``item`` over (the poller's side)."""
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake()

    def _wake(self) -> None:
        if self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)

    @property
    def expired(self) -> bool:
        """Whether the deadline given to :meth:`arrival` or :meth:`listed` has passed."""
        return self._expired

    def _start_timer(self, deadline: float) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(
                max(0.0, deadline - time.time()), self._expire
            )

    def arrival(self, deadline: float) -> asyncio.Future[None]:
        """Done once something is handed over, or at ``deadline`` (POSIX time, the same on every call);
        then :meth:`take`."""
        self._start_timer(deadline)
        self._listing = None  # done with: its result is an incident
        self._arrival = arrival = asyncio.get_running_loop().create_future()
        if self._items or self._expired:
            arrival.set_result(None)
        return arrival

    def listed(self, deadline: float) -> asyncio.Future[Incident | None] | None:
        """The incident from the poller's next bulk first read (None: not shown, or ``deadline`` came
        first), when the poller says to wait for one; None: read it yourself."""
        listing = self.poller.listing(self.refs[0])
        if listing is not None:
            self._start_timer(deadline)
            self._listing = listing
            if self._expired:
                listing.set_result(None)
        return listing

    def _expire(self) -> None:
        self._expired = True
        self._wake()
        if self._listing is not None and not self._listing.done():
            self._listing.set_result(None)

    def take(self) -> Delivery | None:
        """The oldest delivery not taken yet, or None (the deadline came first)."""
        self._arrival = None
        if not self._items:
            return None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def close(self) -> None:
        """Stop the deadline's timer (it holds the waiter until the deadline)."""
        if self._timer is not None:
            self._timer.cancel()
        self._arrival = self._listing = None


class ChangePoller:
    """Reads one connection's change feed while any trigger waits on it; see the module docstring."""

    def __init__(self, hook: IncidentHook) -> None:
        self.hook = hook
        self.by_ref: dict[str, list[Waiter]] = {}
        self.waiters: set[Waiter] = set()
        self.handed: dict[str, tuple[datetime | None, float]] = {}
        """Change id -> its vendor stamp and the monotonic time it was handed over, kept while a window
        can still reach it."""
        self.polls = 0
        self.skew = -LOOKBACK
        self.since = datetime.now(UTC) - timedelta(seconds=LOOKBACK)
        """Where the next read's window starts (vendor clock)."""
        """The vendor's clock minus the triggerer's, in seconds: a lower bound, raised by each stamp read."""
        self.broken: IncidentError | None = None
        self._task: asyncio.Task[None] | None = None
        self.reading = 0
        """Triggers' own first reads in flight."""
        self._batch: dict[str, list[asyncio.Future[Incident | None]]] | None = None
        """The refs of the next bulk first read, each with the futures of its waiters."""
        self._batch_task: asyncio.Task[None] | None = None
        self._unread: dict[str, list[IncidentChange]] = {}
        """In the read under way: the watched incidents whose changes carried no copy, to read after it."""
        self._delivered: set[str] = set()
        """In the read under way: the incidents already handed over."""
        self._seen: set[str] = set()
        """In the read under way: the ids of the watched incidents' changes it showed."""
        self.snapshot = False
        """Whether the feed shows states (a status page's list) rather than changes since a moment."""

    # --- membership ----------------------------------------------------------------------------------

    def add(self, waiter: Waiter, ref: str) -> None:
        """Answer ``waiter`` for changes of ``ref`` too; starts the poll with the first waiter."""
        self.waiters.add(waiter)
        if ref not in waiter.refs:
            waiter.refs += (ref,)
            self.by_ref.setdefault(ref, []).append(waiter)
        if self.broken is not None:
            waiter.hand(FeedUnavailable(self.broken))
        elif self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="incident-change-poller")

    def remove(self, waiter: Waiter) -> bool:
        """Forget ``waiter``; True when it was the last one (the poll is then stopped)."""
        self.waiters.discard(waiter)
        for ref in waiter.refs:
            waiting = self.by_ref.get(ref)
            if waiting is not None and waiter in waiting:
                waiting.remove(waiter)
                if not waiting:
                    del self.by_ref[ref]
        if self.waiters:
            return False
        for task in (self._task, self._batch_task):
            if task is not None:
                task.cancel()
        self._task = self._batch_task = None
        return True

    def interval(self) -> float:
        return min((waiter.interval for waiter in self.waiters), default=60.0)

    # --- first reads -------------------------------------------------------------------------------

    def listing(self, ref: str) -> asyncio.Future[Incident | None] | None:
        """A future for ``ref`` as the next bulk first read shows it (None: not shown), while many first
        reads are in flight; else None, and the trigger reads its own (:meth:`read_own`)."""
        crowded = self._batch is not None or self.reading >= BULK_FROM
        if crowded and self.broken is None and self.hook.supports_read_many:
            return self._listed(ref)
        return None

    async def read_own(self, read: Awaitable[T]) -> T:
        """A trigger's own first read, counted while in flight."""
        self.reading += 1
        try:
            return await read
        finally:
            self.reading -= 1

    def _listed(self, ref: str) -> asyncio.Future[Incident | None]:
        loop = asyncio.get_running_loop()
        if self._batch is None:
            self._batch = {}
            self._batch_task = loop.create_task(self._read_batch(), name="incident-first-reads")
        future: asyncio.Future[Incident | None] = loop.create_future()
        self._batch.setdefault(ref, []).append(future)
        return future

    async def _read_batch(self) -> None:
        """One bulk read for the triggers gathered; each incident handed over as its page comes, so
        thousands of them are never held at once; the refs it did not show get None (read your own)."""
        await asyncio.sleep(GATHER)
        batch, self._batch = self._batch or {}, None

        def found(incident: Incident) -> None:
            for future in batch.pop(incident.ref, ()):
                if not future.done():
                    future.set_result(incident)

        try:
            await self.hook.aread_many(list(batch), found)
        except IncidentError as exc:
            log.warning("Reading %d incidents at once failed, each reads its own: %s", len(batch), exc)
        finally:
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_result(None)

    # --- polling -------------------------------------------------------------------------------------

    async def _run(self) -> None:
        """Poll until cancelled; whatever else ends the poll sends the waiters back to their own reads
        (a poller that died quietly would leave every one of them waiting for its deadline)."""
        try:
            await self._poll()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("The change poller of %s stopped", self.hook.conn_id)
            self._give_up(IncidentError(f"the change poller stopped: {type(exc).__name__}"))

    async def _poll(self) -> None:
        """Every interval: read the changes since the last window (overlapping), hand them over."""
        self.since = since = datetime.now(UTC) - timedelta(seconds=LOOKBACK)
        stretch = 1.0
        async with self.hook.hold_client():
            while True:
                await asyncio.sleep(self.interval() * stretch)  # each waiter has just read itself
                began = datetime.now(UTC)
                self._prune(since)
                self._unread, self._delivered, self._seen = {}, set(), set()
                try:
                    feed = await self.hook.achanges_since(since, self.by_ref, self._take)
                except VendorError as exc:
                    if not exc.retryable:
                        self._give_up(exc)
                        return
                    wait = exc.retry_after if isinstance(exc, RateLimitedError) else None
                    stretch = min(max(stretch * 2, (wait or 0.0) / self.interval()), MAX_STRETCH)
                    log.warning(
                        "Reading what changed failed, next try in %.0f s: %s", self.interval() * stretch, exc
                    )
                    continue
                except IncidentError as exc:
                    self._give_up(exc)
                    return
                stretch = 1.0
                self.polls += 1
                # The vendor's clock when the read began: its Date on the first page, else the estimate.
                vendor_began = feed.as_of or began + timedelta(seconds=self.skew)
                self.since = since = max(since, vendor_began - timedelta(seconds=OVERLAP))
                if feed.snapshot:
                    self._forget_gone_states()
                for ref in feed.unseen:
                    if ref in self.by_ref:
                        self._unread.setdefault(ref, [])
                await self._read_unread()

    def _give_up(self, error: IncidentError) -> None:
        """Until its last waiter leaves, this poller sends every waiter, new ones too, to its own reads."""
        self.broken = error
        log.warning("The change feed is unavailable, every trigger reads its own incident: %s", error)
        for waiter in list(self.waiters):
            waiter.hand(FeedUnavailable(error))

    def _prune(self, since: datetime) -> None:
        """Forget the changes handed over that no window from ``since`` on can reach."""
        if self.snapshot:
            return  # a snapshot's states are forgotten when a read no longer shows them
        now = time.monotonic()
        for change_id, (stamped, handed_at) in list(self.handed.items()):
            if (stamped is not None and stamped < since) or (stamped is None and now - handed_at > LOOKBACK):
                del self.handed[change_id]  # out of every later window

    def _forget_gone_states(self) -> None:
        """A snapshot's ids name states: each is remembered while the snapshot still shows it."""
        self.snapshot = True
        for change_id in [known for known in self.handed if known not in self._seen]:
            del self.handed[change_id]  # that state is gone

    def _take(self, changes: list[IncidentChange]) -> None:
        """One page of the feed, as it is read (so a burst of changes is never held whole): each watched
        incident with a change not handed over yet goes to its waiters once a read, with the feed's copy
        (the newest entry comes first), or, without one, is read after the feed."""
        read, now = datetime.now(UTC), time.monotonic()
        for change in changes:
            if change.at is not None:  # stamped before it was read: a lower bound of the vendor's clock
                self.skew = max(self.skew, (change.at - read).total_seconds())
            ref = change.ref
            if ref not in self.by_ref:
                continue
            self._seen.add(change.id)
            if change.id in self.handed:
                continue
            if ref in self._delivered:
                self.handed[change.id] = (change.at, now)
            elif change.incident is not None:
                self._delivered.add(ref)
                self._deliver(ref, [*self._unread.pop(ref, ()), change], change.incident)
            else:
                self._unread.setdefault(ref, []).append(change)

    async def _read_unread(self) -> None:
        """Read each watched incident whose changes in this read carried no copy of it."""
        unread, self._unread, self._delivered = self._unread, {}, set()
        if unread:
            await asyncio.gather(*(self._hand_one(ref, found) for ref, found in unread.items()))

    async def _hand_one(self, ref: str, changes: list[IncidentChange]) -> None:
        delivery: Incident | IncidentError
        try:
            delivery = await self.hook.aget_incident(ref)
        except VendorError as exc:
            if exc.retryable:  # not marked handed: the next poll's overlap reads it again
                log.warning("Reading changed incident %s failed, will retry: %s", ref, exc)
                return
            delivery = exc
        except IncidentError as exc:
            delivery = exc
        self._deliver(ref, changes, delivery)

    def _deliver(self, ref: str, changes: list[IncidentChange], delivery: Incident | IncidentError) -> None:
        now = time.monotonic()
        for change in changes:
            self.handed[change.id] = (change.at, now)
        for waiter in list(self.by_ref.get(ref, ())):
            waiter.hand(delivery)


_POLLERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ChangePoller]] = (
    weakref.WeakKeyDictionary()
)


def poller_for(conn_id: str) -> ChangePoller | None:
    """The running loop's poller of ``conn_id``, if any trigger waits on it (for tests and benchmarks)."""
    return _POLLERS.get(asyncio.get_running_loop(), {}).get(conn_id)


def join(hook: IncidentHook, ref: str, interval: float) -> Waiter:
    """A waiter for ``ref`` on the running loop's poller of the hook's connection (made on first use);
    hand it to :func:`leave` whatever ends the wait (cancellation included)."""
    pollers = _POLLERS.setdefault(asyncio.get_running_loop(), {})
    poller = pollers.get(hook.conn_id)
    if poller is None:
        poller = pollers[hook.conn_id] = ChangePoller(hook)
    waiter = Waiter(interval, poller)
    poller.add(waiter, ref)
    return waiter


def leave(waiter: Waiter) -> None:
    """Take ``waiter`` off its poller, which stops with its last waiter."""
    waiter.close()
    poller = waiter.poller
    pollers = _POLLERS.get(asyncio.get_running_loop(), {})
    if poller.remove(waiter) and pollers.get(poller.hook.conn_id) is poller:
        del pollers[poller.hook.conn_id]


def also_answer(waiter: Waiter, ref: str) -> None:
    """Hand ``waiter`` changes of ``ref`` too (the vendor's own ref, when the trigger was given another)."""
    if waiter in waiter.poller.waiters:
        waiter.poller.add(waiter, ref)
