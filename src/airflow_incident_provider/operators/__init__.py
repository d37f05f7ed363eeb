"""Vendor-agnostic incident operators: the hook is chosen by the connection's type."""

from airflow_incident_provider.operators.acknowledge import AcknowledgeIncidentOperator
from airflow_incident_provider.operators.note import AddIncidentNoteOperator
from airflow_incident_provider.operators.read import GetIncidentOperator, ListIncidentsOperator
from airflow_incident_provider.operators.resolve import ResolveIncidentOperator
from airflow_incident_provider.operators.update import UpdateIncidentOperator

__all__ = [
    "AcknowledgeIncidentOperator",
    "AddIncidentNoteOperator",
    "GetIncidentOperator",
    "ListIncidentsOperator",
    "ResolveIncidentOperator",
    "UpdateIncidentOperator",
]
