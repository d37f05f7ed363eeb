"""Every vendor module is a ``VendorModule``: mypy checks each vendor's own assignment, pytest the registry.

Each ``tests/vendors/test_<vendor>.py`` holds ``CHECKED: VendorModule = <its module>`` (PagerDuty's, whose
notes are read back, ``NotesVendorModule``): `make typecheck` fails there when a module loses a member or
changes a signature, and the test below fails for a registered vendor whose test module has no such
annotated assignment, so a new vendor cannot be left unchecked.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

import pytest

from airflow_incident_provider.registry import VENDOR_NAMES
from airflow_incident_provider.vendors import vendor_module
from airflow_incident_provider.vendors.protocol import NotesVendorModule, VendorModule

PROTOCOLS = {VendorModule.__name__, NotesVendorModule.__name__}
"""The annotations that make mypy check the assignment against a protocol."""


def vendor_tests(name: str) -> ModuleType | None:
    """The vendor's own module tests, ``tests/vendors/test_<vendor>.py``, if it has one."""
    module_name = f"tests.vendors.test_{name}"
    return importlib.import_module(module_name) if importlib.util.find_spec(module_name) else None


CHECKED: dict[str, object] = {
    name: module.CHECKED
    for name in VENDOR_NAMES
    if (module := vendor_tests(name)) is not None
    and hasattr(module, "CHECKED")
    and module.__annotations__.get("CHECKED") in PROTOCOLS
}
"""Vendor -> the module its own tests assign to a protocol-typed ``CHECKED``."""


def test_every_registered_vendor_module_is_checked_against_the_protocol() -> None:
    unchecked = sorted(set(VENDOR_NAMES) - set(CHECKED))
    assert not unchecked, (
        f"add `CHECKED: VendorModule = <module>` to tests/vendors/test_<vendor>.py: {unchecked}"
    )
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
    notes_typed = {
        name
        for name in VENDOR_NAMES
        if (module := vendor_tests(name)) is not None
        and module.__annotations__.get("CHECKED") == NotesVendorModule.__name__
    }
    assert notes_typed == {"pagerduty"}, "mypy checks the notes vendor against the notes protocol"
