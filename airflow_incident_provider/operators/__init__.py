"""Vendor-agnostic incident operators: the hook is chosen by the connection's type."""

from airflow_incident_provider.operators.acknowledge import AcknowledgeIncidentOperator
from airflow_incident_provider.operators.bulk import BulkUpdateIncidentsOperator
from airflow_incident_provider.operators.create import CreateIncidentOperator
from airflow_incident_provider.operators.escalate import EscalateIncidentOperator, ReassignIncidentOperator
from airflow_incident_provider.operators.note import AddIncidentNoteOperator
from airflow_incident_provider.operators.read import GetIncidentOperator, ListIncidentsOperator
from airflow_incident_provider.operators.resolve import ResolveIncidentOperator
from airflow_incident_provider.operators.update import UpdateIncidentOperator

__all__ = [
    "AcknowledgeIncidentOperator",
    "AddIncidentNoteOperator",
    "BulkUpdateIncidentsOperator",
    "CreateIncidentOperator",
    "EscalateIncidentOperator",
    "GetIncidentOperator",
    "ListIncidentsOperator",
    "ReassignIncidentOperator",
    "ResolveIncidentOperator",
    "UpdateIncidentOperator",
]
