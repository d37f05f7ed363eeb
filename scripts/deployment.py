"""A real local Airflow (api-server, scheduler, dag-processor, triggerer) wired to the incident sandbox.

``make airflow`` runs it in the foreground until Ctrl-C or SIGTERM; the end-to-end test
(``tests/e2e/``) starts the same deployment in a temporary home. One module serves both, so what the
test proves is what a developer runs.

Everything listens on 127.0.0.1 only: the sandbox (a :class:`SandboxServer` in the calling process, on
a free port) and Airflow's API server (another free port). Airflow runs with SQLite, the LocalExecutor,
``example_dags/`` as its DAGs folder, ``[core] simple_auth_manager_all_admins`` (no login) and every
vendor's sandbox connection as an ``AIRFLOW_CONN_*`` variable.

The four components are started directly rather than through ``airflow standalone``: standalone also
starts two log servers that bind every interface on fixed ports (8793, 8794), and dies on SIGTERM
without stopping its children. Started here, the scheduler and the triggerer skip their log servers
(the API server reads the task and trigger logs from the shared logs folder), each component writes
its own output file (so a failure shows the tail of the component concerned), and each runs in its own
session, so stopping reaches every process it started, task processes included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # an Airflow dependency, without type information
from services import free_port, tail

from airflow_incident_provider.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DAGS = ROOT / "example_dags"
DEFAULT_HOME = ROOT / ".airflow"
EVENTS_CONN_ID = "pagerduty_sandbox"
"""The connection the event-driven example watches (``INCIDENT_EVENTS_CONN_ID``)."""
DEFAULT_INTERVAL = 60.0
"""Production intervals of the examples' event polls and sensor pokes (see DESIGN: >= 60 s)."""

WATCHER_MEMORY_PREFIX = "incident-events/"
"""The asset state-store keys of ``IncidentEventTrigger``'s memory (its ``memory_key()``). Spelt out
rather than imported: importing the trigger imports Airflow, which would set itself up in this
process's ``AIRFLOW_HOME`` (``~/airflow`` when unset) rather than the deployment's."""

MIGRATE_TIMEOUT = 120.0
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
"""Seconds each stop stage (components, then the API server) waits before killing what is left."""


@dataclass(frozen=True)
class Component:
    """One Airflow command run as a long-lived process of the deployment."""

    name: str
    args: tuple[str, ...]
    health: str | None
    """Its key in ``/api/v2/monitor/health`` (the API server answering is its own health)."""
    env: tuple[tuple[str, str], ...] = ()
    """Settings of this component only (e.g. the hostname one of several workers reports)."""
    ready_line: str | None = None
    """A line its output shows once it is ready, for components without a health key (workers)."""


API_SERVER = Component("api-server", ("api-server",), None)
BACKGROUND = (
    Component("scheduler", ("scheduler", "--skip-serve-logs"), "scheduler"),
    Component("dag-processor", ("dag-processor",), "dag_processor"),
    Component("triggerer", ("triggerer", "--skip-serve-logs"), "triggerer"),
)


class DeploymentError(RuntimeError):
    """The deployment could not start or a component stopped; the message carries the log tail."""


def session_processes(sessions: Collection[int]) -> list[psutil.Process]:
    """Live (not zombie) processes in any of ``sessions``, wherever they were re-parented to."""
    found: list[psutil.Process] = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getsid(process.pid) in sessions and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (OSError, psutil.Error):  # gone meanwhile, or not ours to inspect
            continue
    return found


