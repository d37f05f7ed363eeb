"""DAG parse cost: what importing the operators and sensors adds once ``airflow.sdk`` is imported.

Median of fresh processes (target <= 25 ms); also checks that neither the sandbox nor FastAPI is
imported, since DAG files are parsed every few seconds. Also measures ``get_provider_info``: Airflow
imports and calls it in every process it starts, while loading its configuration.
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

PROVIDER_INFO_PROBE = """
import json, sys, time
before = set(sys.modules)
started = time.perf_counter()
from airflow_incident_provider.get_provider_info import get_provider_info
get_provider_info()
elapsed = time.perf_counter() - started
heavy = sorted(m for m in ("pydantic", "httpx", "airflow", "airflow_incident_provider.vendors")
               if m in sys.modules and m not in before)
print(json.dumps({"ms": elapsed * 1000, "heavy": heavy, "added": len(set(sys.modules) - before)}))
"""


def measure(probe: str, processes: int) -> tuple[list[float], set[str]]:
    """Milliseconds per fresh process, and the heavy modules any of them imported."""
    samples: list[float] = []
    heavy: set[str] = set()
    for _ in range(processes):
        out = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        samples.append(result["ms"])
        heavy.update(result["heavy"])
    return samples, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=9)
    args = parser.parse_args()
    samples, heavy = measure(PROBE, args.processes)
    print(f"import operators + sensors after airflow.sdk, {args.processes} fresh processes")
    print(f"  median {statistics.median(samples):.1f} ms, min {min(samples):.1f}, max {max(samples):.1f}")
    print(
        f"  heavy modules it imports: {', '.join(sorted(heavy)) or 'none'} (target: no sandbox, no FastAPI)"
    )

    samples, heavy = measure(PROVIDER_INFO_PROBE, args.processes)
    print(f"import and call get_provider_info, {args.processes} fresh processes")
    print(f"  median {statistics.median(samples):.1f} ms, min {min(samples):.1f}, max {max(samples):.1f}")
    print(f"  heavy modules it imports: {', '.join(sorted(heavy)) or 'none'} (target: none)")


if __name__ == "__main__":
    main()
