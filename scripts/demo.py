"""Run the example remediation DAG against the local sandbox and show what happened to the incident.

Starts the sandbox on a free loopback port, opens an incident at the chosen vendor (``--vendor``, any of
the five) the way its UI would, runs ``incident_auto_remediation`` from ``example_dags/`` with
``airflow dags test`` (acknowledge with a note, remediate, verify, resolve), prints the incident's final
state and every request the DAG sent, and stops the sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from airflow_incident_provider.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "incident_auto_remediation"


def airflow(args: list[str], env: dict[str, str], log: Path) -> None:
    """Run the Airflow CLI of this virtualenv, its output kept in ``log``; print the log if it fails."""
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    with log.open("a") as out:
        done = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=600
        )
    if done.returncode != 0:
        print(log.read_text()[-6000:])
        raise SystemExit(f"airflow {' '.join(args[:2])} failed (exit {done.returncode}); full log: {log}")


def open_incident(server: SandboxServer, vendor: str) -> str:
    """Open an incident the way the vendor's UI would, and return its ref."""
    return str(server.schedule_incident(vendor, "Payment workers crash-looping", 0)["ref"])


def show(server: SandboxServer, vendor: str, conn_id: str, ref: str) -> None:
    """The incident as the provider reads it, then every request the DAG made to the vendor."""
    from airflow_incident_provider.hooks import get_incident_hook

    incident = get_incident_hook(conn_id).get_incident(ref)
    print(f"\nIncident {incident.ref}: {incident.title!r}")
    print(f"  status:      {incident.status} (phase {incident.phase.value})")
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
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            **{f"AIRFLOW_CONN_{name.upper()}": json.dumps(conn) for name, conn in connections.items()},
        }
        os.environ.update({f"AIRFLOW_CONN_{conn_id.upper()}": env[f"AIRFLOW_CONN_{conn_id.upper()}"]})
        print(f"Sandbox listening on {server.url} (connection id: {conn_id})")
        ref = open_incident(server, args.vendor)
        print(f"Opened {args.vendor} incident {ref}: 'Payment workers crash-looping'")
        httpx.delete(f"{server.url}/_sandbox/requests", timeout=10).raise_for_status()
        print("Migrating the demo's SQLite metadata DB ...")
        airflow(["db", "migrate"], env, log)
        conf = json.dumps({"incident_id": ref, "conn_id": conn_id})
        print(f"Running DAG {DAG_ID} with conf {conf} ...")
        airflow(["dags", "test", DAG_ID, "--conf", conf], env, log)
        show(server, args.vendor, conn_id, ref)
    print(f"\nDone. Airflow's output is in {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}")


if __name__ == "__main__":
    main()
