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

from airflow_incident_provider.conditions import Outcome, StatusCondition
from airflow_incident_provider.exceptions import (
    IncidentError,
    IncidentNotFoundError,
    RateLimitedError,
    VendorError,
)

if TYPE_CHECKING:
    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import Incident

MAX_STRETCH = 8
"""After repeated 429s the poll interval grows up to this multiple of ``poll_interval``."""


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
        """Poll until the event; the pooled client is released before the event is handed over."""
        try:
            condition = StatusCondition.of(self.target_statuses, self.failure_statuses, self.changed_from)
            hook = await self._hook()
            vendor_condition = condition.for_vendor(hook.vendor)
        except IncidentError as exc:
            return self._event("error", str(exc))
        async with hook.hold_client():
            return await self._poll(hook, vendor_condition.evaluate, condition.describe())

    async def _hook(self) -> IncidentHook:
        from airflow_incident_provider.hooks import aget_incident_hook

        return await aget_incident_hook(self.conn_id)

    async def _poll(
        self, hook: IncidentHook, evaluate: Callable[[Incident], Outcome | None], wanted: str
    ) -> TriggerEvent:
        interval = self.poll_interval
        while True:
            remaining = self.deadline - time.time()
            if remaining <= 0:
                return self._event(
                    "timeout", f"incident {self.incident_ref}: no {wanted} before the deadline"
                )
            try:
                async with asyncio.timeout(remaining):
                    incident = await hook.aget_incident(self.incident_ref)
            except TimeoutError:
                continue  # the deadline passed during the call: the next turn reports the timeout
            except IncidentNotFoundError as exc:
                return self._event("error", f"incident {self.incident_ref} not found: {exc}")
            except RateLimitedError as exc:
                interval = min(max(interval * 2, exc.retry_after or 0.0), self.poll_interval * MAX_STRETCH)
                self.log.warning("Rate limited; polling %s every %.0f s for now", self.incident_ref, interval)
            except VendorError as exc:
                if not exc.retryable:
                    return self._event("error", str(exc))
                self.log.warning("Polling %s failed, will retry: %s", self.incident_ref, exc)
            except IncidentError as exc:
                return self._event("error", str(exc))
            else:
                outcome = evaluate(incident)
                if outcome is Outcome.FAILED:
                    return self._event(
                        "failure",
                        f"incident {incident.ref} is {incident.status}, one of the failure statuses",
                        incident.to_json(),
                    )
                if outcome is Outcome.MET:
                    return self._event(
                        "success", f"incident {incident.ref} is {incident.status}", incident.to_json()
                    )
                interval = self.poll_interval
            await asyncio.sleep(max(0.0, min(interval, self.deadline - time.time())))
