"""A team's own DAG tests: Airflow in a temporary home, and the incident sandbox plugin switched on."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before Airflow is imported: its home, the DAGs folder holding our DAG files, and a SQLite database.
_HOME = Path(tempfile.mkdtemp(prefix="remediation-tests-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parent / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"

pytest_plugins = ["airflow_incident_provider.testing"]
