"""What the shared waiting-feed tests (``tests/triggers/test_shared_waiting_feeds.py``) need of each vendor
whose status triggers share a poller of a change feed read from an incident list.

Each such vendor's ``tests/fixtures_<vendor>.py`` declares its ``FEED``: the status words the sandbox
moves an incident with, how its feed pages, and which of the feed's traits apply. The shared tests run
over every registered vendor that declares one, so nothing there names a vendor.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from airflow_incident_provider.registry import VENDOR_NAMES
from airflow_incident_provider.triggers import IncidentStatusTrigger
from airflow_incident_provider.triggers.change_poller import poller_for
from tests.fixtures import VendorSandbox

INTERVAL = 0.2


class FeedCase(NamedTuple):
    """The vendor's own status words the sandbox moves an incident with, and how its feed pages."""

    fixture: str
    opened: str
    acknowledged: str
    resolved: str
    later_page: Callable[[dict[str, str]], bool]
    """Whether a feed request's query asks for a page after the first."""
    page_size: int
    scoped: bool = False
    """Refs carry a scope (a status page, a team) the connection supplies for a bare incident id."""
    refused_at: str | None = None
    """The feed's list as a sandbox fault path, for a refused feed; None where the vendor's own reads of
    an incident are list reads too (they would count as feed reads)."""
    lone_wait_reads_own: bool = False
    """A lone wait reads its own incident rather than its scope's list (snapshot feeds of status pages)."""


def feed_cases() -> Mapping[str, FeedCase]:
    """Vendor -> its feed case, for every registered vendor whose fixtures module declares one (called by
    the tests, not here: the fixtures modules import this one)."""
    modules = {name: importlib.import_module(f"tests.fixtures_{name}") for name in VENDOR_NAMES}
    return {name: module.FEED for name, module in modules.items() if hasattr(module, "FEED")}


class Case(NamedTuple):
    vendor: str
    words: FeedCase
    box: VendorSandbox

    @property
    def conn_id(self) -> str:
        return self.box.conn_id

    def create(self, title: str = "Checkout latency") -> str:
        """A new incident in the vendor's default scope (status page, team); its full ref."""
        action = self.box.server.schedule_incident(self.vendor, title, 0)
        assert action["state"] == "applied", action
        return str(action["ref"])

    def move(self, ref: str, status: str) -> None:
        action = self.box.server.schedule_status(self.vendor, ref, status, 0)
        assert action["state"] == "applied", action

    def trigger(self, ref: str, seconds: float = 20, **kwargs: Any) -> IncidentStatusTrigger:
        options: dict[str, Any] = {"poll_interval": INTERVAL, "deadline": time.time() + seconds}
        options.update(kwargs)
        return IncidentStatusTrigger(conn_id=self.conn_id, incident_ref=ref, **options)

    def feed_reads(self) -> list[dict[str, Any]]:
        """The list reads the sandbox served (feed pages, and Pinghome's own reads, which are lists too)."""
        return [r for r in self.box.requests() if r["method"] == "GET" and r["path"].endswith("/incidents")]


async def payload_of(trigger: IncidentStatusTrigger) -> dict[str, Any]:
    event = await trigger.wait()
    assert isinstance(event.payload, dict)
    return event.payload


async def polls_pass(conn_id: str, count: int) -> None:
    """Until the running loop's poller of ``conn_id`` has read the feed ``count`` more times."""
    poller = poller_for(conn_id)
    while poller is None:
        await asyncio.sleep(0.01)
        poller = poller_for(conn_id)
    target = poller.polls + count
    while poller.polls < target:
        await asyncio.sleep(0.01)
