"""Vendor-agnostic incident operators: the hook is chosen by the connection's type."""

from airflow_incident_provider.operators.resolve import ResolveIncidentOperator
from airflow_incident_provider.operators.update import UpdateIncidentOperator

__all__ = ["ResolveIncidentOperator", "UpdateIncidentOperator"]
