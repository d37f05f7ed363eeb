"""Provider metadata for Airflow's providers manager (the ``apache_airflow_provider`` entry point).

Declares every hook, operator, notifier and connection type. Built from the vendor registry and each
vendor's form module (:mod:`airflow_incident_provider.forms`). Airflow calls this in every process it
starts, so nothing here imports a hook, a vendor module or pydantic.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

from airflow_incident_provider import __version__
from airflow_incident_provider.registry import PACKAGE, VENDORS, VendorRecord

OPERATOR_MODULES = ("update", "resolve", "acknowledge", "note", "read", "create", "escalate", "bulk")
UMBRELLA = "Incident management"
"""The integration every operator, sensor and trigger belongs to (they serve all vendors)."""


def connection_type(record: VendorRecord) -> dict[str, Any]:
    """The ``connection-types`` entry of one vendor: registry facts plus its form module (a copy)."""
    form = importlib.import_module(record.form_module)
    return {
        "hook-class-name": record.hook_path,
        "hook-name": record.hook_name,
        "connection-type": record.conn_type,
        "conn-fields": copy.deepcopy(form.CONN_FIELDS),
        "ui-field-behaviour": copy.deepcopy(form.UI_FIELD_BEHAVIOUR),
    }


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads; ``package-name`` equals the distribution name."""
    return {
        "package-name": "airflow-incident-provider",
        "name": f"{UMBRELLA} ({', '.join(record.display_name for record in VENDORS)})",
        "description": "Update, acknowledge, escalate, annotate, resolve and wait for incidents at "
        "incident-management and status-page vendors.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": UMBRELLA,
                "external-doc-url": "https://pypi.org/project/airflow-incident-provider/",
                "tags": ["service"],
            },
            *(
                {
                    "integration-name": record.hook_name,
                    "external-doc-url": importlib.import_module(record.form_module).EXTERNAL_DOC_URL,
                    "tags": ["service"],
                }
                for record in VENDORS
            ),
        ],
        "hooks": [
            {"integration-name": record.hook_name, "python-modules": [record.hook_module]}
            for record in VENDORS
        ],
        "operators": [
            {
                "integration-name": UMBRELLA,
                "python-modules": [f"{PACKAGE}.operators.{module}" for module in OPERATOR_MODULES],
            },
        ],
        "sensors": [
            {"integration-name": UMBRELLA, "python-modules": [f"{PACKAGE}.sensors.incident_status"]},
        ],
        "triggers": [
            {
                "integration-name": UMBRELLA,
                "python-modules": [
                    f"{PACKAGE}.triggers.incident_status",
                    f"{PACKAGE}.triggers.incident_event",
                ],
            },
        ],
        "notifications": [f"{PACKAGE}.notifications.incident.IncidentNotifier"],
        "extra-links": [f"{PACKAGE}.links.IncidentLink"],
        "connection-types": [connection_type(record) for record in VENDORS],
    }
