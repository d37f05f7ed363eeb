"""Check the provider against a real vendor account in a minute: read, harmless update, optional resolve.

Never run by the tests or CI: it talks to the vendor named by a real Airflow connection. Configure it
with environment variables:

    AIRFLOW_CONN_<ID>   the connection, as JSON (see docs/connections.md and the vendor's page)
    SMOKE_CONN_ID       that connection's id (default: <vendor>_incidents_default)
    SMOKE_INCIDENT      the id or ref of an incident you own and may touch
    SMOKE_RESOLVE=1     also resolve it (off by default)
    SMOKE_PUBLIC=1      allow customer-facing messages on status pages (DevHelm, UptimeIO, Statuspage)

    make smoke VENDOR=pinghome
"""

from __future__ import annotations

import argparse
import os
import sys

from airflow_incident_provider.exceptions import UnsupportedOperationError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.models import IncidentUpdate, WriteOptions
from airflow_incident_provider.registry import VENDOR_NAMES


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendor", choices=VENDOR_NAMES, required=True)
    args = parser.parse_args()
    conn_id = os.environ.get("SMOKE_CONN_ID", f"{args.vendor}_incidents_default")
    incident_ref = os.environ.get("SMOKE_INCIDENT", "")
    resolve = os.environ.get("SMOKE_RESOLVE") == "1"
    public = os.environ.get("SMOKE_PUBLIC") == "1"
    if not incident_ref or f"AIRFLOW_CONN_{conn_id.upper()}" not in os.environ:
        print(__doc__)
        print(f"Missing: set AIRFLOW_CONN_{conn_id.upper()} and SMOKE_INCIDENT.", file=sys.stderr)
        return 2
    print(f"Plan for {args.vendor} via connection {conn_id!r}, incident {incident_ref!r}:")
    print("  1. test the connection   2. read the incident   3. list up to 5 incidents")
    print("  4. set the title to its current value (no visible change)")
    print(f"  5. resolve it: {'yes' if resolve else 'no (SMOKE_RESOLVE=1 to do it)'}")
    hook = get_incident_hook(conn_id)
    ok, message = hook.test_connection()
    print(f"[1] connection: {'ok' if ok else 'FAILED'}: {message}")
    if not ok:
        return 1
    incident = hook.get_incident(incident_ref)
    print(
        f"[2] {incident.ref}: {incident.title!r} status={incident.status} phase={incident.phase.value} "
        f"severity={incident.severity} url={incident.url}"
    )
    listed = hook.list_incidents(limit=5)
    print(f"[3] listed {len(listed)} incident(s): {', '.join(item.ref for item in listed)}")
    options = WriteOptions(public=public)
    if incident.title:
        result = hook.update_incident(incident.ref, IncidentUpdate(title=incident.title), options)
        print(f"[4] update: changed={result.changed} steps={[step.name for step in result.steps]}")
    else:
        print("[4] update: skipped (the incident has no title to write back)")
    if resolve:
        try:
            result = hook.resolve_incident(
                incident.ref, "Resolved by the airflow-incident-provider smoke check", None, options
            )
        except UnsupportedOperationError as exc:  # the vendor's API cannot; the message names what can
            print(f"[5] resolve: not supported: {exc}")
        else:
            print(f"[5] resolve: changed={result.changed} status={result.incident.status}")
    print("Smoke check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
