"""Every table of vendors is built from the registry: a vendor missing from any of them fails here."""

from __future__ import annotations

import pytest

from airflow_incident_provider.hooks import HOOK_CLASSES
from airflow_incident_provider.registry import (
    BY_CONN_TYPE,
    VENDOR_NAMES,
    VENDORS,
    VendorRecord,
    import_path,
    record_for,
)
from airflow_incident_provider.sandbox import SandboxConfig
from airflow_incident_provider.sandbox.__main__ import build_parser
from airflow_incident_provider.sandbox.app import backend_classes
from airflow_incident_provider.sandbox.config import DEFAULT_RATE_LIMITS, DEFAULT_TOKENS, SIGNIN_SECRET
from airflow_incident_provider.sandbox.connections import sandbox_connections
from airflow_incident_provider.vendors import VENDOR_MODULES, vendor_module
from tests.conftest import pytest_plugins
from tests.vendor_cases import FIXTURE_MODULES, FIXTURES, VENDOR_CASES
from tests.vendor_cases import VENDORS as TEST_VENDORS

NAMES = set(VENDOR_NAMES)


def test_every_table_of_vendors_holds_exactly_the_registry_s_vendors() -> None:
    assert len(VENDOR_NAMES) == len(NAMES) == len(BY_CONN_TYPE), "names and connection types are unique"
    assert set(HOOK_CLASSES) == {record.conn_type for record in VENDORS}
    assert set(VENDOR_MODULES) == NAMES
    assert set(backend_classes()) == NAMES
    assert set(DEFAULT_TOKENS) == NAMES | {SIGNIN_SECRET}
    assert set(DEFAULT_RATE_LIMITS) == NAMES
    assert set(SandboxConfig().vendor_settings) == NAMES
    assert set(sandbox_connections("http://127.0.0.1:8989")) == {record.sandbox_conn_id for record in VENDORS}
    options = {option for action in build_parser()._actions for option in action.option_strings}
    assert {f"--token-{name}" for name in NAMES} <= options
    assert set(TEST_VENDORS) == set(VENDOR_CASES) == set(FIXTURES) == NAMES
    assert set(FIXTURE_MODULES) <= set(pytest_plugins)


@pytest.mark.parametrize("record", VENDORS, ids=lambda record: record.name)
def test_a_record_names_the_vendor_s_own_classes(record: VendorRecord) -> None:
    hook = import_path(record.hook_path)
    assert (hook.conn_type, hook.hook_name, hook.vendor_name) == (
        record.conn_type,
        record.hook_name,
        record.name,
    )
    assert hook.default_conn_name == record.default_conn_id
    assert record.name == vendor_module(record.name).NAME
    assert backend_classes()[record.name].name == record.name
    connection = sandbox_connections("http://127.0.0.1:8989")[record.sandbox_conn_id]
    assert connection["conn_type"] == record.conn_type
    assert connection["host"] == f"http://127.0.0.1:8989/{record.name}"
    assert DEFAULT_TOKENS[record.name] == f"sandbox-{record.name}-FAKE-{record.credential}-0000"
    assert DEFAULT_RATE_LIMITS[record.name] == vendor_module(record.name).RATE_LIMIT_PER_MINUTE


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
def test_every_vendor_has_a_test_fixture_for_its_sandbox(vendor: str, request: pytest.FixtureRequest) -> None:
    handle = request.getfixturevalue(FIXTURES[vendor])
    assert handle.vendor == vendor
    assert handle.conn_id == VENDOR_CASES[vendor].conn_id


def test_an_unknown_vendor_is_named_with_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown vendor 'opsgenie'; known: pagerduty, rootly"):
        record_for("opsgenie")
