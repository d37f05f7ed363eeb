"""PagerDuty's reads for waiting in bulk, mixed into its hook: the account log as the change feed that
shared waiting polls, and the list of open incidents as the first read of triggers starting together
(see :mod:`..vendors.pagerduty.changes` and :mod:`..triggers.change_poller`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, ClassVar

from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.operations import IncidentOperations
from airflow_incident_provider.models import ChangeFeed, Incident, IncidentChange
from airflow_incident_provider.vendors import pagerduty as pd

if TYPE_CHECKING:
    from datetime import datetime


class PagerDutyWaiting(IncidentOperations):
    """The change feed and the bulk first read of :class:`..hooks.pagerduty.PagerDutyIncidentHook`."""

    supports_change_feed: ClassVar[bool] = True

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """Every page of the account log since ``since`` (see :mod:`..vendors.pagerduty.changes`); the
        log is account-wide, so ``watched`` plays no part."""
        changes: list[IncidentChange] = []
        return (yield from self._log_flow(since, None, changes.extend, changes))

    def watched_changes_flow(
        self, since: datetime, watched: Collection[str], on_page: Callable[[list[IncidentChange]], None]
    ) -> Flow[ChangeFeed]:
        """Every page of the account log since ``since``, each handed to ``on_page`` as it is read, with
        copies of ``watched`` incidents only, and only on each one's newest entry (the one a reader
        takes: the entries come newest first)."""
        copied: set[str] = set()

        def copy_of(ref: str) -> bool:
            if ref in copied or ref not in watched:
                return False
            copied.add(ref)
            return True

        return (yield from self._log_flow(since, copy_of, on_page, []))

    def _log_flow(
        self,
        since: datetime,
        copy_of: Callable[[str], bool] | None,
        on_page: Callable[[list[IncidentChange]], None],
        changes: list[IncidentChange],
    ) -> Flow[ChangeFeed]:
        as_of: datetime | None = None
        offset = 0
        while True:
            response = yield pd.build_list_log_entries(since, offset)
            as_of = as_of or pd.answered_at(response)
            page, more = pd.parse_log_entries(response, copy_of)
            on_page(page)
            offset += pd.LIST_PAGE_SIZE
            if not more:
                return ChangeFeed(changes, as_of)

    supports_read_many: ClassVar[bool] = True

    def read_many_flow(self, refs: Collection[str], found: Callable[[Incident], None]) -> Flow[None]:
        """Open incidents, newest first (``GET /incidents`` has no filter by id), while the pages left
        (from the first page's ``total``) are fewer than the refs still unseen; never more pages than
        refs. Resolved incidents, and refs that are not ids, are never seen here."""
        unseen = set(refs)
        offset, pages, total = 0, 0, None
        while unseen and pages < len(refs):
            response = yield pd.build_list_open(offset, total=pages == 0)
            pages += 1
            total = pd.listed_total(response) if total is None else total
            page, more = pd.parse_list(response)
            for incident in page:
                if incident.ref in unseen:
                    unseen.discard(incident.ref)
                    found(incident)
            offset += len(page)
            left = None if total is None else -(-(total - offset) // pd.LIST_PAGE_SIZE)
            if not more or not page or (left is not None and left > len(unseen)):
                return
