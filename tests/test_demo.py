"""The README's first command: the demo script runs an example DAG against the sandbox end to end.

The script itself (a sandbox, ``airflow db migrate``, ``airflow dags test``, what it prints) runs once per
example DAG it can pick, for the first registered vendor that picks it; every registered vendor's pick,
and that DAG run to the end against the vendor's API, is proven in this process with the script's own
functions and ``dag.test()``, at a fraction of a subprocess's cost.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.models import Phase
from airflow_incident_provider.vendors import vendor_module
from tests.test_dag_run import EXAMPLES, load_dag
from tests.vendor_cases import VENDOR_CASES, VENDORS

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import demo  # scripts/ is not a package: on the path above

ROOT = Path(__file__).parents[1]

PERSON_WAITS = 60
"""Seconds the person waits for the hand-over before resolving the incident anyway and reporting it: the
hand-over DAG's sensor waits three days, and ``dag.test()`` bounds nothing."""
API_RUNS_IT_ALL = {"acknowledge", "note", "resolve"}
"""What the remediation DAG needs of the vendor's API; a vendor that lacks any of it gets the hand-over."""


def expected_dag(vendor: str) -> str:
    """Where the API resolves, the remediation DAG does it; where it cannot (its module says so), the
    hand-over DAG escalates, and the incident is resolved by the person (played by the sandbox)."""
    unsupported = set(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))
    return "incident_hand_over" if unsupported & API_RUNS_IT_ALL else "incident_auto_remediation"


FIRST_PICKS = {
    dag_id: next(v for v in VENDORS if expected_dag(v) == dag_id) for dag_id in map(expected_dag, VENDORS)
}
"""Each example DAG some vendor's demo runs, and the first registered vendor that runs it."""


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_vendor_s_demo_picks_a_dag_its_api_runs_and_the_incident_ends_resolved(
    vendor: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, metadata_db: None
) -> None:
    """What the demo does for ``vendor``, with its functions and its connection to the sandbox, the DAG
    run by ``dag.test()`` instead of ``airflow dags test``."""
    handle = request.getfixturevalue(VENDOR_CASES[vendor].fixture)
    conn_id = f"{vendor}_sandbox"
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(handle.server.connections()[conn_id]))
    runbook, unsupported = demo.runbook_for(vendor)
    assert runbook.dag_id == expected_dag(vendor)
    assert not runbook.needs & set(unsupported), "the API can run every step of it"
    ref = demo.open_incident(handle.server, vendor)
    opened = get_incident_hook(conn_id).get_incident(ref)
    handle.clear_requests()
    stop = threading.Event()
    gave_up: list[str] = []
    person = threading.Thread(target=_person, args=(handle.server, vendor, ref, stop, gave_up), daemon=True)
    if runbook.person_resolves:
        person.start()
    try:
        run = load_dag(runbook.dag_id, EXAMPLES).test(run_conf={"conn_id": conn_id, "incident_id": ref})
    finally:
        stop.set()
        if person.is_alive():
            person.join(timeout=10)
    from airflow.utils.state import DagRunState

    assert not gave_up, gave_up
    assert run.state == DagRunState.SUCCESS, {ti.task_id: ti.state for ti in run.get_task_instances()}
    incident = get_incident_hook(conn_id).get_incident(ref)
    assert incident.phase is Phase.RESOLVED
    writes = [r for r in handle.requests() if r["method"] in demo.WRITES and r["status"] < 300]
    if not runbook.person_resolves:
        assert len(writes) >= 2, "the acknowledgement and the resolution were sent"
        assert any("Automated remediation has started" in str(r.get("body")) for r in writes)
    else:
        assert len(writes) == 1, "the escalation, and nothing the API cannot take"
        assert incident.severity != opened.severity, "escalated one step"


def _person(server: Any, vendor: str, ref: str, stop: threading.Event, gave_up: list[str]) -> None:
    """The demo's person, who resolves the incident in the app once the DAG has handed it over; one who
    never sees the hand-over resolves it after :data:`PERSON_WAITS`, so the run ends, and says so."""
    handed_over = demo.person_resolves_once_handed_over(server, vendor, ref)
    deadline = time.monotonic() + PERSON_WAITS
    try:
        while not stop.is_set() and not handed_over():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no hand-over seen in {PERSON_WAITS} s")
            stop.wait(0.2)
    except Exception as exc:  # whatever went wrong, the sensor must not wait three days
        gave_up.append(repr(exc))
        server.schedule_status(vendor, ref, vendor_module(vendor).PHASE_STATUSES[Phase.RESOLVED], 0)


@pytest.mark.parametrize(("dag_id", "vendor"), sorted(FIRST_PICKS.items()))
def test_demo_runs_what_the_vendor_api_can_and_the_incident_ends_resolved(
    dag_id: str, vendor: str, tmp_path: Path
) -> None:
    """The script end to end, for the first vendor that runs each DAG."""
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    env.pop("AIRFLOW__CORE__DAGS_FOLDER", None)
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    env.pop("INCIDENT_EXAMPLE_POKE_SECONDS", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--vendor", vendor],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(phase resolved)" in done.stdout
    assert f"Running DAG {dag_id}" in done.stdout
    writes = [
        line for line in done.stdout.splitlines() if line.strip().startswith(("- PUT", "- POST", "- PATCH"))
    ]
    unsupported = set(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))
    if not unsupported & API_RUNS_IT_ALL:
        assert "Running DAG incident_auto_remediation" in done.stdout
        assert len(writes) >= 2, "the acknowledgement and the resolution were sent"
        assert "Automated remediation has started" in done.stdout, "the acknowledge note is shown"
    else:
        assert "Running DAG incident_hand_over" in done.stdout
        listed = ", ".join(vendor_module(vendor).UNSUPPORTED_OPERATIONS)
        assert f"{vendor}'s API cannot {listed} (its module's UNSUPPORTED_OPERATIONS)" in done.stdout
        assert "the demo runs incident_hand_over instead" in done.stdout
        assert len(writes) == 1, "the escalation, and nothing the API cannot take"
        severity = re.search(r"severity: +(.+) \(was (.+) when opened\)", done.stdout)
        assert severity is not None, done.stdout
        assert severity.group(1) != severity.group(2), "escalated one step"
        assert "a person sets" in done.stdout, "the resolution came from the app, not from the DAG"


def test_demo_names_the_vendors_it_knows(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--vendor", "opsgenie"],
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert f"unknown vendor 'opsgenie'; the sandbox emulates {', '.join(sorted(VENDORS))}" in done.stderr
