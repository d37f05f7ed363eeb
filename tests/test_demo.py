"""The README's first command: the demo script runs the example DAG against the sandbox end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_demo_resolves_the_incident_it_opened(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    env.pop("AIRFLOW__CORE__DAGS_FOLDER", None)
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "status:      resolved" in done.stdout
    assert "picked this up" in done.stdout, "the acknowledge note is shown"
    assert "resolve_log_entry" in done.stdout
    assert "Resolved by Airflow" in done.stdout
