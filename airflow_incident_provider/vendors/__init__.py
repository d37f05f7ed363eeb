"""Vendor modules: pure translation between the normalized model and each vendor's API.

``VENDOR_MODULES`` maps a vendor name to its module path (built from the registry); modules are imported
on first use so that importing the operators stays cheap at DAG parse time.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, cast

from airflow_incident_provider.models import Phase
from airflow_incident_provider.registry import VENDORS

if TYPE_CHECKING:
    from airflow_incident_provider.vendors.protocol import VendorModule

VENDOR_MODULES: Mapping[str, str] = {record.name: record.vendor_module for record in VENDORS}


def vendor_module(name: str) -> ModuleType:
    """The vendor module for ``name`` (``"pagerduty"``...)."""
    return importlib.import_module(VENDOR_MODULES[name])


def typed_vendor_module(name: str) -> VendorModule:
    """The vendor module for ``name`` as the ``VendorModule`` protocol, so calls into it are type-checked.

    The cast is sound because every module is checked against the protocol statically (in each
    vendor's ``tests/vendors/test_<vendor>.py``), and ``tests/vendors/test_protocol.py`` fails when a
    registered vendor is left out.
    """
    return cast("VendorModule", vendor_module(name))


@cache
def known_status_words() -> frozenset[str]:
    """Every word accepted as a status somewhere: each vendor's own statuses and the phases."""
    words = {phase.value for phase in Phase}
    for name in VENDOR_MODULES:
        words.update(vendor_module(name).STATUS_PHASES)
    return frozenset(words)
