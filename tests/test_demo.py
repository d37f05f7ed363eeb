"""The README's first command: the demo script runs an example DAG against the sandbox end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_incident_provider.vendors import vendor_module
from tests.vendor_cases import VENDORS

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("vendor", VENDORS)
def test_demo_runs_what_the_vendor_api_can_and_the_incident_ends_resolved(
    vendor: str, tmp_path: Path
) -> None:
    """Where the API resolves, the remediation DAG does it; where it cannot (its module says so), the
    hand-over DAG escalates, and the incident is resolved by the person (played by the sandbox)."""
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    env.pop("AIRFLOW__CORE__DAGS_FOLDER", None)
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    env.pop("INCIDENT_EXAMPLE_POKE_SECONDS", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--vendor", vendor],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(phase resolved)" in done.stdout
    writes = [
        line for line in done.stdout.splitlines() if line.strip().startswith(("- PUT", "- POST", "- PATCH"))
    ]
    unsupported = set(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))
    if not unsupported & {"acknowledge", "note", "resolve"}:
        assert "Running DAG incident_auto_remediation" in done.stdout
        assert len(writes) >= 2, "the acknowledgement and the resolution were sent"
        assert "Automated remediation has started" in done.stdout, "the acknowledge note is shown"
    else:
        assert "Running DAG incident_hand_over" in done.stdout
        listed = ", ".join(vendor_module(vendor).UNSUPPORTED_OPERATIONS)
        assert f"{vendor}'s API cannot {listed} (its module's UNSUPPORTED_OPERATIONS)" in done.stdout
        assert "the demo runs incident_hand_over instead" in done.stdout
        assert len(writes) == 1, "the escalation, and nothing the API cannot take"
        severity = re.search(r"severity: +(.+) \(was (.+) when opened\)", done.stdout)
        assert severity is not None, done.stdout
        assert severity.group(1) != severity.group(2), "escalated one step"
        assert "a person sets" in done.stdout, "the resolution came from the app, not from the DAG"


def test_demo_names_the_vendors_it_knows(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--vendor", "opsgenie"],
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert f"unknown vendor 'opsgenie'; the sandbox emulates {', '.join(sorted(VENDORS))}" in done.stderr
