"""The README's first command: the demo script runs the example DAG against the sandbox end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vendor_cases import VENDORS

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("vendor", VENDORS)
def test_demo_resolves_the_incident_it_opened(vendor: str, tmp_path: Path) -> None:
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
    assert "Running DAG incident_auto_remediation" in done.stdout
    writes = [
        line for line in done.stdout.splitlines() if line.strip().startswith(("- PUT", "- POST", "- PATCH"))
    ]
    assert len(writes) >= 2, "the acknowledgement and the resolution were sent"
    assert "Automated remediation has started" in done.stdout, "the acknowledge note is shown"


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
