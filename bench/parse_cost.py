"""DAG parse cost: what importing the operators and sensors adds once ``airflow.sdk`` is imported.

Median of fresh processes (target <= 25 ms); also checks that neither the sandbox nor FastAPI is
imported, since DAG files are parsed every few seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PROBE = """
import json, sys, time
import airflow.sdk
before = set(sys.modules)
started = time.perf_counter()
import airflow_incident_provider.operators, airflow_incident_provider.sensors
elapsed = time.perf_counter() - started
heavy = sorted(m for m in ("fastapi", "uvicorn", "airflow_incident_provider.sandbox", "httpx", "tenacity")
               if m in sys.modules and m not in before)
print(json.dumps({"ms": elapsed * 1000, "heavy": heavy, "added": len(set(sys.modules) - before)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=9)
    args = parser.parse_args()
    samples, heavy = [], set()
    for _ in range(args.processes):
        out = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
            [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        samples.append(result["ms"])
        heavy.update(result["heavy"])
    print(f"import operators + sensors after airflow.sdk, {args.processes} fresh processes")
    print(f"  median {statistics.median(samples):.1f} ms, min {min(samples):.1f}, max {max(samples):.1f}")
    print(
        f"  heavy modules it imports: {', '.join(sorted(heavy)) or 'none'} (target: no sandbox, no FastAPI)"
    )


if __name__ == "__main__":
    main()
