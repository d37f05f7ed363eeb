"""What every status-page hook (Statuspage, DevHelm, UptimeIO) refuses alike, before any request: a
status page has no acknowledge and no assignees (the texts are in ``vendors/status_pages.py``)."""

from __future__ import annotations

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import OperationResult, WriteOptions
from airflow_incident_provider.vendors import status_pages as pages


class StatusPageHook(IncidentHook):
    """An incident hook whose incidents are public notices on a status page."""

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        raise pages.no_acknowledge(self.vendor_name)

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        raise pages.no_assignees(self.vendor_name)
