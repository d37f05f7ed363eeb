"""incident.io's public API (v1 and v2), from the OpenAPI description it publishes: request building and
response parsing, no I/O. ``api`` (key, errors, ids), ``catalog`` (the account's statuses, severities and
roles), ``incidents`` (reading) and ``writes`` (edit, create, what the API does not offer); the package
re-exports the ``VendorModule`` members (and ``UNSUPPORTED_OPERATIONS``, ``CREATE_VENDOR_FIELDS``).
"""

from __future__ import annotations

from airflow_incident_provider.vendors.incidentio.api import DISPLAY_NAME as DISPLAY_NAME
from airflow_incident_provider.vendors.incidentio.api import LIST_PAGE_SIZE as LIST_PAGE_SIZE
from airflow_incident_provider.vendors.incidentio.api import NAME as NAME
from airflow_incident_provider.vendors.incidentio.api import RATE_LIMIT_PER_MINUTE as RATE_LIMIT_PER_MINUTE
from airflow_incident_provider.vendors.incidentio.api import SENSITIVE_FIELDS as SENSITIVE_FIELDS
from airflow_incident_provider.vendors.incidentio.api import UNSUPPORTED_OPERATIONS as UNSUPPORTED_OPERATIONS
from airflow_incident_provider.vendors.incidentio.api import budget as budget
from airflow_incident_provider.vendors.incidentio.api import is_conflict as is_conflict
from airflow_incident_provider.vendors.incidentio.api import parse_error as parse_error
from airflow_incident_provider.vendors.incidentio.api import retry_after as retry_after
from airflow_incident_provider.vendors.incidentio.catalog import PHASE_STATUSES as PHASE_STATUSES
from airflow_incident_provider.vendors.incidentio.catalog import STATUS_PHASES as STATUS_PHASES
from airflow_incident_provider.vendors.incidentio.catalog import to_vendor_status as to_vendor_status
from airflow_incident_provider.vendors.incidentio.writes import CREATE_VENDOR_FIELDS as CREATE_VENDOR_FIELDS
from airflow_incident_provider.vendors.incidentio.writes import VENDOR_FIELDS as VENDOR_FIELDS
from airflow_incident_provider.vendors.incidentio.writes import (
    validate_vendor_fields as validate_vendor_fields,
)
