"""A real local Airflow (api-server, scheduler, dag-processor, triggerer) wired to the incident sandbox.

``make airflow`` runs it in the foreground until Ctrl-C; the end-to-end test starts it in a temporary
home. Everything binds 127.0.0.1 on free ports: the sandbox (in this process) and Airflow's API, which
``airflow standalone`` starts with SQLite and the LocalExecutor, the example DAGs as its DAGs folder and
every vendor's sandbox connection in ``AIRFLOW_CONN_*``. Stopping terminates the whole process group.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from airflow_incident_provider.sandbox import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DAGS = ROOT / "example_dags"
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the API server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Deployment:
    """The sandbox plus ``airflow standalone`` in ``home``; use as a context manager, always stopped."""

    def __init__(
        self,
        home: Path,
        *,
        sandbox_config: SandboxConfig | None = None,
        example_env: Mapping[str, str] | None = None,
    ) -> None:
        self.home = home.resolve()
        self.sandbox = SandboxServer(config=sandbox_config)
        self.example_env = dict(example_env or {})
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.home / "standalone.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """Airflow's settings for this deployment; inherited variables of other Airflow setups are dropped."""
        base = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
        connections = self.sandbox.connections()
        return {
            **base,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")]),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(16).hex(),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            **{f"AIRFLOW_CONN_{name.upper()}": json.dumps(conn) for name, conn in connections.items()},
            # The examples' default connection ids (<vendor>_incidents_default) point at the sandbox too.
            **{
                f"AIRFLOW_CONN_{name.upper().replace('_SANDBOX', '_INCIDENTS_DEFAULT')}": json.dumps(conn)
                for name, conn in connections.items()
            },
            "INCIDENT_EVENTS_CONN_ID": "pagerduty_sandbox",
            **self.example_env,
        }

    def start(self) -> Deployment:
        self.home.mkdir(parents=True, exist_ok=True)
        self.sandbox.start()
        airflow = str(Path(sys.executable).with_name("airflow"))
        env = self.environment()
        with self.log_path.open("ab") as log:
            subprocess.run(
                [airflow, "db", "migrate"], env=env, stdout=log, stderr=log, check=True, timeout=300
            )
            self.process = subprocess.Popen(
                [airflow, "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_until_ready()
        return self

    def wait_until_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until the API answers and the scheduler, dag-processor and triggerer report healthy."""
        deadline = time.monotonic() + timeout
        components = ("scheduler", "triggerer", "dag_processor")
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"airflow standalone exited early; see {self.log_path}\n{self.log_tail()}")
            try:
                health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
            except (httpx.HTTPError, ValueError):
                health = {}
            if all((health.get(name) or {}).get("status") == "healthy" for name in components):
                return
            time.sleep(1)
        raise TimeoutError(f"Airflow was not ready within {timeout:.0f} s\n{self.log_tail()}")

    def log_tail(self, characters: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """Terminate the whole process group (every component), then the sandbox."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10.0)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if process is not None:
            with contextlib.suppress(ProcessLookupError):  # children that outlived the leader
                os.killpg(process.pid, signal.SIGKILL)
        if self.sandbox.running:
            self.sandbox.stop()

    def __enter__(self) -> Deployment:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", default=os.environ.get("AIRFLOW_HOME", str(ROOT / ".airflow")))
    args = parser.parse_args()
    deployment = Deployment(Path(args.home) / "deployment")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("Starting the sandbox and Airflow (api-server, scheduler, dag-processor, triggerer) ...")
    with deployment:
        print(f"\nAirflow UI:  {deployment.api_url}  (no login: every user is an admin)")
        print(f"Sandbox:     {deployment.sandbox.url}")
        print(f"Connections: {', '.join(deployment.sandbox.connections())}")
        print(f"DAGs:        {EXAMPLE_DAGS}")
        print(f"Logs:        {deployment.log_path} and {deployment.home / 'logs'}")
        print("Press Ctrl-C to stop.")
        try:
            while deployment.process is not None and deployment.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nStopping ...")


if __name__ == "__main__":
    main()
