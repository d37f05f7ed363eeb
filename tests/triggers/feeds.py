"""What the shared feed tests (``tests/triggers/test_shared_waiting_feeds.py``) need of each vendor whose
waits share a poller of a list of incidents (by update time, or a snapshot of a page's or team's list).

Each such vendor's ``tests/fixtures_<vendor>.py`` declares its ``FEED``; a vendor whose feed those tests do
not fit declares ``FEED = None`` and says where its feed is tested. The shared tests read the rows through
the registry; a registered vendor whose hook has a change feed and whose fixtures module declares no
``FEED`` fails ``test_every_vendor_with_a_change_feed_has_its_feed_case``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import NamedTuple

from airflow_incident_provider.registry import VENDOR_NAMES

MISSING = object()


class FeedCase(NamedTuple):
    """The vendor's own status words the sandbox moves an incident with, and how its feed reads."""

    opened: str
    acknowledged: str
    resolved: str
    later_page: Callable[[dict[str, str]], bool]
    """Whether a feed request's query asks for a page after the first."""
    page_size: int
    list_path: str = "/incidents"
    """How the paths of the feed's list reads end, as the vendor's test handle shows them."""
    scoped: bool = True
    """A ref names a scope (a status page, a team) the connection supplies for an incident id alone."""
    feed_pattern: str | None = None
    """The path pattern (``fnmatch``, as the sandbox's faults take it) of the feed's list reads, when a
    trigger's own read is another request: refusing it sends the triggers back to their own reads."""
    own_reads: bool = False
    """The feed is a snapshot of a page's list, and a trigger's own read is ``GET /incidents/{id}``."""
    unresolved_only: bool = False
    """The list leaves resolved incidents out: a watched resolved incident is read on its own."""


def load_feed_cases() -> tuple[Mapping[str, FeedCase], tuple[str, ...]]:
    """Each registered vendor's ``FEED`` that the shared tests run, and the vendors that declare none."""
    cases: dict[str, FeedCase] = {}
    undeclared: list[str] = []
    for name in VENDOR_NAMES:
        case = getattr(importlib.import_module(f"tests.fixtures_{name}"), "FEED", MISSING)
        if isinstance(case, FeedCase):
            cases[name] = case
        elif case is MISSING:
            undeclared.append(name)
    return cases, tuple(undeclared)
