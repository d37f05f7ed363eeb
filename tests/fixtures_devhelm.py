"""Fixtures for the devhelm sandbox and connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID
from tests.fixtures import UNLIMITED

DEVHELM_CONN_ID = "devhelm_test"
DEVHELM_PAGE_PATH = f"/api/v1/status-pages/{DEFAULT_STATUS_PAGE_ID}"


def devhelm_connection_json(host: str, key: str, **extra: Any) -> str:
    """A ``devhelm_incidents`` connection as the JSON Airflow reads from ``AIRFLOW_CONN_*``."""
    return json.dumps({"conn_type": "devhelm_incidents", "host": host, "password": key, "extra": extra})


class DevHelmSandbox:
    """Test-side handle on the sandbox: admin routes, and DevHelm's API as a vendor client calls it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.key = server.token("devhelm")
        self.url = server.vendor_url("devhelm")
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        self.api = httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {self.key}"}
        )

    def configure(self, **settings: Any) -> None:
        self.admin.put("/_sandbox/config/devhelm", json=settings).raise_for_status()

    def use_connection(self, monkeypatch: pytest.MonkeyPatch, key: str | None = None, **extra: Any) -> None:
        """Point ``devhelm_test`` at the sandbox; extras default to the sample page and no rate limit."""
        extra = {
            "status_page_id": DEFAULT_STATUS_PAGE_ID,
            "rate_limit_per_minute": UNLIMITED,
            "total_timeout": 20,
            **extra,
        }
        extra = {name: value for name, value in extra.items() if value is not None}
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{DEVHELM_CONN_ID.upper()}",
            devhelm_connection_json(self.url, key or self.key, **extra),
        )

    def requests(self) -> list[dict[str, Any]]:
        """Requests the sandbox served, paths relative to the default status page (``/incidents/...``)."""
        response = self.admin.get("/_sandbox/requests", params={"vendor": "devhelm"})
        response.raise_for_status()
        records = list(response.json()["requests"])
        for record in records:
            record["path"] = record["path"].removeprefix("/devhelm").removeprefix(DEVHELM_PAGE_PATH)
        return records

    def writes(self) -> list[tuple[str, str]]:
        return [(r["method"], r["path"]) for r in self.requests() if r["method"] in ("PUT", "POST")]

    def clear_requests(self) -> None:
        self.admin.delete("/_sandbox/requests").raise_for_status()

    def incidents(self, page_id: str = DEFAULT_STATUS_PAGE_ID, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get(f"/api/v1/status-pages/{page_id}/incidents", params={"size": 1000, **params})
        response.raise_for_status()
        return list(response.json()["data"])

    def incident(self, incident_id: str, page_id: str = DEFAULT_STATUS_PAGE_ID) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/status-pages/{page_id}/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"])

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's timeline updates, oldest first."""
        return list(self.incident(incident_id)["updates"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident on the default page in ``status`` (DevHelm's upper-case word)."""
        return str(self.incidents(status=status)[0]["id"])

    def create(self, title: str = "Search results delayed", status: str = "INVESTIGATING") -> str:
        body = {"title": title, "impact": "MINOR", "body": "We are investigating.", "status": status}
        response = self.api.post(f"{DEVHELM_PAGE_PATH}/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["id"])

    def close(self) -> None:
        self.admin.close()
        self.api.close()


@pytest.fixture
def devhelm(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[DevHelmSandbox]:
    """A freshly reset sandbox and the connection ``devhelm_test`` pointing at its DevHelm API."""
    handle = DevHelmSandbox(sandbox)
    handle.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
    handle.clear_requests()
    handle.configure(rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False)
    handle.use_connection(monkeypatch)
    yield handle
    handle.close()
