"""Triggers: async polling in the triggerer, for deferrable sensors and event-driven scheduling."""

from airflow_incident_provider.triggers.incident_event import IncidentEventTrigger
from airflow_incident_provider.triggers.incident_status import IncidentStatusTrigger

__all__ = ["IncidentEventTrigger", "IncidentStatusTrigger"]
