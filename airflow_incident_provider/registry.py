"""One record per vendor, from which every table of vendors is built.

The hook and vendor-module lookups, ``get_provider_info``, the sandbox's backends and connections, and
the shared test cases all read :data:`VENDORS`, so a new vendor is its own files plus one line here.
Records hold dotted paths, not imports: this module is read at DAG parse time and by the providers
manager, and must stay as cheap to import as a constant.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PACKAGE = "airflow_incident_provider"


@dataclass(frozen=True)
class VendorRecord:
    """What the provider needs to know of one vendor beyond its own files."""

    name: str
    """Short name used everywhere: the vendor module, the sandbox prefix, ``Incident.vendor``."""
    display_name: str
    """How the vendor spells itself (``PagerDuty``): the hook's name and the connection type's label."""
    hook_class: str
    """Class name of the vendor's hook in ``hooks/<name>.py``."""
    sandbox_backend: str
    """Class name of the vendor's emulated API in ``sandbox/<name>/``."""
    credential: str = "token"
    """What the vendor calls the secret a connection carries (``token``, ``key``): the sandbox's fake
    default credential and its command-line option are named after it."""

    @property
    def conn_type(self) -> str:
        """The Airflow connection type, ``<name>_incidents`` (never the official providers' names)."""
        return f"{self.name}_incidents"

    @property
    def default_conn_id(self) -> str:
        return f"{self.conn_type}_default"

    @property
    def hook_name(self) -> str:
        return f"{self.display_name} Incidents"

    @property
    def vendor_module(self) -> str:
        """Dotted path of the pure translation module."""
        return f"{PACKAGE}.vendors.{self.name}"

    @property
    def hook_module(self) -> str:
        return f"{PACKAGE}.hooks.{self.name}"

    @property
    def hook_path(self) -> str:
        """Dotted path of the hook class, as ``get_provider_info`` declares it."""
        return f"{self.hook_module}.{self.hook_class}"

    @property
    def form_module(self) -> str:
        """Dotted path of the module describing the connection form (``conn-fields`` and the rest)."""
        return f"{PACKAGE}.forms.{self.name}"

    @property
    def sandbox_conn_id(self) -> str:
        """The connection id the sandbox prints for this vendor (``pagerduty_sandbox``)."""
        return f"{self.name}_sandbox"

    @property
    def sandbox_path(self) -> str:
        """Dotted path of the sandbox backend class."""
        return f"{PACKAGE}.sandbox.{self.name}.{self.sandbox_backend}"


VENDORS: tuple[VendorRecord, ...] = (
    VendorRecord("pagerduty", "PagerDuty", "PagerDutyIncidentHook", "PagerDutyBackend"),
    VendorRecord("rootly", "Rootly", "RootlyIncidentHook", "RootlyBackend", credential="key"),
    VendorRecord("pinghome", "Pinghome", "PinghomeIncidentHook", "PinghomeBackend"),
    VendorRecord("devhelm", "DevHelm", "DevHelmIncidentHook", "DevHelmBackend", credential="key"),
    VendorRecord("uptimeio", "UptimeIO", "UptimeIOIncidentHook", "UptimeIOBackend", credential="key"),
    VendorRecord("statuspage", "Statuspage", "StatuspageIncidentHook", "StatuspageBackend", credential="key"),
    VendorRecord(
        "incidentio", "incident.io", "IncidentIOIncidentHook", "IncidentIOBackend", credential="key"
    ),
)
"""Every vendor, in the order the docs, the sandbox and the test cases list them."""

BY_NAME: Mapping[str, VendorRecord] = {record.name: record for record in VENDORS}
BY_CONN_TYPE: Mapping[str, VendorRecord] = {record.conn_type: record for record in VENDORS}
VENDOR_NAMES: tuple[str, ...] = tuple(BY_NAME)


def import_path(path: str) -> Any:
    """The object a dotted ``module.attribute`` path names (a hook or sandbox backend class), imported now."""
    module, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def record_for(name: str) -> VendorRecord:
    """The record of vendor ``name``, or an error that lists the vendors there are."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown vendor {name!r}; known: {', '.join(VENDOR_NAMES)}") from None
