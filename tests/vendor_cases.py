"""The vendors every shared test runs over, and what those tests need of each, built from the registry.

Each vendor's ``tests/fixtures_<vendor>.py`` declares its ``CASE``; nothing here names a vendor, so a new
vendor's shared test cases come from its fixtures module and its registry line alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from airflow_incident_provider.registry import VENDOR_NAMES
from tests.fixtures import VendorCase

VENDORS: tuple[str, ...] = VENDOR_NAMES
"""Every vendor, in the registry's order."""

FIXTURE_MODULES: tuple[str, ...] = tuple(f"tests.fixtures_{name}" for name in VENDORS)
"""One fixtures module per vendor, registered as pytest plugins by ``tests/conftest.py``."""

VENDOR_CASES: Mapping[str, VendorCase] = {
    name: importlib.import_module(module).CASE for name, module in zip(VENDORS, FIXTURE_MODULES, strict=True)
}
"""Vendor -> (fixture, connection id, raw title key, raw status key, resolved word)."""

FIXTURES: Mapping[str, str] = {name: case.fixture for name, case in VENDOR_CASES.items()}
"""Vendor -> the name of its sandbox handle fixture (``pd``, ``rootly``...)."""
