"""The fault matrix (see ``fault_matrix``): zero violations across every vendor, operation and fault."""

from __future__ import annotations

import json

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from tests.reliability.fault_matrix import (
    FAULTS,
    OPERATIONS,
    conn_id,
    connection_extra,
    run_matrix,
    table,
)
from tests.vendor_cases import VENDORS


def test_every_operation_survives_every_fault_on_every_vendor(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for vendor in VENDORS:
        connection = dict(sandbox.connections()[f"{vendor}_sandbox"])
        connection["extra"] = {**connection.get("extra", {}), **connection_extra()}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id(vendor).upper()}", json.dumps(connection))
    outcomes = run_matrix(sandbox.url)
    with capsys.disabled():
        print("\n" + table(outcomes))
    tried = [o for o in outcomes if o.result != "not supported"]
    assert len(outcomes) >= len(VENDORS) * len(OPERATIONS), "every vendor and operation was looked at"
    assert len(tried) >= 0.75 * len(VENDORS) * len(OPERATIONS) * len(FAULTS), "most cases apply"
    violations = [o for o in outcomes if o.result == "violated"]
    assert not violations, "\n".join(
        f"{o.vendor} {o.operation} under {o.fault}: {o.detail}" for o in violations[:20]
    )
