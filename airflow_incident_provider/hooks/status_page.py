"""What every status-page hook (Statuspage, DevHelm, UptimeIO) refuses alike, before any request: a
status page has no acknowledge and no assignees (the texts are in ``vendors/status_pages.py``); and what
the hooks whose connection names one page do alike with it: bare incident ids, lists and creates on it,
the connection test, and the change feed of its unresolved incidents."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import ClassVar, Generic

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.snapshot_feed import group_watched, snapshot_flow
from airflow_incident_provider.models import ChangeFeed, Incident, OperationResult, WriteOptions
from airflow_incident_provider.vendors import status_pages as pages


class StatusPageHook(IncidentHook):
    """An incident hook whose incidents are public notices on a status page."""

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        raise pages.no_acknowledge(self.vendor_name)

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        raise pages.no_assignees(self.vendor_name)


class ConnectionPageHook(StatusPageHook, Generic[pages.Ref]):
    """A status-page hook whose connection names one page (``connection_page``, set by the vendor's hook);
    its waits share a poller of each watched page's unresolved incidents."""

    connection_page: pages.ConnectionPage[pages.Ref]
    supports_change_feed: ClassVar[bool] = True

    def _ref(self, ref: str) -> pages.Ref:
        """An incident's ref; an id alone is on the connection's page."""
        return self.connection_page.parse_ref(ref, self.settings.extra(self.connection_page.extra))

    def _page_id(self, action: str) -> str:
        """The connection's page, for operations that name no incident (list, create)."""
        purpose = f"to {action} {self.vendor.DISPLAY_NAME} incidents"
        return self.settings.required_extra(self.connection_page.extra, purpose)

    def check_connection_flow(self) -> Flow[str]:
        page_id = self.settings.extra(self.connection_page.extra)
        yield self.connection_page.build_check(page_id)
        where = f", page {page_id}" if page_id else ""
        return f"Connected to {self.vendor.DISPLAY_NAME} at {self.settings.base_url}{where}"

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """The unresolved incidents of each page waited on, as they are now (a snapshot, see
        :class:`~..vendors.status_pages.ConnectionPage`); ``since`` plays no part."""
        page = self.connection_page
        default_page = self.settings.extra(page.extra)
        grouped = group_watched(watched, lambda ref: page.scope(ref, default_page))
        return (yield from snapshot_flow(grouped, self._feed_page_flow))

    def _feed_page_flow(self, page_id: str, page: int | None) -> Flow[tuple[list[Incident], int | None]]:
        response = yield self.connection_page.request(page_id, page)
        return self.connection_page.parse(response, page, self.settings.extra("incident_url_template"))
