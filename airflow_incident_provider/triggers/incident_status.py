"""IncidentStatusTrigger: waits in the triggerer until an incident reaches a status, fails, or times out.

It serializes only the connection id, the incident ref, the status words, the poll interval and an
absolute deadline: the token is read inside the triggerer from the connection. It yields its own
timeout event at the deadline, because ``dag.test()`` enforces no deferral timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_incident_provider.conditions import Outcome, StatusCondition, VendorCondition
from airflow_incident_provider.exceptions import (
    IncidentError,
    IncidentNotFoundError,
    RateLimitedError,
    VendorError,
)
from airflow_incident_provider.models import Incident
from airflow_incident_provider.triggers import change_poller, loop_hooks

if TYPE_CHECKING:
    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.vendors.protocol import VendorModule

MAX_STRETCH = 8
"""After repeated 429s the poll interval grows up to this multiple of ``poll_interval``."""


_CONDITIONS: dict[
    tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str], tuple[VendorCondition, str]
] = {}
CONDITIONS_KEPT = 256


def _condition(
    targets: tuple[str, ...], failures: tuple[str, ...], changed_from: tuple[str, ...], vendor: VendorModule
) -> tuple[VendorCondition, str]:
    """The condition in the vendor's words and what it waits for in words, one of each for every trigger
    waiting for the same thing."""
    key = (targets, failures, changed_from, vendor.NAME)
    found = _CONDITIONS.get(key)
    if found is None:
        if len(_CONDITIONS) >= CONDITIONS_KEPT:
            _CONDITIONS.clear()
        condition = StatusCondition.of(targets, failures, changed_from)
        found = _CONDITIONS[key] = (condition.for_vendor(vendor), condition.describe())
    return found


class IncidentStatusTrigger(BaseTrigger):
    """Poll one incident with the async hook until its status meets the condition.

    Events (``payload["status"]``): ``success`` with the normalized ``incident``; ``failure`` when the
    incident is in a failure status; ``timeout`` at ``deadline``; ``error`` for a missing incident,
    refused credentials or a bad argument, with the message.

    :param conn_id: the incident connection (read in the triggerer).
    :param incident_ref: the incident's id or ref.
    :param target_statuses: status words or phases to wait for; empty with ``changed_from`` = any.
    :param failure_statuses: status words or phases that end the wait as a failure.
    :param changed_from: status words or phases the incident must have left.
    :param poll_interval: seconds between polls; stretched (never shortened) by 429s and the shared
        per-credential rate limiter.
    :param deadline: POSIX time after which the trigger yields ``timeout``.
    """

    def __init__(
        self,
        *,
        conn_id: str,
        incident_ref: str,
        target_statuses: Sequence[str] = ("resolved",),
        failure_statuses: Sequence[str] = (),
        changed_from: Sequence[str] = (),
        poll_interval: float = 60.0,
        deadline: float,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.conn_id = conn_id
        self.incident_ref = incident_ref
        self.target_statuses = tuple(target_statuses)
        self.failure_statuses = tuple(failure_statuses)
        self.changed_from = tuple(changed_from)
        self.poll_interval = float(poll_interval)
        self.deadline = float(deadline)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Primitives only: no token, no incident body."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "incident_ref": self.incident_ref,
                "target_statuses": list(self.target_statuses),
                "failure_statuses": list(self.failure_statuses),
                "changed_from": list(self.changed_from),
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
            },
        )

    def _event(self, status: str, message: str, incident: dict[str, Any] | None = None) -> TriggerEvent:
        return TriggerEvent(  # type: ignore[no-untyped-call]
            {"status": status, "message": message, "incident_ref": self.incident_ref, "incident": incident}
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        yield await self.wait()

    async def wait(self) -> TriggerEvent:
        """Wait for the event; the pooled client is released before the event is handed over.

        The hook (connection, settings, client) is the one every trigger on the connection in this
        event loop shares (:mod:`.loop_hooks`). On a connection whose hook has a change feed
        (``supports_change_feed``) the trigger shares its loop's poller of the connection
        (:mod:`.change_poller`); otherwise it reads its own incident every ``poll_interval``.

        Sharing, the trigger registers with the poller before its first read (its own, or the poller's
        bulk read when many start at once), so a change is either in that read or handed over later.
        When the vendor names the incident by another ref than the one given, the trigger answers to
        that one too and reads once more, closing the gap between its read and that.
        """
        try:
            StatusCondition.of(self.target_statuses, self.failure_statuses, self.changed_from)
            hook, shared = await loop_hooks.borrow(self.conn_id, self._hook)
        except IncidentError as exc:
            return self._event("error", str(exc))
        try:
            try:
                condition, wanted = _condition(
                    self.target_statuses, self.failure_statuses, self.changed_from, hook.vendor
                )
            except IncidentError as exc:
                return self._event("error", str(exc))
            if not hook.supports_change_feed:
                return await self._poll(hook, condition.evaluate, wanted)
            # Shared waiting, written here rather than in a method of its own: thousands of waits each
            # hold this coroutine, and a second one each would cost a third of a kilobyte more.
            waiter = change_poller.join(hook, self.incident_ref, self.poll_interval)
            try:
                # One variable for every state judged, dropped once judged: nothing is held while waiting.
                delivery: change_poller.Delivery | TriggerEvent | None = None
                if self.deadline - time.time() <= 0:
                    return self._timeout(wanted)
                listed = waiter.listed(self.deadline)  # many starting at once: one bulk read for them all
                if listed is not None:
                    delivery = await listed
                    listed = None  # the future holds the incident as its result
                    if waiter.expired:
                        return self._timeout(wanted)
                if delivery is None:
                    delivery = await waiter.poller.read_own(self._first_read(hook, wanted))
                if isinstance(delivery, Incident) and delivery.ref != self.incident_ref:
                    change_poller.also_answer(waiter, delivery.ref)
                    delivery = await self._first_read(hook, wanted)
                if isinstance(delivery, TriggerEvent):
                    return delivery
                while True:
                    if isinstance(delivery, change_poller.FeedUnavailable):
                        return await self._poll(hook, condition.evaluate, wanted)
                    assert delivery is not None
                    event = (
                        self._refused(delivery)
                        if isinstance(delivery, IncidentError)
                        else self._judged(delivery, condition.evaluate)
                    )
                    if event is not None:
                        return event
                    delivery = None
                    if self.deadline - time.time() <= 0:
                        return self._timeout(wanted)
                    await waiter.arrival(self.deadline)
                    delivery = waiter.take()
                    if delivery is None:  # the deadline came first
                        return self._timeout(wanted)
            finally:
                change_poller.leave(waiter)
        finally:
            await loop_hooks.give_back(self.conn_id, shared)

    async def _hook(self) -> IncidentHook:
        from airflow_incident_provider.hooks import aget_incident_hook

        return await aget_incident_hook(self.conn_id)

    def _timeout(self, wanted: str) -> TriggerEvent:
        return self._event("timeout", f"incident {self.incident_ref}: no {wanted} before the deadline")

    def _judged(
        self, incident: Incident, evaluate: Callable[[Incident], Outcome | None]
    ) -> TriggerEvent | None:
        """The event ``incident`` ends the wait with, or None to keep waiting."""
        outcome = evaluate(incident)
        if outcome is Outcome.FAILED:
            return self._event(
                "failure",
                f"incident {incident.ref} is {incident.status}, one of the failure statuses",
                incident.to_json(),
            )
        if outcome is Outcome.MET:
            return self._event("success", f"incident {incident.ref} is {incident.status}", incident.to_json())
        return None

    def _refused(self, exc: IncidentError) -> TriggerEvent | None:
        """The event a failed read ends the wait with, or None when it is worth trying again."""
        if isinstance(exc, IncidentNotFoundError):
            return self._event("error", f"incident {self.incident_ref} not found: {exc}")
        if isinstance(exc, VendorError) and exc.retryable:
            return None
        return self._event("error", str(exc))

    async def _read(
        self, hook: IncidentHook, interval: float
    ) -> tuple[Incident | TriggerEvent | None, float]:
        """One read of the incident: it, or the event that ends the wait, or None to try again; and the
        interval until the next read (stretched by 429s)."""
        remaining = self.deadline - time.time()
        if remaining <= 0:
            return None, interval
        try:
            async with asyncio.timeout(remaining):
                return await hook.aget_incident(self.incident_ref), self.poll_interval
        except TimeoutError:
            return None, interval  # the deadline passed during the call: the next turn reports it
        except RateLimitedError as exc:
            interval = min(max(interval * 2, exc.retry_after or 0.0), self.poll_interval * MAX_STRETCH)
            self.log.warning("Rate limited; polling %s every %.0f s for now", self.incident_ref, interval)
            return None, interval
        except IncidentError as exc:
            event = self._refused(exc)
            if event is None:
                self.log.warning("Polling %s failed, will retry: %s", self.incident_ref, exc)
            return event, interval

    async def _sleep(self, interval: float) -> None:
        await asyncio.sleep(max(0.0, min(interval, self.deadline - time.time())))

    async def _poll(
        self, hook: IncidentHook, evaluate: Callable[[Incident], Outcome | None], wanted: str
    ) -> TriggerEvent:
        """Read the incident every interval until the event."""
        interval = self.poll_interval
        while True:
            if self.deadline - time.time() <= 0:
                return self._timeout(wanted)
            result, interval = await self._read(hook, interval)
            if isinstance(result, TriggerEvent):
                return result
            if result is not None:
                event = self._judged(result, evaluate)
                if event is not None:
                    return event
            await self._sleep(interval)

    async def _first_read(self, hook: IncidentHook, wanted: str) -> Incident | TriggerEvent:
        """Read the incident until one read succeeds (or the wait ends)."""
        interval = self.poll_interval
        while True:
            if self.deadline - time.time() <= 0:
                return self._timeout(wanted)
            result, interval = await self._read(hook, interval)
            if result is not None:
                return result
            await self._sleep(interval)
