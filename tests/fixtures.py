"""Shared fixtures: the sandbox over real HTTP on 127.0.0.1, and connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_incident_provider.hooks import ratelimit, transport
from airflow_incident_provider.sandbox import SandboxConfig, SandboxServer, VendorSettings

PD_TOKEN = "pd-test-token-8f3a7c2e91"
PD_CONN_ID = "pd_test"
UNLIMITED = 1_000_000
"""Requests per minute for tests that do not test rate limiting: the suite must never wait on it."""


@pytest.fixture(autouse=True)
def _close_pooled_clients() -> Iterator[None]:
    yield
    transport.close_sync_clients()
    ratelimit.reset_limiters()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(
        tokens={"pagerduty": PD_TOKEN}, vendor_settings={"pagerduty": VendorSettings(UNLIMITED)}
    )
    with SandboxServer(config=config) as server:
        yield server


class Sandbox:
    """Test-side handle on the sandbox: admin routes, and the PagerDuty API as a vendor client calls it."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        self.pd = httpx.Client(
            base_url=server.vendor_url("pagerduty"),
            timeout=10,
            headers={
                "Authorization": f"Token token={PD_TOKEN}",
                "Accept": "application/vnd.pagerduty+json;version=2",
                "From": self.from_email,
            },
        )

    @property
    def from_email(self) -> str:
        return str(self.server.connections()["pagerduty_sandbox"]["extra"]["from_email"])

    def configure(self, vendor: str, **settings: Any) -> None:
        self.admin.put(f"/_sandbox/config/{vendor}", json=settings).raise_for_status()

    def requests(self, vendor: str = "pagerduty") -> list[dict[str, Any]]:
        response = self.admin.get("/_sandbox/requests", params={"vendor": vendor})
        response.raise_for_status()
        records = list(response.json()["requests"])
        for record in records:  # paths as the vendor API sees them, without the sandbox's vendor prefix
            record["path"] = record["path"].removeprefix(f"/{vendor}")
        return records

    def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = self.pd.get("/incidents", params={"date_range": "all", "limit": 100, **params})
        response.raise_for_status()
        return list(response.json()["incidents"])

    def incident(self, incident_id: str) -> dict[str, Any]:
        response = self.pd.get(f"/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json()["incident"])

    def notes(self, incident_id: str) -> list[str]:
        response = self.pd.get(f"/incidents/{incident_id}/notes")
        response.raise_for_status()
        return [note["content"] for note in response.json()["notes"]]

    def create(self, title: str = "Checkout latency above SLO", urgency: str = "high") -> str:
        services = self.pd.get("/services").json()["services"]
        response = self.pd.post(
            "/incidents",
            json={
                "incident": {
                    "type": "incident",
                    "title": title,
                    "urgency": urgency,
                    "service": {"id": services[0]["id"], "type": "service_reference"},
                }
            },
        )
        response.raise_for_status()
        return str(response.json()["incident"]["id"])

    def with_status(self, status: str) -> str:
        """The id of a sample incident in ``status``."""
        return str(self.incidents(**{"statuses[]": status})[0]["id"])

    def close(self) -> None:
        self.admin.close()
        self.pd.close()


def connection_json(conn_type: str, host: str, password: str, **extra: Any) -> str:
    return json.dumps({"conn_type": conn_type, "host": host, "password": password, "extra": extra})


@pytest.fixture
def pd(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A freshly reset sandbox and the connection ``pd_test`` pointing at its PagerDuty API."""
    handle = Sandbox(sandbox)
    handle.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
    handle.admin.delete("/_sandbox/requests").raise_for_status()
    handle.configure(
        "pagerduty", rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False
    )
    connection = sandbox.connections()["pagerduty_sandbox"]
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{PD_CONN_ID.upper()}",
        connection_json(
            "pagerduty_incidents",
            connection["host"],
            PD_TOKEN,
            from_email=handle.from_email,
            rate_limit_per_minute=UNLIMITED,
            total_timeout=20,
        ),
    )
    yield handle
    handle.close()
