"""End to end: the example DAGs in a real Airflow (api-server, scheduler, dag-processor, triggerer).

Proven through Airflow's REST API against the sandbox: a conf-triggered remediation run, a run started
by an incident appearing (IncidentEventTrigger in the real triggerer, exactly once), a deferrable
sensor that really went through ``deferred``, and no connection secret in any log file.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.sandbox import SandboxConfig

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
from deployment import Deployment

pytestmark = pytest.mark.e2e

TOKENS = {
    "pagerduty": "e2e-pagerduty-token-Zq81Lm",
    "rootly": "e2e-rootly-key-Vw42Hx",
    "devhelm": "e2e-devhelm-key-Pk07Rt",
    "uptimeio": "e2e-uptimeio-key-Jd65Nc",
    "pinghome": "e2e-pinghome-token-Ws39Bf",
    "pinghome-signin": "e2e-pinghome-password-Gy14Tu",
}
POLL = 2  # seconds: the event trigger's poll and the sensors' poke interval in this deployment
T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], deployment: Deployment, timeout: float = 90) -> T:
    """Poll ``check`` until it returns a value; fail with the deployment's log tail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}\n{deployment.log_tail()}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    config = SandboxConfig(tokens=dict(TOKENS))
    env = {"INCIDENT_EVENTS_POLL_SECONDS": str(POLL), "INCIDENT_EXAMPLE_POKE_SECONDS": str(POLL)}
    with Deployment(tmp_path_factory.mktemp("airflow"), sandbox_config=config, example_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def api(deployment: Deployment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{deployment.api_url}/api/v2", timeout=15) as client:
        wait_for(
            "the example DAGs to be parsed",
            lambda: client.get("/dags/incident_auto_remediation_on_event").status_code == 200 or None,
            deployment,
        )
        yield client


def trigger(api: httpx.Client, dag_id: str, conf: dict[str, Any]) -> str:
    response = api.post(f"/dags/{dag_id}/dagRuns", json={"conf": conf, "logical_date": None})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["dag_run_id"])


def finished(api: httpx.Client, dag_id: str, run_id: str) -> str | None:
    state = api.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
    return str(state) if state in ("success", "failed") else None


def runs(api: httpx.Client, dag_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/dags/{dag_id}/dagRuns").json()["dag_runs"])


def list_calls(deployment: Deployment) -> int:
    records = httpx.get(f"{deployment.sandbox.url}/_sandbox/requests", params={"vendor": "pagerduty"}).json()
    return len(
        [r for r in records["requests"] if r["method"] == "GET" and r["path"] == "/pagerduty/incidents"]
    )


def sandbox_incident(deployment: Deployment, vendor: str, ref: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The incident as the provider reads it from the deployment's sandbox."""
    connection = deployment.sandbox.connections()[f"{vendor}_sandbox"]
    monkeypatch.setenv(f"AIRFLOW_CONN_{vendor.upper()}_SANDBOX", json.dumps(connection))
    return get_incident_hook(f"{vendor}_sandbox").get_incident(ref, include_raw=True)


def test_an_appearing_incident_starts_the_event_driven_dag_exactly_once(
    deployment: Deployment, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_for(
        "the watcher's first polls (its baseline)", lambda: list_calls(deployment) >= 2 or None, deployment
    )
    ref = deployment.sandbox.schedule_incident("pagerduty", "Search API returning 503s", 0)["ref"]
    run = wait_for(
        "a run started by the incident",
        lambda: next(iter(runs(api, "incident_auto_remediation_on_event")), None),
        deployment,
    )
    state = wait_for(
        "the event-driven run to finish",
        lambda: finished(api, "incident_auto_remediation_on_event", run["dag_run_id"]),
        deployment,
    )
    assert state == "success", deployment.log_tail()
    polls = list_calls(deployment)
    wait_for("three more polls", lambda: list_calls(deployment) >= polls + 3 or None, deployment)
    assert len(runs(api, "incident_auto_remediation_on_event")) == 1, "one incident, one run"
    events = api.get("/assets/events").json()["asset_events"]
    assert [event["extra"]["payload"]["incident"]["ref"] for event in events] == [ref]
    assert "raw" not in events[0]["extra"]["payload"]["incident"]
    assert sandbox_incident(deployment, "pagerduty", ref, monkeypatch).status == "resolved"


def test_conf_triggered_remediation_resolves_the_incident(
    deployment: Deployment, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = deployment.sandbox.schedule_incident("rootly", "Checkout workers crash-looping", 0)["ref"]
    run_id = trigger(api, "incident_auto_remediation", {"conn_id": "rootly_sandbox", "incident_id": ref})
    state = wait_for(
        "the remediation run", lambda: finished(api, "incident_auto_remediation", run_id), deployment
    )
    assert state == "success", deployment.log_tail()
    assert sandbox_incident(deployment, "rootly", ref, monkeypatch).status == "resolved"


def test_deferrable_sensor_goes_through_the_real_triggerer(
    deployment: Deployment, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = deployment.sandbox.schedule_incident("devhelm", "Status page: login slow", 0)["ref"]
    deployment.sandbox.schedule_status("devhelm", ref, "RESOLVED", 20)
    run_id = trigger(api, "incident_wait_then_postmortem", {"conn_id": "devhelm_sandbox", "incident_id": ref})
    ti = f"/dags/incident_wait_then_postmortem/dagRuns/{run_id}/taskInstances/wait_for_resolution"
    wait_for(
        "the sensor to be deferred", lambda: api.get(ti).json().get("state") == "deferred" or None, deployment
    )
    state = wait_for(
        "the postmortem run", lambda: finished(api, "incident_wait_then_postmortem", run_id), deployment
    )
    assert state == "success", deployment.log_tail()
    assert api.get(ti).json()["state"] == "success"
    raw = sandbox_incident(deployment, "devhelm", ref, monkeypatch).raw
    assert raw["status"] == "RESOLVED"
    assert raw["postmortemUrl"].startswith("https://")


def test_no_secret_in_any_log(deployment: Deployment, api: httpx.Client) -> None:
    files = [path for path in deployment.home.rglob("*") if path.is_file() and path.suffix in (".log", "")]
    logs = [path for path in files if "logs" in path.parts or path == deployment.log_path]
    assert logs, "task and trigger logs were written"
    for path in logs:
        text = path.read_text(errors="replace")
        for vendor, token in TOKENS.items():
            assert token not in text, f"{vendor} secret in {path.relative_to(deployment.home)}"
