"""Shared fixtures: the sandbox over real HTTP on 127.0.0.1, and connections pointing at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar, NamedTuple, TypeVar

import httpx
import pytest

from airflow_incident_provider.hooks import ratelimit, transport
from airflow_incident_provider.sandbox import SandboxConfig, SandboxServer, VendorSettings

PD_TOKEN = "pd-test-token-8f3a7c2e91"
PD_CONN_ID = "pd_test"
UNLIMITED = 1_000_000
"""Requests per minute for tests that do not test rate limiting: the suite must never wait on it."""


class VendorCase(NamedTuple):
    """What the shared, vendor-parametrized tests need of one vendor; each ``tests/fixtures_<vendor>.py``
    declares its ``CASE`` (collected in ``tests/vendor_cases.py``)."""

    fixture: str
    """The fixture giving the vendor's freshly reset sandbox handle and test connection."""
    conn_id: str
    """The test connection that fixture points at the sandbox."""
    title_key: str
    """The key of the title in the vendor's raw incident."""
    status_key: str
    """The key of the status in the vendor's raw incident."""
    resolved: str
    """The vendor's own word for a resolved incident."""


@pytest.fixture(autouse=True)
def _close_pooled_clients() -> Iterator[None]:
    yield
    transport.close_sync_clients()
    ratelimit.reset_limiters()


@pytest.fixture(scope="session")
def metadata_db() -> None:
    """A fresh metadata database, made once per session, for ``dag.test()``."""
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(
        tokens={"pagerduty": PD_TOKEN}, vendor_settings={"pagerduty": VendorSettings(UNLIMITED)}
    )
    with SandboxServer(config=config) as server:
        yield server


class VendorSandbox:
    """Test-side handle on one vendor of the sandbox: admin routes, and the vendor's API as a client calls it.

    Subclasses name the vendor's test connection (``conn_id``, ``conn_type``) and add the vendor's own
    look-ups; ``api`` is a client of the vendor's base URL sending ``headers``.
    """

    conn_id: ClassVar[str]
    conn_type: ClassVar[str]
    write_methods: ClassVar[tuple[str, ...]] = ("PUT", "POST")
    """The methods :meth:`writes` counts as writes."""
    path_prefix: ClassVar[str] = ""
    """Also stripped from the paths :meth:`requests` returns, after the sandbox's ``/<vendor>``."""

    def __init__(self, server: SandboxServer, vendor: str, headers: dict[str, str]) -> None:
        self.server = server
        self.vendor = vendor
        self.key = server.token(vendor)
        self.url = server.vendor_url(vendor)
        self.admin = httpx.Client(base_url=server.url, timeout=10)
        self.api = httpx.Client(base_url=self.url, timeout=10, headers=headers)
        self._clients = [self.admin, self.api]

    def client(self, path: str) -> httpx.Client:
        """Another client of the vendor's API, rooted at ``path`` below its URL, with ``api``'s headers."""
        client = httpx.Client(base_url=f"{self.url}{path}", timeout=10, headers=self.api.headers)
        self._clients.append(client)
        return client

    def configure(self, **settings: Any) -> None:
        self.admin.put(f"/_sandbox/config/{self.vendor}", json=settings).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        """Requests the sandbox served for the vendor, paths as its API sees them (without the prefixes)."""
        response = self.admin.get("/_sandbox/requests", params={"vendor": self.vendor})
        response.raise_for_status()
        records = list(response.json()["requests"])
        for record in records:
            record["path"] = record["path"].removeprefix(f"/{self.vendor}").removeprefix(self.path_prefix)
        return records

    def calls(self) -> list[tuple[str, str]]:
        return [(record["method"], record["path"]) for record in self.requests()]

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.calls() if method in self.write_methods]

    def clear_requests(self) -> None:
        self.admin.delete("/_sandbox/requests").raise_for_status()

    def scaled_incident(self, time_scale: float, title: str = "Budget") -> str:
        """The sandbox clock ``time_scale`` times faster, one new incident (its ref), an empty request log."""
        self.admin.put("/_sandbox/clock", json={"time_scale": time_scale}).raise_for_status()
        made = self.admin.post(
            f"/_sandbox/{self.vendor}/incidents/schedule", json={"title": title, "after_seconds": 0}
        )
        made.raise_for_status()
        self.clear_requests()
        return str(made.json()["ref"])

    def reset(self) -> None:
        """Fresh sample data, an empty request log, and the vendor's own rate limit out of the way."""
        self.admin.post("/_sandbox/reset", json={"empty": False}).raise_for_status()
        self.clear_requests()
        self.configure(rate_limit_per_minute=UNLIMITED, omit_rate_limit_headers=False, bare_429=False)

    def default_extra(self) -> dict[str, Any]:
        """Vendor extras the test connection has unless a test overrides them."""
        return {}

    def connection_json(
        self, key: str | None = None, extra: dict[str, Any] | None = None, **fields: Any
    ) -> str:
        """The test connection as the JSON Airflow reads from ``AIRFLOW_CONN_*``.

        Extras default to no client-side rate limit; an extra given as ``None`` is left out. ``fields``
        replace top-level fields (``host``, ``login``, ``password``...).
        """
        extras = {
            "rate_limit_per_minute": UNLIMITED,
            "total_timeout": 20,
            **self.default_extra(),
            **(extra or {}),
        }
        document = {
            "conn_type": self.conn_type,
            "host": self.url,
            "password": key or self.key,
            "extra": {name: value for name, value in extras.items() if value is not None},
            **fields,
        }
        return json.dumps(document)

    def use_connection(self, monkeypatch: pytest.MonkeyPatch, key: str | None = None, **extra: Any) -> None:
        """Point the test connection at the sandbox with these extras (see :meth:`connection_json`)."""
        monkeypatch.setenv(f"AIRFLOW_CONN_{self.conn_id.upper()}", self.connection_json(key, extra))

    def close(self) -> None:
        for client in self._clients:
            client.close()


Handle = TypeVar("Handle", bound=VendorSandbox)


def serve(handle: Handle, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Iterator[Handle]:
    """Body of a handle fixture: reset the sandbox, point the test connection at it, close when done.

    Faults the test injected are cleared at the end: a later test on the bare session sandbox (the
    fault matrix) would otherwise meet them.
    """
    handle.reset()
    handle.use_connection(monkeypatch, **extra)
    yield handle
    handle.server.clear_faults()
    handle.close()


class Sandbox(VendorSandbox):
    """Test-side handle on the sandbox: admin routes, and the PagerDuty API as a vendor client calls it."""

    conn_id = PD_CONN_ID
    conn_type = "pagerduty_incidents"

    def __init__(self, server: SandboxServer) -> None:
        self.from_email = str(server.connections()["pagerduty_sandbox"]["extra"]["from_email"])
        headers = {
            "Authorization": f"Token token={server.token('pagerduty')}",
            "Accept": "application/vnd.pagerduty+json;version=2",
            "From": self.from_email,
        }
        super().__init__(server, "pagerduty", headers)
        self.pd = self.api

    def default_extra(self) -> dict[str, Any]:
        return {"from_email": self.from_email}

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


def connection_json(conn_type: str, host: str, password: str, **extra: Any) -> str:
    return json.dumps({"conn_type": conn_type, "host": host, "password": password, "extra": extra})
