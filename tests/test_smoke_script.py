"""`make smoke` works for every vendor: run here against the sandbox, as a user runs it on a real account."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_incident_provider.vendors import vendor_module
from tests.vendor_cases import VENDOR_CASES

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_smoke_script_reads_updates_and_resolves(vendor: str, request: pytest.FixtureRequest) -> None:
    fixture, conn_id, *_ = VENDOR_CASES[vendor]
    handle = request.getfixturevalue(fixture)
    incident_id = handle.create()
    env = {
        **os.environ,
        "SMOKE_CONN_ID": conn_id,
        "SMOKE_INCIDENT": incident_id,
        "SMOKE_RESOLVE": "1",
        "SMOKE_PUBLIC": "1",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke.py"), "--vendor", vendor],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Smoke check passed." in done.stdout
    if "resolve" in getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()):
        assert "[5] resolve: not supported: " in done.stdout
    else:
        assert "[5] resolve: changed=True" in done.stdout


def test_smoke_script_refuses_to_run_unconfigured() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SMOKE_", "AIRFLOW_CONN_"))}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke.py"), "--vendor", "pinghome"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "SMOKE_INCIDENT" in done.stderr
