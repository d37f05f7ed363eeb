"""Fixtures for the PagerDuty sandbox and its test connection (the handle is ``tests.fixtures.Sandbox``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_incident_provider.sandbox import SandboxServer
from tests.fixtures import PD_CONN_ID, Sandbox, VendorCase, serve

CASE = VendorCase("pd", PD_CONN_ID, "title", "status", "resolved")


@pytest.fixture
def pd(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A freshly reset sandbox and the connection ``pd_test`` pointing at its PagerDuty API."""
    yield from serve(Sandbox(sandbox), monkeypatch)
