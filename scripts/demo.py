"""Run an example DAG against the local sandbox and show what happened to the incident.

Starts the sandbox on a free loopback port, opens an incident at the chosen vendor (``--vendor``, any
vendor of the registry) the way its UI would, runs an example DAG from ``example_dags/`` with
``airflow dags test``, prints the incident's final state and every request the DAG sent, and stops the
sandbox. The DAG is the first of :data:`RUNBOOKS` the vendor's API can run (its module's
``UNSUPPORTED_OPERATIONS`` says what it cannot): ``incident_auto_remediation`` (acknowledge with a note,
remediate, verify, resolve) where it can, else ``incident_hand_over`` (escalate, then wait for a person to
resolve the incident in the vendor's app, a person the sandbox plays).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from airflow_incident_provider.models import Phase
from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.vendors import vendor_module

ROOT = Path(__file__).resolve().parents[1]
APP_RESOLVES_AFTER = 2
"""Sandbox seconds after which the sandbox resolves the incident in the vendor's app, for a DAG that waits
for a person to do it."""
WRITES = ("PUT", "POST", "PATCH")
"""The methods of the vendors' writes: the first accepted one is the DAG handing the incident over."""


@dataclass(frozen=True)
class Runbook:
    """An example DAG the demo can run, and the operations the vendor's API must offer for it."""

    dag_id: str
    steps: str
    needs: frozenset[str]
    person_resolves: bool = False
    """The DAG waits for a person to resolve the incident in the vendor's app (the sandbox plays them)."""


RUNBOOKS = (
    Runbook(
        "incident_auto_remediation",
        "acknowledge with a note, remediate, verify, resolve",
        frozenset({"acknowledge", "note", "resolve"}),
    ),
    Runbook(
        "incident_hand_over",
        "escalate one step, then wait for a person to resolve the incident in the vendor's app",
        frozenset({"escalate"}),
        person_resolves=True,
    ),
)
"""In order of preference: the first one the vendor's API can run is the demo's."""


def runbook_for(vendor: str) -> tuple[Runbook, tuple[str, ...]]:
    """The first runbook the vendor's API can run, and the operations it cannot (its own list)."""
    unsupported = tuple(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))
    for runbook in RUNBOOKS:
        if not runbook.needs & set(unsupported):
            return runbook, unsupported
    raise SystemExit(f"no example DAG runs on {vendor}: its API cannot {', '.join(unsupported)}")


def airflow(
    args: list[str], env: dict[str, str], log: Path, meanwhile: Callable[[], bool] | None = None
) -> None:
    """Run the Airflow CLI of this virtualenv, its output kept in ``log``; print the log if it fails.

    ``meanwhile`` is called every half second while it runs, until it returns True.
    """
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    with log.open("a") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            while meanwhile is not None and process.poll() is None and not meanwhile():
                time.sleep(0.5)
            returncode = process.wait(timeout=600)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    if returncode != 0:
        print(log.read_text()[-6000:])
        raise SystemExit(f"airflow {' '.join(args[:2])} failed (exit {returncode}); full log: {log}")


def person_resolves_once_handed_over(server: SandboxServer, vendor: str, ref: str) -> Callable[[], bool]:
    """Plays the person who resolves the incident in the vendor's app once the DAG has handed it over
    (its first accepted write): the sandbox then moves it to the vendor's resolved status."""
    resolved = vendor_module(vendor).PHASE_STATUSES[Phase.RESOLVED]

    def check() -> bool:
        records = httpx.get(f"{server.url}/_sandbox/requests", params={"vendor": vendor}, timeout=10)
        writes = [
            record
            for record in records.raise_for_status().json()["requests"]
            if record["method"] in WRITES and record["status"] < 300
        ]
        if not writes:
            return False
        server.schedule_status(vendor, ref, resolved, APP_RESOLVES_AFTER)
        print(f"  handed over; a person sets {resolved!r} in the app {APP_RESOLVES_AFTER} s later")
        return True

    return check


def open_incident(server: SandboxServer, vendor: str) -> str:
    """Open an incident the way the vendor's UI would, and return its ref."""
    return str(server.schedule_incident(vendor, "Payment workers crash-looping", 0)["ref"])


def show(server: SandboxServer, vendor: str, conn_id: str, ref: str, opened_severity: str | None) -> None:
    """The incident as the provider reads it, then every request the DAG made to the vendor."""
    from airflow_incident_provider.hooks import get_incident_hook

    incident = get_incident_hook(conn_id).get_incident(ref)
    print(f"\nIncident {incident.ref}: {incident.title!r}")
    print(f"  status:      {incident.status} (phase {incident.phase.value})")
    print(f"  severity:    {incident.severity} (was {opened_severity} when opened)")
    print(f"  resolved_at: {incident.resolved_at}")
    records = httpx.get(f"{server.url}/_sandbox/requests", params={"vendor": vendor}, timeout=10)
    print("  requests the DAG sent (oldest first):")
    for record in records.raise_for_status().json()["requests"]:
        body = record.get("body")
        text = f"  {json.dumps(body)[:160]}" if body else ""
        print(f"    - {record['method']:5} {record['path']} -> {record['status']}{text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vendor", default="pagerduty", help="vendor to emulate (default: pagerduty)")
    args = parser.parse_args()
    home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "demo.log"
    log.write_text("")
    with SandboxServer() as server:
        connections = server.connections()
        vendors = sorted(name.removesuffix("_sandbox") for name in connections)
        if args.vendor not in vendors:
            raise SystemExit(f"unknown vendor {args.vendor!r}; the sandbox emulates {', '.join(vendors)}")
        conn_id = f"{args.vendor}_sandbox"
        runbook, unsupported = runbook_for(args.vendor)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "INCIDENT_EXAMPLE_POKE_SECONDS": "1",
            **{f"AIRFLOW_CONN_{name.upper()}": json.dumps(conn) for name, conn in connections.items()},
        }
        os.environ.update({f"AIRFLOW_CONN_{conn_id.upper()}": env[f"AIRFLOW_CONN_{conn_id.upper()}"]})
        from airflow_incident_provider.hooks import get_incident_hook

        print(f"Sandbox listening on {server.url} (connection id: {conn_id})")
        ref = open_incident(server, args.vendor)
        print(f"Opened {args.vendor} incident {ref}: 'Payment workers crash-looping'")
        opened_severity = get_incident_hook(conn_id).get_incident(ref).severity
        httpx.delete(f"{server.url}/_sandbox/requests", timeout=10).raise_for_status()
        print("Migrating the demo's SQLite metadata DB ...")
        airflow(["db", "migrate"], env, log)
        if runbook != RUNBOOKS[0]:
            print(
                f"{args.vendor}'s API cannot {', '.join(unsupported)} (its module's UNSUPPORTED_OPERATIONS), "
                f"which {RUNBOOKS[0].dag_id} needs: the demo runs {runbook.dag_id} instead"
            )
        print(f"DAG {runbook.dag_id}: {runbook.steps}")
        meanwhile = None
        if runbook.person_resolves:
            print("  (the sandbox plays the person who resolves it in the app)")
            meanwhile = person_resolves_once_handed_over(server, args.vendor, ref)
        conf = json.dumps({"incident_id": ref, "conn_id": conn_id})
        print(f"Running DAG {runbook.dag_id} with conf {conf} ...")
        airflow(["dags", "test", runbook.dag_id, "--conf", conf], env, log, meanwhile)
        show(server, args.vendor, conn_id, ref, opened_severity)
    print(f"\nDone. Airflow's output is in {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}")


if __name__ == "__main__":
    main()
