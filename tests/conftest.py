"""Test-wide setup: an isolated AIRFLOW_HOME and DAGs folder, set before Airflow is imported."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings

from airflow_incident_provider.registry import VENDOR_NAMES

_HOME = Path(tempfile.mkdtemp(prefix="airflow-incident-tests-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
_ROOT = Path(__file__).parents[1]
_DAGS = _HOME / "dags"
_DAGS.mkdir()
# One DAGs folder holding the test DAGs and the shipped examples: dag.test() needs the file inside it.
(_DAGS / "tests").symlink_to(_ROOT / "tests" / "dags", target_is_directory=True)
(_DAGS / "examples").symlink_to(_ROOT / "example_dags", target_is_directory=True)

os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
# The example DAGs wait 60 s between checks in production; their tests check every 0.3 s.
os.environ["INCIDENT_EXAMPLE_POKE_SECONDS"] = "0.3"

DAGS_FOLDER = _DAGS

# Property-based tests: `ci` (the default) is bounded and repeatable; `thorough` digs deeper, locally:
# HYPOTHESIS_PROFILE=thorough make unit
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The shared fixtures, then one fixtures module per vendor of the registry (tests/fixtures_<vendor>.py).
pytest_plugins = ["tests.fixtures", *(f"tests.fixtures_{name}" for name in VENDOR_NAMES)]