class Deployment:
    """Airflow's four components in ``home``, wired to a running ``sandbox``; always stopped.

    Use as a context manager: ``with SandboxServer() as sandbox, Deployment(home, sandbox) as airflow``.
    The sandbox belongs to the caller (a test seeds it before Airflow starts); the deployment stops
    every process it started, in its own sessions, on exit, whatever happened.

    :param home: the ``AIRFLOW_HOME``; its SQLite metadata database is migrated (or created) first.
    :param sandbox: the started sandbox whose connections Airflow gets.
    :param poll_seconds: ``INCIDENT_EVENTS_POLL_SECONDS``: the event-driven example's poll interval.
    :param poke_seconds: ``INCIDENT_EXAMPLE_POKE_SECONDS``: the examples' sensor interval.
    :param paused_at_creation: leave new DAGs paused (the e2e test unpauses only those it runs).
    :param extra_connections: more connections (conn id -> connection dict) beside the sandbox's own.
    :param dags_folder: the DAGs folder (``example_dags/``, or a folder of test DAGs beside them).
    """

    def __init__(
        self,
        home: Path,
        sandbox: SandboxServer,
        *,
        poll_seconds: float = DEFAULT_INTERVAL,
        poke_seconds: float = DEFAULT_INTERVAL,
        paused_at_creation: bool = False,
        extra_connections: Mapping[str, dict[str, Any]] | None = None,
        dags_folder: Path = EXAMPLE_DAGS,
    ) -> None:
        self.home = home.resolve()
        self.dags_folder = dags_folder
        self.background: tuple[Component, ...] = BACKGROUND
        """The components besides the API server (a distributed deployment has more)."""
        self.extra_connections = dict(extra_connections or {})
        self.sandbox = sandbox
        self.poll_seconds = poll_seconds
        self.poke_seconds = poke_seconds
        self.paused_at_creation = paused_at_creation
        self.port = free_port()
        self.jwt_secret = secrets.token_hex(32)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.sessions: set[int] = set()
        """Session ids of every component ever started (to find stragglers after a stop)."""

    # ------------------------------------------------------------ addresses and settings

    @property
    def api_url(self) -> str:
        """The UI and REST API root, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs_dir(self) -> Path:
        """Airflow's logs folder: task logs, trigger logs, dag-processor logs, and component output."""
        return self.home / "logs"

    def log_path(self, component: str) -> Path:
        """Where one component's (or ``db-migrate``'s) standard output and error go."""
        return self.logs_dir / "components" / f"{component}.log"

    def log_tails(self, *components: str, characters: int = 3000) -> str:
        """The end of each named component's output (all of them by default), for failure messages."""
        names = components or tuple(component.name for component in self.components)
        return "\n".join(
            f"--- {name}: {self.log_path(name)}\n{tail(self.log_path(name), characters)}" for name in names
        )

    def connections(self) -> dict[str, dict[str, Any]]:
        """Every sandbox connection (``<vendor>_sandbox``), the same under the examples' defaults, and the
        extra ones.

        The example DAGs default to ``<vendor>_incidents_default``: pointing those at the sandbox too
        lets every example run as written, including the scheduled ones.
        """
        sandbox = self.sandbox.connections()
        defaults = {
            f"{conn_id.removesuffix('_sandbox')}_incidents_default": connection
            for conn_id, connection in sandbox.items()
        }
        return {**sandbox, **defaults, **self.extra_connections}

    def environment(self) -> dict[str, str]:
        """The components' environment: this deployment's settings, nothing inherited from other setups.

        Inherited ``AIRFLOW*`` and ``INCIDENT_*`` variables are dropped, so a developer's own Airflow
        settings (or a test session's) cannot leak in; everything the deployment needs is set here.
        """
        inherited = {
            key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "INCIDENT_"))
        }
        return {
            **inherited,
            # The components' `airflow` commands and their task processes use this virtualenv.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), inherited.get("PATH", "")]),
            "PYTHONUNBUFFERED": "1",  # component output reaches its log file at once (log tails)
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",  # the LocalExecutor starts this many worker processes
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(self.paused_at_creation),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            # The connection form's Test button and POST /api/v2/connections/test (Disabled by default).
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__WORKERS": "1",
            # One secret shared by every component: the API server signs the tasks' tokens with it.
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",  # it would bind 0.0.0.0:8974
            # New DAG files are found within seconds; known ones are re-parsed every 30 s (the default).
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "5",
            **{
                f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)
                for conn_id, conn in self.connections().items()
            },
            "INCIDENT_EVENTS_CONN_ID": EVENTS_CONN_ID,
            "INCIDENT_EVENTS_POLL_SECONDS": f"{self.poll_seconds:g}",
            "INCIDENT_EXAMPLE_POKE_SECONDS": f"{self.poke_seconds:g}",
        }

    @property
    def components(self) -> tuple[Component, ...]:
        """Every component, the API server first."""
        return (API_SERVER, *self.background)

    # ------------------------------------------------------------ life cycle

    def start(self) -> Deployment:
        """Migrate the database, start the components and wait until all four report healthy.

        With a home used before, the API server starts first and the event watchers' memory of the
        previous sandbox is dropped before the triggerer starts: that sandbox is gone, and its incident
        ids come again in the new one, so the memory would hide new incidents or report old ones.
        """
        if not self.sandbox.running:
            raise DeploymentError("start the sandbox before the deployment")
        reused = (self.home / "airflow.db").exists()
        self.log_path("db-migrate").parent.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        self.migrate(env)
        if reused:
            self.launch(API_SERVER, env)
            self.wait_until_ready(components=())
            self.forget_watcher_memory()
            for component in self.background:
                self.launch(component, env)
        else:
            for component in self.components:
                self.launch(component, env)
        self.wait_until_ready()
        return self

    def migrate(self, env: dict[str, str]) -> None:
        """``airflow db migrate``: creates the SQLite database on first use, upgrades it later."""
        log_path = self.log_path("db-migrate")
        with log_path.open("wb") as log:
            done = subprocess.run(
                [self.airflow, "db", "migrate"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=MIGRATE_TIMEOUT,
                check=False,
            )
        if done.returncode != 0:
            raise DeploymentError(f"airflow db migrate failed (exit {done.returncode})\n{tail(log_path)}")

    @property
    def airflow(self) -> str:
        """The ``airflow`` command of this virtualenv."""
        return str(Path(sys.executable).with_name("airflow"))

    def launch(self, component: Component, env: dict[str, str]) -> None:
        """Start one component in its own session, its output appended to its log file."""
        log_path = self.log_path(component.name)
        with log_path.open("ab") as log:
            log.write(f"\n=== {component.name} starting at {datetime.now(UTC).isoformat()}\n".encode())
            log.flush()
            process = subprocess.Popen(
                [self.airflow, *component.args],
                env={**env, **dict(component.env)},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[component.name] = process
        self.sessions.add(process.pid)

    def check_running(self) -> None:
        """Raise :class:`DeploymentError` with the component's log tail if any component exited."""
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                raise DeploymentError(f"Airflow's {name} exited (code {code})\n{self.log_tails(name)}")

    def health(self) -> dict[str, Any]:
        """``/api/v2/monitor/health``, or an empty dict while the API server does not answer."""
        try:
            response = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5)
            body = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return {}
        return body if isinstance(body, dict) else {}

    def wait_until_ready(
        self, timeout: float = READY_TIMEOUT, components: Collection[Component] | None = None
    ) -> None:
        """Until the API server answers and each of ``components`` (by default all) reports healthy
        (bounded)."""
        deadline = time.monotonic() + timeout
        components = self.background if components is None else components
        keys = ["metadatabase", *(component.health for component in components if component.health)]
        while True:
            self.check_running()
            health = self.health()
            healthy = health and all((health.get(key) or {}).get("status") == "healthy" for key in keys)
            if healthy and all(
                component.ready_line in tail(self.log_path(component.name), 20_000)
                for component in components
                if component.ready_line
            ):
                return
            if time.monotonic() > deadline:
                raise DeploymentError(
                    f"Airflow was not healthy within {timeout:.0f} s (last health: {health})\n"
                    f"{self.log_tails()}"
                )
            time.sleep(0.5)

    @contextlib.contextmanager
    def client(self) -> Iterator[httpx.Client]:
        """An httpx client on ``/api/v2``.

        No token is needed: with ``simple_auth_manager_all_admins`` the API server's middleware
        authenticates every request as an admin (``GET /auth/token`` would hand out the same token).
        """
        with httpx.Client(base_url=f"{self.api_url}/api/v2", timeout=15) as client:
            yield client

    def forget_watcher_memory(self) -> None:
        """Drop what the incident event watchers remember (state-store keys ``incident-events/...``)."""
        with self.client() as api:
            assets = api.get("/assets", params={"limit": 100})
            assets.raise_for_status()
            for asset in assets.json()["assets"]:
                entries = api.get(f"/assets/{asset['id']}/state-store", params={"limit": 100})
                entries.raise_for_status()
                for entry in entries.json()["asset_state_store"]:
                    if str(entry["key"]).startswith(WATCHER_MEMORY_PREFIX):
                        api.delete(f"/assets/{asset['id']}/state-store/{entry['key']}").raise_for_status()

    def wait_for_dags(self, dag_ids: Collection[str], timeout: float = 90) -> None:
        """Until the dag-processor has parsed each of ``dag_ids``; an import error fails at once."""
        deadline = time.monotonic() + timeout
        with self.client() as api:
            while True:
                self.check_running()
                errors = api.get("/importErrors").json()
                if errors.get("total_entries"):
                    raise DeploymentError(f"example DAG import errors: {json.dumps(errors, indent=2)}")
                missing = [dag_id for dag_id in dag_ids if api.get(f"/dags/{dag_id}").status_code != 200]
                if not missing:
                    return
                if time.monotonic() > deadline:
                    raise DeploymentError(
                        f"DAGs {missing} were not parsed within {timeout:.0f} s\n"
                        f"{self.log_tails('dag-processor')}"
                    )
                time.sleep(0.5)

    def unpause(self, dag_ids: Collection[str]) -> None:
        """Unpause ``dag_ids`` and have their files parsed again at once.

        The asset watchers of an event-driven DAG are registered when its file is parsed while the DAG
        is unpaused: without the re-parse, a DAG unpaused here would start watching only at the next
        periodic parse of its file (``min_file_process_interval``, 30 s).
        """
        file_tokens = set()
        with self.client() as api:
            for dag_id in dag_ids:
                response = api.patch(f"/dags/{dag_id}", json={"is_paused": False})
                response.raise_for_status()
                file_tokens.add(str(response.json()["file_token"]))
            for file_token in file_tokens:
                api.put(f"/parseDagFile/{file_token}").raise_for_status()

    def stop(self) -> None:
        """Stop every component and every process they started; safe to call more than once.

        The scheduler, dag-processor and triggerer get SIGTERM first (the scheduler's executor ends
        its running tasks), the API server last (ending tasks still report to it); a component that
        has not exited after :data:`STOP_TIMEOUT` is killed with its process group, and anything left
        in the components' sessions is killed last (task processes run in process groups of their
        own, so a process-group signal would miss them).
        """
        background = [self.processes[c.name] for c in self.background if c.name in self.processes]
        api_server = [self.processes[API_SERVER.name]] if API_SERVER.name in self.processes else []
        for stage in (background, api_server):
            terminate(stage, STOP_TIMEOUT)
        for process in session_processes(self.sessions):
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(session_processes(self.sessions), timeout=10)
        self.processes.clear()

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


def terminate(processes: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM each process, wait up to ``timeout`` s for them all, then SIGKILL the groups of those left.

    Only the component itself gets SIGTERM: it stops its own children (the scheduler its executor's
    workers, the triggerer its trigger runner). Signalling the whole group at once makes the idle
    LocalExecutor workers die under the scheduler, which then waits for them forever.
    """
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    """First Ctrl-C or SIGTERM: ignore any further one (so the shutdown completes), then unwind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.write(sys.stderr.fileno(), b"\nStopping Airflow and the sandbox ...\n")
    raise KeyboardInterrupt


def _interval(variable: str) -> float:
    """An interval from the environment (``make airflow`` overrides), else the production 60 s."""
    return float(os.environ.get(variable) or DEFAULT_INTERVAL)


def main(argv: list[str] | None = None) -> int:
    """``make airflow``: start the sandbox and Airflow, print where they are, serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ.get("AIRFLOW_HOME") or DEFAULT_HOME),
        help="AIRFLOW_HOME (default: $AIRFLOW_HOME, else .airflow)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=_interval("INCIDENT_EVENTS_POLL_SECONDS"),
        help="the event watcher's poll interval (default: $INCIDENT_EVENTS_POLL_SECONDS, else 60)",
    )
    parser.add_argument(
        "--poke-seconds",
        type=float,
        default=_interval("INCIDENT_EXAMPLE_POKE_SECONDS"),
        help="the example sensors' interval (default: $INCIDENT_EXAMPLE_POKE_SECONDS, else 60)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _stop_requested)
    signal.signal(signal.SIGTERM, _stop_requested)
    print(
        "Starting the sandbox and Airflow (api-server, scheduler, dag-processor, triggerer) ...", flush=True
    )
    try:
        with (
            SandboxServer() as sandbox,
            Deployment(
                args.home, sandbox, poll_seconds=args.poll_seconds, poke_seconds=args.poke_seconds
            ) as airflow,
        ):
            print(
                f"\nAirflow UI:   {airflow.api_url}   (no login needed: every user is an admin)\n"
                f"Sandbox:      {sandbox.url}\n"
                f"Connections:  {', '.join(sandbox.connections())}\n"
                f"              (also as <vendor>_incidents_default, the examples' defaults)\n"
                f"Event watch:  {EVENTS_CONN_ID} every {args.poll_seconds:g} s; "
                f"sensors check every {args.poke_seconds:g} s\n"
                f"DAGs folder:  {EXAMPLE_DAGS}\n"
                f"Logs:         {airflow.logs_dir} (component output in {airflow.log_path('*').parent})\n"
                f"\nOpen a PagerDuty incident and watch incident_auto_remediation_on_event start:\n"
                f"  curl -X POST {sandbox.url}/_sandbox/pagerduty/incidents/schedule \\\n"
                f'       -H \'Content-Type: application/json\' -d \'{{"title": "Search is down", '
                f'"after_seconds": 0}}\'\n'
                f"\nPress Ctrl-C to stop.",
                flush=True,
            )
            while True:
                airflow.check_running()
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopped: every Airflow component and the sandbox.", flush=True)
        return 0
    except DeploymentError as exc:
        print(f"\n{exc}\n\nStopped: every Airflow component and the sandbox.", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
