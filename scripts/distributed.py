"""A distributed Airflow on one machine: PostgreSQL, Redis, the CeleryExecutor, several Celery workers
and several triggerers, wired to the incident sandbox; always stopped.

It is :class:`~deployment.Deployment` (the same API server, scheduler and dag-processor, the same
environment, the same stop) with a different metadata database, executor and set of components:

- PostgreSQL (a throwaway cluster, :func:`services.postgres_server`) is the metadata database and the
  Celery result backend; Redis (:func:`services.redis_server`) is the Celery broker;
- ``workers`` Celery workers (``airflow celery worker``, ``concurrency`` processes each) and
  ``triggerers`` triggerers, each its own process in its own session, each reporting its own hostname
  (``worker-1``, ``triggerer-2``... through ``[core] hostname_callable``), so the task instances and
  the triggers show which process ran them;
- short failure-detection settings, so a killed worker's task is retried and a killed triggerer's
  triggers are taken over within seconds (the defaults are 5 minutes and 30 s; see docs/deployment.md).

``with DistributedDeployment(home, sandbox) as airflow`` starts PostgreSQL, Redis and Airflow and stops
all three. Everything listens on 127.0.0.1 on free ports.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # an Airflow dependency, without type information
from component_hostname import VARIABLE as HOSTNAME_VARIABLE
from deployment import Component, Deployment, DeploymentError
from services import PostgresServer, RedisServer, postgres_server, redis_server

from airflow_incident_provider.sandbox import SandboxServer

SCRIPTS = Path(__file__).resolve().parent
WORKER_CONCURRENCY = 4
"""Task processes per Celery worker (``airflow celery worker --concurrency``)."""
TASK_HEARTBEAT_TIMEOUT = 20
"""``[scheduler] task_instance_heartbeat_timeout``: a running task silent this long (its worker died)
is failed, and retried if it has retries left. Airflow's default is 300 s."""
TRIGGERER_HEARTBEAT = 2
TRIGGERER_HEALTH_THRESHOLD = 10
"""``[triggerer] triggerer_health_check_threshold``: a triggerer silent this long is dead and another
takes its triggers. Airflow's default is 30 s (with a heartbeat every 5 s)."""
TRIGGERS_PER_LOOP = 1
"""``[triggerer] max_trigger_to_select_per_loop``: how many unassigned triggers one triggerer claims
per loop. Airflow's default, 50, lets the first triggerer to look take a whole burst; a small number
spreads a burst of deferrals over every triggerer."""


def worker(number: int, concurrency: int, home: Path) -> Component:
    """The ``number``-th Celery worker, named ``worker-<number>`` (its pid file its own)."""
    name = f"worker-{number}"
    args = (
        "celery", "worker",
        "--concurrency", str(concurrency),
        "--celery-hostname", f"{name}@127.0.0.1",
        "--pid", str(home / f"{name}.pid"),
        "--skip-serve-logs",
        "--without-mingle",
        "--without-gossip",
    )  # fmt: skip
    return Component(name, args, None, env=((HOSTNAME_VARIABLE, name),), ready_line=f"{name}@127.0.0.1 ready")


def triggerer(number: int) -> Component:
    """The ``number``-th triggerer, named ``triggerer-<number>``."""
    name = f"triggerer-{number}"
    return Component(name, ("triggerer", "--skip-serve-logs"), "triggerer", env=((HOSTNAME_VARIABLE, name),))


class DistributedDeployment(Deployment):
    """:class:`Deployment` on PostgreSQL with the CeleryExecutor, ``workers`` Celery workers and
    ``triggerers`` triggerers. Starting it starts a new PostgreSQL cluster and Redis first; stopping it
    stops Airflow, then both (so the metadata database lives as long as the deployment)."""

    def __init__(
        self,
        home: Path,
        sandbox: SandboxServer,
        *,
        workers: int = 2,
        triggerers: int = 2,
        concurrency: int = WORKER_CONCURRENCY,
        **options: Any,
    ) -> None:
        super().__init__(home, sandbox, **options)
        self.concurrency = concurrency
        self.workers = tuple(worker(n, concurrency, self.home) for n in range(1, workers + 1))
        self.triggerers = tuple(triggerer(n) for n in range(1, triggerers + 1))
        self.background = (
            *(c for c in self.background if c.name != "triggerer"),
            *self.triggerers,
            *self.workers,
        )
        self.services = contextlib.ExitStack()
        self._postgres: PostgresServer | None = None
        self._redis: RedisServer | None = None

    @property
    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            raise DeploymentError("PostgreSQL runs only while the deployment is started")
        return self._postgres

    @property
    def redis(self) -> RedisServer:
        if self._redis is None:
            raise DeploymentError("Redis runs only while the deployment is started")
        return self._redis

    def environment(self) -> dict[str, str]:
        """The single-machine environment with PostgreSQL, Redis, Celery and the shorter failure
        detection; every component reports its own hostname."""
        env = super().environment()
        database = self.postgres.sqlalchemy_url
        return {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")])),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "component_hostname.hostname",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.concurrency * len(self.workers)),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{database}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(TASK_HEARTBEAT_TIMEOUT),
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": str(TRIGGERER_HEARTBEAT),
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HEALTH_THRESHOLD),
            "AIRFLOW__TRIGGERER__MAX_TRIGGER_TO_SELECT_PER_LOOP": str(TRIGGERS_PER_LOOP),
        }

    def start(self) -> Deployment:
        """Start PostgreSQL and Redis, then Airflow on them (:meth:`Deployment.start`)."""
        self._postgres = self.services.enter_context(postgres_server())
        self._redis = self.services.enter_context(redis_server())
        return super().start()

    def stop(self) -> None:
        """Stop Airflow (:meth:`Deployment.stop`), then Redis and PostgreSQL; safe to call again."""
        try:
            super().stop()
        finally:
            self.services.close()
            self._postgres = self._redis = None

    def restart(self, name: str) -> None:
        """Start component ``name`` again (after :meth:`kill`), as a replaced machine would be."""
        (component,) = [c for c in self.background if c.name == name]
        self.launch(component, self.environment())

    def kill(self, name: str) -> list[int]:
        """SIGKILL component ``name`` and every process under it, each by its pid, as if its machine
        died: a Celery worker's pool processes and task processes, a triggerer's trigger runner.
        Returns the pids killed."""
        process = self.processes.pop(name)
        root = psutil.Process(process.pid)
        family = [root, *root.children(recursive=True)]
        for member in family:
            with contextlib.suppress(psutil.Error):
                os.kill(member.pid, signal.SIGKILL)
        psutil.wait_procs(family, timeout=10)
        process.wait(timeout=10)
        return [member.pid for member in family]

    def pids(self, name: str) -> set[int]:
        """The pids of component ``name`` and every process under it now."""
        root = psutil.Process(self.processes[name].pid)
        return {root.pid, *(child.pid for child in root.children(recursive=True))}
