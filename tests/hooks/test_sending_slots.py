"""A rate-limit slot is taken only once a socket is free, so requests reach the vendor when their slot
says: a burst larger than the connection pool must not take all its slots at once and then queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_incident_provider.hooks import get_incident_hook, ratelimit, transport
from airflow_incident_provider.pool import POOL_SIZE
from tests.fixtures import PD_CONN_ID, Sandbox

CALLS = 3 * POOL_SIZE


def test_no_more_slots_are_held_than_sockets(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    pd.use_connection(monkeypatch)
    incident = pd.with_status("triggered")
    pd.admin.post(
        "/_sandbox/faults", json={"vendor": "pagerduty", "kind": "delay", "seconds": 0.05}
    ).raise_for_status()
    holding = {"now": 0, "most": 0}
    claim, asend = ratelimit.SlidingWindowLimiter.claim, transport.asend

    def counted_claim(
        self: ratelimit.SlidingWindowLimiter, max_wait: float = float("inf")
    ) -> tuple[float, float] | None:
        holding["now"] += 1
        holding["most"] = max(holding["most"], holding["now"])
        return claim(self, max_wait)

    async def counted_asend(*args: Any) -> Any:
        try:
            return await asend(*args)
        finally:
            holding["now"] -= 1

    monkeypatch.setattr(ratelimit.SlidingWindowLimiter, "claim", counted_claim)
    monkeypatch.setattr(transport, "asend", counted_asend)

    async def burst() -> None:
        hook = get_incident_hook(PD_CONN_ID)
        async with hook.hold_client():
            await asyncio.gather(*(hook.aget_incident(incident) for _ in range(CALLS)))

    asyncio.run(burst())
    assert holding["now"] == 0
    assert holding["most"] == POOL_SIZE, "a slot per free socket, never one per waiting caller"
