"""Atlassian Statuspage incidents: request building and response parsing, no I/O.

The only place that knows Statuspage's JSON, status words, headers, error format and limits, taken from
its OpenAPI document (developer.statuspage.io; the extract the contract tests use names its source).
``api`` (headers, errors, refs), ``incidents`` (statuses, reading) and ``updates`` (writing). The
package offers the ``VendorModule`` members (and ``STATUS_PAGE``); the hook imports the rest from them.
"""

from __future__ import annotations

from airflow_incident_provider.vendors.statuspage.api import DISPLAY_NAME as DISPLAY_NAME
from airflow_incident_provider.vendors.statuspage.api import NAME as NAME
from airflow_incident_provider.vendors.statuspage.api import RATE_LIMIT_PER_MINUTE as RATE_LIMIT_PER_MINUTE
from airflow_incident_provider.vendors.statuspage.api import STATUS_PAGE as STATUS_PAGE
from airflow_incident_provider.vendors.statuspage.api import budget as budget
from airflow_incident_provider.vendors.statuspage.api import is_conflict as is_conflict
from airflow_incident_provider.vendors.statuspage.api import parse_error as parse_error
from airflow_incident_provider.vendors.statuspage.api import retry_after as retry_after
from airflow_incident_provider.vendors.statuspage.incidents import LIST_PAGE_SIZE as LIST_PAGE_SIZE
from airflow_incident_provider.vendors.statuspage.incidents import PHASE_STATUSES as PHASE_STATUSES
from airflow_incident_provider.vendors.statuspage.incidents import SENSITIVE_FIELDS as SENSITIVE_FIELDS
from airflow_incident_provider.vendors.statuspage.incidents import STATUS_PHASES as STATUS_PHASES
from airflow_incident_provider.vendors.statuspage.incidents import to_vendor_status as to_vendor_status
from airflow_incident_provider.vendors.statuspage.updates import VENDOR_FIELDS as VENDOR_FIELDS
from airflow_incident_provider.vendors.statuspage.updates import (
    validate_vendor_fields as validate_vendor_fields,
)
