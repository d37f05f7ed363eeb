"""The end-to-end session's deployment: one real Airflow for every e2e module, started once.

Starting Airflow's four components is the costly part of ``make e2e``, so ``conftest.py`` starts one
deployment per session (:func:`running_deployment`) and each module (the example DAGs, the connection
forms in a browser) uses it. Airflow runs with the sandbox whose every credential is a distinctive
token (:data:`TOKENS`), so the secrets audit can search every log for them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_incident_provider.registry import VENDORS
from airflow_incident_provider.sandbox import SandboxConfig, SandboxServer
from airflow_incident_provider.sandbox.config import SIGNIN_SECRET
from airflow_incident_provider.sandbox.pinghome.seed import ACCOUNT_EMAIL, DEFAULT_TEAM_ID

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
from deployment import Deployment, session_processes


def distinct(name: str) -> str:
    """Six characters no log line has by chance, fixed per name so a failing run can be repeated."""
    return hashlib.sha256(f"e2e-{name}".encode()).hexdigest()[:6]


TOKENS = {
    **{record.name: f"e2e-{record.name}-{record.credential}-{distinct(record.name)}" for record in VENDORS},
    SIGNIN_SECRET: f"e2e-pinghome-password-{distinct(SIGNIN_SECRET)}",
}
"""Distinctive credentials: any of them in a log file is a leak, never a coincidence."""
SIGN_IN_CONN_ID = "pinghome_signin"
"""A Pinghome connection holding an email and password, which the hook exchanges for a session token."""
ACK_AND_RESOLVE = "incident_acknowledge_and_resolve"
STATUS_PAGE_SYNC = "status_page_sync"
INTERVAL = 2.0
"""Seconds between the event watcher's polls and the sensors' checks in this deployment."""
REMEDIATION = "incident_auto_remediation"
ON_EVENT = "incident_auto_remediation_on_event"
POSTMORTEM = "incident_wait_then_postmortem"
HAND_OVER = "incident_hand_over"
TESTED_DAGS = (REMEDIATION, ON_EVENT, POSTMORTEM, ACK_AND_RESOLVE, STATUS_PAGE_SYNC, HAND_OVER)
PAGERDUTY_HEADERS = {
    "Authorization": f"Token token={TOKENS['pagerduty']}",
    "Accept": "application/vnd.pagerduty+json;version=2",
}


@dataclass(frozen=True)
class Running:
    """The started deployment and its sandbox, with what was seeded before Airflow started."""

    deployment: Deployment
    sandbox: SandboxServer
    conf_incident: str
    """A PagerDuty incident opened before Airflow started: in the event watcher's baseline."""
    baseline: dict[str, str]
    """PagerDuty incident id -> status before Airflow started."""


@contextmanager
def running_deployment(
    home: Path,
    kind: type[Deployment] = Deployment,
    dag_ids: Collection[str] = TESTED_DAGS,
    **options: Any,
) -> Iterator[Running]:
    """The sandbox and the deployment, started in ``home``; always stopped, its processes all gone.

    ``kind`` and ``options`` choose another deployment (the distributed one of ``tests/distributed/``),
    ``dag_ids`` the DAGs to unpause once parsed.
    """
    with (
        SandboxServer(config=SandboxConfig(tokens=dict(TOKENS))) as sandbox,
        pytest.MonkeyPatch.context() as env,
    ):
        for conn_id, connection in sandbox.connections().items():  # for the hooks the tests read with
            env.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
        # Opened before Airflow exists, so the watcher's first poll takes it into its baseline: the
        # conf-triggered run works on it without the event-driven DAG also starting for it.
        conf_incident = str(sandbox.schedule_incident("pagerduty", "Checkout API returning 500s", 0)["ref"])
        listing = httpx.get(
            f"{sandbox.vendor_url('pagerduty')}/incidents",
            params={"date_range": "all", "limit": 100},
            headers=PAGERDUTY_HEADERS,
            timeout=10,
        ).json()
        baseline = {incident["id"]: incident["status"] for incident in listing["incidents"]}
        sign_in = {
            "conn_type": "pinghome_incidents",
            "host": sandbox.vendor_url("pinghome"),
            "login": ACCOUNT_EMAIL,
            "password": TOKENS[SIGNIN_SECRET],
            "extra": {"team_id": DEFAULT_TEAM_ID},
        }
        deployment = kind(
            home,
            sandbox,
            poll_seconds=INTERVAL,
            poke_seconds=INTERVAL,
            paused_at_creation=True,
            extra_connections={SIGN_IN_CONN_ID: sign_in},
            **options,
        )
        try:
            with deployment:
                deployment.wait_for_dags(dag_ids)
                deployment.unpause(dag_ids)  # the others (one on a 15-minute schedule) stay paused
                yield Running(deployment, sandbox, conf_incident, baseline)
        finally:
            survivors = session_processes(deployment.sessions)
    assert not survivors, f"processes outlived the deployment: {survivors}"
