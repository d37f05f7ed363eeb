"""Notifiers: change an incident from task and DAG callbacks and from deadline alerts."""

from airflow_incident_provider.notifications.incident import IncidentNotifier

__all__ = ["IncidentNotifier"]
