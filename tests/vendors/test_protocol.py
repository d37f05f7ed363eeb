"""Every vendor module is a ``VendorModule``: mypy checks the assignments below, pytest the registry."""

from __future__ import annotations

import pytest

from airflow_incident_provider.registry import VENDOR_NAMES
from airflow_incident_provider.vendors import (
    devhelm,
    incidentio,
    pagerduty,
    pinghome,
    rootly,
    statuspage,
    uptimeio,
    vendor_module,
)
from airflow_incident_provider.vendors.protocol import NotesVendorModule, VendorModule

# Static conformance: `make typecheck` fails here when a module loses a member or changes a signature.
PAGERDUTY: NotesVendorModule = pagerduty
ROOTLY: VendorModule = rootly
PINGHOME: VendorModule = pinghome
DEVHELM: VendorModule = devhelm
UPTIMEIO: VendorModule = uptimeio
STATUSPAGE: VendorModule = statuspage
INCIDENTIO: VendorModule = incidentio
CHECKED: dict[str, VendorModule] = {
    module.NAME: module for module in (PAGERDUTY, ROOTLY, PINGHOME, DEVHELM, UPTIMEIO, STATUSPAGE, INCIDENTIO)
}


def test_every_registered_vendor_module_is_checked_against_the_protocol() -> None:
    assert set(CHECKED) == set(VENDOR_NAMES)
    assert all(vendor_module(name) is CHECKED[name] for name in VENDOR_NAMES)


@pytest.mark.parametrize("name", VENDOR_NAMES)
def test_a_vendor_module_has_every_member_the_protocol_names(name: str) -> None:
    members = [member for member in vars(VendorModule) if not member.startswith("_")]
    assert members, "the protocol names its members"
    missing = [member for member in members if not hasattr(vendor_module(name), member)]
    assert not missing, f"{name} lacks {missing}"


def test_only_a_vendor_with_notes_to_read_back_is_a_notes_vendor() -> None:
    assert isinstance(vendor_module("pagerduty"), NotesVendorModule)
    assert not any(
        isinstance(vendor_module(name), NotesVendorModule) for name in VENDOR_NAMES if name != "pagerduty"
    )
