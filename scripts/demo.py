"""Run the example remediation DAG against the local sandbox and show what happened to the incident.

Starts the sandbox on a free loopback port, opens an incident there the way a monitoring system would,
runs ``example_dags/incident_acknowledge_and_resolve.py`` with ``airflow dags test`` (acknowledge with
a note, remediate, resolve), prints the incident's final state and timeline, and stops the sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from airflow_incident_provider.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "incident_acknowledge_and_resolve"


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


def pagerduty_client(server: SandboxServer) -> httpx.Client:
    connection = server.connections()["pagerduty_sandbox"]
    return httpx.Client(
        base_url=connection["host"],
        timeout=10,
        headers={
            "Authorization": f"Token token={connection['password']}",
            "Accept": "application/vnd.pagerduty+json;version=2",
            "From": connection["extra"]["from_email"],
        },
    )


def open_incident(client: httpx.Client) -> dict[str, Any]:
    service = client.get("/services").raise_for_status().json()["services"][0]
    body = {
        "incident": {
            "type": "incident",
            "title": "Payment workers crash-looping",
            "urgency": "high",
            "service": {"id": service["id"], "type": "service_reference"},
        }
    }
    return dict(client.post("/incidents", json=body).raise_for_status().json()["incident"])


def show(client: httpx.Client, incident_id: str) -> None:
    incident = client.get(f"/incidents/{incident_id}").raise_for_status().json()["incident"]
    notes = client.get(f"/incidents/{incident_id}/notes").raise_for_status().json()["notes"]
    entries = client.get(f"/incidents/{incident_id}/log_entries").raise_for_status().json()["log_entries"]
    print(f"\nIncident {incident_id}: {incident['title']!r}")
    print(f"  status:      {incident['status']}")
    print(f"  resolved_at: {incident['resolved_at']}")
    print("  notes:")
    for note in notes:
        print(f"    - {note['created_at']}  {note['content']!r}")
    print("  timeline (oldest first):")
    for entry in reversed(entries):  # PagerDuty lists log entries newest first
        note = f" ({entry['note']!r})" if entry.get("note") else ""
        print(f"    - {entry['created_at']}  {entry['type']}: {entry.get('summary', '')}{note}")


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
        conn_id = f"{args.vendor}_sandbox"
        if args.vendor != "pagerduty":
            raise SystemExit(
                f"make demo runs the PagerDuty example; the sandbox also emulates "
                f"{', '.join(sorted(name.removesuffix('_sandbox') for name in connections))}: "
                "try them with `make sandbox` and the connections it prints"
            )
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            **{f"AIRFLOW_CONN_{name.upper()}": json.dumps(conn) for name, conn in connections.items()},
        }
        print(f"Sandbox listening on {server.url} (connection id: {conn_id})")
        with pagerduty_client(server) as client:
            incident = open_incident(client)
            print(f"Opened incident {incident['id']} ({incident['status']}): {incident['title']!r}")
            print("Migrating the demo's SQLite metadata DB ...")
            airflow(["db", "migrate"], env, log)
            conf = json.dumps({"incident_id": incident["id"], "conn_id": conn_id})
            print(f"Running DAG {DAG_ID} with conf {conf} ...")
            airflow(["dags", "test", DAG_ID, "--conf", conf], env, log)
            show(client, incident["id"])
    print(f"\nDone. Airflow's output is in {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}")


if __name__ == "__main__":
    main()
