"""One deployment for the whole end-to-end session, shared by every e2e module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.shared import Running, running_deployment


@pytest.fixture(scope="session")
def airflow_e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Airflow against the sandbox, started at first use, stopped when the session ends."""
    with running_deployment(tmp_path_factory.mktemp("airflow")) as running:
        yield running
