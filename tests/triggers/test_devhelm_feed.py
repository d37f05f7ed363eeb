"""DevHelm's own trait of its shared waiting feed, over the sandbox: the feed lists a status page's
unresolved incidents, so a resolved one waited on is read on its own (the traits every feed shares are
``tests/triggers/test_shared_waiting_feeds.py``'s)."""

from __future__ import annotations

import asyncio
from typing import Any

from airflow_incident_provider.triggers.change_poller import poller_for
from tests.fixtures import VendorSandbox
from tests.fixtures_devhelm import FEED
from tests.triggers.feeds import Case, payload_of, polls_pass


def test_a_devhelm_incident_off_the_feeds_list_falls_back_to_its_own_read(
    devhelm: VendorSandbox,
) -> None:
    """DevHelm's feed lists unresolved incidents: a resolved one waited on (for a reopen) is read alone."""
    case = Case("devhelm", FEED, devhelm)
    ref = case.create()
    case.move(ref, "RESOLVED")

    async def scenario() -> tuple[dict[str, Any], tuple[str, ...]]:
        waiting = asyncio.ensure_future(
            payload_of(case.trigger(ref, target_statuses=[], changed_from=["resolved"]))
        )
        await polls_pass(case.conn_id, 2)
        poller = poller_for(case.conn_id)
        assert poller is not None
        watched = tuple(poller.by_ref)  # still waiting through the poller, not on its own
        await asyncio.to_thread(case.move, ref, "INVESTIGATING")
        return await waiting, watched

    payload, watched = asyncio.run(scenario())
    assert (payload["status"], payload["incident"]["status"]) == ("success", "investigating")
    singles = [r for r in devhelm.requests() if r["path"] == f"/incidents/{ref.split('/')[1]}"]
    assert len(singles) >= 3  # its first read, then one a poll while the feed could not see it
    assert ref in watched
