"""Fixtures for the rootly sandbox and connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_incident_provider.sandbox import SandboxServer
from tests.fixtures import UNLIMITED

ROOTLY_CONN_ID = "rootly_test"
MEDIA_TYPE = "application/vnd.api+json"


def rootly_connection_json(host: str, key: str, **extra: Any) -> str:
    """A ``rootly_incidents`` connection as the JSON Airflow reads from ``AIRFLOW_CONN_*``."""
    return json.dumps({"conn_type": "rootly_incidents", "host": host, "password": key, "extra": extra})


class RootlySandbox:
    """Test-side handle on the sandbox: admin routes, and Rootly's API as a vendor client calls it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.key = server.token("rootly")
        self.url = server.vendor_url("rootly")
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        self.api = httpx.Client(
            base_url=self.url,
            timeout=10,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE},
        )

    def configure(self, **settings: Any) -> None:
        self.admin.put("/_sandbox/config/rootly", json=settings).raise_for_status()

    def use_connection(self, monkeypatch: pytest.MonkeyPatch, key: str | None = None, **extra: Any) -> None:
        """Point ``rootly_test`` at the sandbox; extras default to no client-side rate limit."""
        extra = {"rate_limit_per_minute": UNLIMITED, "total_timeout": 20, **extra}
        extra = {name: value for name, value in extra.items() if value is not None}
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{ROOTLY_CONN_ID.upper()}",
            rootly_connection_json(self.url, key or self.key, **extra),
        )

    def requests(self) -> list[dict[str, Any]]:
        """Requests the sandbox served, with paths as Rootly sees them (``/v1/...``)."""
        response = self.admin.get("/_sandbox/requests", params={"vendor": "rootly"})
        response.raise_for_status()
        records = list(response.json()["requests"])
        for record in records:
            record["path"] = record["path"].removeprefix("/rootly")
        return records

    def writes(self) -> list[tuple[str, str]]:
        return [(r["method"], r["path"]) for r in self.requests() if r["method"] in ("PUT", "POST")]

    def clear_requests(self) -> None:
        self.admin.delete("/_sandbox/requests").raise_for_status()

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.api.get("/v1/incidents", params={"page[size]": 100, **params})
        response.raise_for_status()
        return list(response.json()["data"])

    def incident(self, incident_id: str) -> dict[str, Any]:
        """The incident's attributes."""
        response = self.api.get(f"/v1/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["data"]["attributes"])

    def events(self, incident_id: str) -> list[dict[str, Any]]:
        """The attributes of every event on the incident's timeline, oldest first."""
        response = self.api.get(f"/v1/incidents/{incident_id}/events", params={"page[size]": 100})
        response.raise_for_status()
        return [item["attributes"] for item in response.json()["data"]]

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(self.incidents(**{"filter[status]": status})[0]["id"])

    def create(
        self, title: str = "Queue consumers lagging", status: str = "started", **attributes: Any
    ) -> str:
        body = {"data": {"type": "incidents", "attributes": {"title": title, "status": status, **attributes}}}
        response = self.api.post("/v1/incidents", json=body)
        response.raise_for_status()
        return str(response.json()["data"]["id"])

    def close(self) -> None:
        self.admin.close()
        self.api.close()


@pytest.fixture
def rootly(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RootlySandbox]:
    """A freshly reset sandbox and the connection ``rootly_test`` pointing at its Rootly API."""
    handle = RootlySandbox(sandbox)
    handle.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
    handle.clear_requests()
    handle.configure(rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False)
    handle.use_connection(monkeypatch)
    yield handle
    handle.close()
