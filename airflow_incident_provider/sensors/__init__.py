"""Sensors: wait for incidents to change status, in poke, reschedule or deferrable mode."""

from airflow_incident_provider.sensors.incident_status import IncidentStatusSensor

__all__ = ["IncidentStatusSensor"]
