"""Fixtures for the uptimeio sandbox and connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.uptimeio import PROJECT_ID, STATUS_PAGE_ID
from tests.fixtures import UNLIMITED

UPTIMEIO_CONN_ID = "uptimeio_test"
UPTIMEIO_PAGE_PATH = f"/api/projects/{PROJECT_ID}/status-pages/{STATUS_PAGE_ID}"
FIXTURE_HEADER = "X-Test-Fixture"
"""Marks the fixture's own calls, so ``requests()`` shows only what the code under test sent."""


def uptimeio_connection_json(host: str, key: str, **extra: Any) -> str:
    """An ``uptimeio_incidents`` connection as the JSON Airflow reads from ``AIRFLOW_CONN_*``."""
    return json.dumps({"conn_type": "uptimeio_incidents", "host": host, "password": key, "extra": extra})


class UptimeIOSandbox:
    """Test-side handle on the sandbox: admin routes, and UptimeIO's API as a vendor client calls it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.key = server.token("uptimeio")
        self.url = server.vendor_url("uptimeio")
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        self.api = httpx.Client(
            base_url=self.url, timeout=10, headers={"X-API-Key": self.key, FIXTURE_HEADER: "1"}
        )

    def configure(self, **settings: Any) -> None:
        self.admin.put("/_sandbox/config/uptimeio", json=settings).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        """Requests the code under test sent, paths relative to the status page (``/incidents/...``)."""
        response = self.admin.get("/_sandbox/requests", params={"vendor": "uptimeio"})
        response.raise_for_status()
        records = [r for r in response.json()["requests"] if FIXTURE_HEADER.lower() not in r["headers"]]
        for record in records:
            record["path"] = record["path"].removeprefix("/uptimeio").removeprefix(UPTIMEIO_PAGE_PATH)
        return records

    def writes(self) -> list[tuple[str, str]]:
        return [(r["method"], r["path"]) for r in self.requests() if r["method"] in ("PATCH", "POST")]

    def clear_requests(self) -> None:
        self.admin.delete("/_sandbox/requests").raise_for_status()

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get(f"{UPTIMEIO_PAGE_PATH}/incidents", params={"limit": 100, **params})
        response.raise_for_status()
        return list(response.json()["data"]["incidents"])

    def incident(self, incident_id: str) -> dict[str, Any]:
        response = self.api.get(f"{UPTIMEIO_PAGE_PATH}/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"]["incident"])

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's timeline, newest first."""
        response = self.api.get(
            f"{UPTIMEIO_PAGE_PATH}/incidents/{incident_id}/updates", params={"limit": 100}
        )
        response.raise_for_status()
        return list(response.json()["data"]["updates"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(self.incidents(status=status)[0]["id"])

    def create(self, title: str = "Search results delayed", status: str = "investigating") -> str:
        body = {"title": title, "message": "We are investigating.", "severity": "minor", "status": status}
        response = self.api.post(f"{UPTIMEIO_PAGE_PATH}/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["incident"]["id"])

    def use_connection(self, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> None:
        """Point ``uptimeio_test`` at the sandbox with these extras (rate limit high unless given)."""
        extra.setdefault("rate_limit_per_minute", UNLIMITED)
        extra.setdefault("total_timeout", 20)
        key = extra.pop("key", self.key)
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{UPTIMEIO_CONN_ID.upper()}", uptimeio_connection_json(self.url, key, **extra)
        )

    def close(self) -> None:
        self.admin.close()
        self.api.close()


@pytest.fixture
def uptimeio(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[UptimeIOSandbox]:
    """A freshly reset sandbox and the connection ``uptimeio_test`` pointing at its UptimeIO API."""
    handle = UptimeIOSandbox(sandbox)
    handle.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
    handle.clear_requests()
    handle.configure(rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False)
    handle.use_connection(monkeypatch, project_id=PROJECT_ID, status_page_id=STATUS_PAGE_ID)
    yield handle
    handle.close()
