"""The opt-in pytest plugin: the documented example project passes, and nobody gets it unasked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "user_tests"


def _pytest(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.pop("INCIDENT_EXAMPLE_POKE_SECONDS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_documented_example_project_passes() -> None:
    done = _pytest(EXAMPLE, EXAMPLE)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_the_plugin_is_not_loaded_without_asking(tmp_path: Path) -> None:
    (tmp_path / "test_unasked.py").write_text("def test_it(incident_sandbox):\n    pass\n")
    done = _pytest(tmp_path, tmp_path)
    assert done.returncode != 0
    assert "fixture 'incident_sandbox' not found" in done.stdout


def test_the_docs_show_the_example_test_as_it_is() -> None:
    page = (ROOT / "docs" / "testing.md").read_text()
    assert (EXAMPLE / "test_restart_checkout.py").read_text().strip() in page
