"""One distributed deployment for the whole ``make e2e-distributed`` session."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.shared import TESTED_DAGS, Running, running_deployment

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
from distributed import DistributedDeployment

ROOT = Path(__file__).parents[2]
TEST_DAGS = Path(__file__).parent / "dags"
MAPPED = "distributed_mapped_updates"
SENSORS = "distributed_deferred_sensors"
SLOW_NOTE = "distributed_slow_note"
SLOW_CREATE = "distributed_slow_create"
DISTRIBUTED_DAGS = (MAPPED, SENSORS, SLOW_NOTE, SLOW_CREATE)


@pytest.fixture(scope="session")
def airflow_e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """PostgreSQL, Redis and Airflow with two Celery workers and two triggerers, against the sandbox;
    the DAGs folder holds the example DAGs and this suite's test DAGs."""
    dags = tmp_path_factory.mktemp("dags")
    for source in [*(ROOT / "example_dags").glob("*.py"), *TEST_DAGS.glob("*.py")]:
        shutil.copy(source, dags)
    home = tmp_path_factory.mktemp("airflow")
    with running_deployment(
        home, DistributedDeployment, (*TESTED_DAGS, *DISTRIBUTED_DAGS), dags_folder=dags
    ) as running:
        yield running
