"""Throwaway PostgreSQL and Redis servers on 127.0.0.1, for the distributed deployment and its tests.

``with postgres_server() as db`` and ``with redis_server() as redis`` each start a server of Debian's
package (apt-installed when missing: ``apt-get update`` once, then ``apt-get install -y``) on a free
port in a new temporary directory, wait until it answers, and always stop it and delete the directory.
Nothing listens anywhere but 127.0.0.1 and nothing outlives the ``with`` block. Redis also stops
when its owner is killed outright (SIGKILL, no ``finally``); PostgreSQL, started by ``pg_ctl`` as a
daemon, does not: after such a kill, stop it with ``pg_ctl stop -D /tmp/postgres-*/data``.

PostgreSQL refuses to run as root: as root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` system
user the Debian package creates, in a data directory it owns. Package installs run with
``RUNLEVEL=1`` so that Debian's maintainer scripts do not also start the system-wide services.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

INSTALL_TIMEOUT = 600.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
POSTGRES_BIN = Path("/usr/lib/postgresql")
"""Where Debian's ``postgresql-NN`` packages put ``initdb``, ``pg_ctl`` and ``postgres``."""
REDIS_SERVER = "redis-server"
PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal a process gets when its parent ends (``linux/prctl.h``)."""
SYSTEM_USER = "postgres"
"""The system user Debian's PostgreSQL package creates; the server runs as it when we are root."""


class ServiceError(RuntimeError):
    """A server could not be installed, started or reached; the message carries its log's tail."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(path: Path, characters: int = 3000) -> str:
    """The end of a log file (read from its end, however large), or a note that it does not exist."""
    if not path.exists():
        return f"({path} does not exist)"
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - characters))
        return handle.read().decode(errors="replace")


_apt_updated = False


def apt_install(packages: Sequence[str]) -> None:
    """``apt-get install -y packages`` (after one ``apt-get update`` per process), as root only."""
    global _apt_updated
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise ServiceError(f"install the Debian packages {' '.join(packages)} (needs root and apt-get)")
    # RUNLEVEL=1: the packages' maintainer scripts leave the system-wide services stopped.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]  # another install may hold dpkg's lock for a while
    commands = [] if _apt_updated else [["apt-get", *lock, "update"]]
    commands.append(["apt-get", *lock, "install", "-y", "--no-install-recommends", *packages])
    for command in commands:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        if done.returncode != 0:
            raise ServiceError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr}")
        if command[-1] == "update":
            _apt_updated = True


def wait_for_port(port: int, alive: subprocess.Popen[bytes] | None, log: Path, what: str) -> None:
    """Until something accepts connections on 127.0.0.1:``port`` (bounded); fails if ``alive`` exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if alive is not None and alive.poll() is not None:
            raise ServiceError(f"{what} exited (code {alive.returncode})\n{tail(log)}")
        if time.monotonic() > deadline:
            raise ServiceError(f"{what} did not listen on 127.0.0.1:{port} in time\n{tail(log)}")
        time.sleep(0.2)


DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys; "
    f"ctypes.CDLL(None).prctl({PR_SET_PDEATHSIG}, signal.SIGTERM); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)
"""Run as ``python -c DIE_WITH_PARENT server args...``: the server gets SIGTERM when the process that
started it ends, so it outlives no owner, not even one killed with SIGKILL (where no ``finally`` runs).
A fresh interpreter sets it and then becomes the server (``exec``), which is safe in a process with
threads, unlike a ``preexec_fn``. Linux only; the signal comes when the starting *thread* ends, so
start servers from one that lives as long as they should (the main thread)."""


# ---------------------------------------------------------------- Redis


@dataclass(frozen=True)
class RedisServer:
    """A running Redis: ``url`` is what Celery (``redis://``) and redis-py take."""

    port: int
    pid: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_binary() -> str:
    """``redis-server``, installing Debian's package first when it is missing."""
    found = shutil.which(REDIS_SERVER)
    if found is None:
        apt_install(["redis-server"])
        found = shutil.which(REDIS_SERVER)
    if found is None:
        raise ServiceError("redis-server is not on PATH after installing the redis-server package")
    return found


def ping_redis(port: int) -> bool:
    """Whether the Redis on ``port`` answers ``PING`` (RESP, without a client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"*1\r\n$4\r\nPING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A Redis on 127.0.0.1 on a free port, nothing persisted, in a temporary directory; always stopped."""
    binary = redis_binary()
    directory = Path(tempfile.mkdtemp(prefix="redis-"))
    log = directory / "redis.log"
    port = free_port()
    arguments = [
        binary,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(directory),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--protected-mode", "yes",
        "--logfile", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", DIE_WITH_PARENT, *arguments], stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for_port(port, process, log, "redis-server")
        deadline = time.monotonic() + START_TIMEOUT
        while not ping_redis(port):  # it accepts connections a moment before it answers
            if time.monotonic() > deadline:
                raise ServiceError(f"redis-server did not answer PING\n{tail(log)}")
            time.sleep(0.2)
        yield RedisServer(port, process.pid, directory)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL cluster with one database and a superuser that owns it."""

    port: int
    user: str
    password: str
    database: str
    data_directory: Path

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL with the psycopg2 driver (Airflow's ``sql_alchemy_conn``)."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"


def postgres_bin_dir() -> Path:
    """The newest installed ``/usr/lib/postgresql/NN/bin``, installing Debian's package when none is."""

    def newest() -> Path | None:
        found = sorted(POSTGRES_BIN.glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
        return found[-1].parent if found else None

    found = newest()
    if found is None:
        apt_install(["postgresql"])
        found = newest()
    if found is None:
        raise ServiceError(f"no {POSTGRES_BIN}/NN/bin/pg_ctl after installing the postgresql package")
    return found


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` as the ``postgres`` system user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], log: Path, timeout: float = START_TIMEOUT) -> None:
    with log.open("ab") as output:
        done = subprocess.run(
            _as_server_user(command),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise ServiceError(f"{' '.join(command)} failed (exit {done.returncode})\n{tail(log)}")


@contextlib.contextmanager
def postgres_server(database: str = "airflow", max_connections: int = 200) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster (``initdb``) on 127.0.0.1 on a free port, no Unix socket, password
    (SCRAM) authentication, holding one empty ``database``; stopped and deleted on exit."""
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="postgres-"))
    data = root / "data"
    log = root / "postgres.log"
    password = secrets.token_hex(16)
    password_file = root / "password"
    password_file.write_text(password)
    if os.geteuid() == 0:
        shutil.chown(root, SYSTEM_USER, SYSTEM_USER)
        shutil.chown(password_file, SYSTEM_USER, SYSTEM_USER)
        log.touch()
        shutil.chown(log, SYSTEM_USER, SYSTEM_USER)
    port = free_port()
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "--pgdata", str(data),
                "--username", database,
                "--auth", "scram-sha-256",
                f"--pwfile={password_file}",
                "--encoding", "UTF8",
                "--no-sync",
            ],
            log,
            timeout=120,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            f"-c max_connections={max_connections} -c fsync=off -c synchronous_commit=off"
        )
        started = True
        _run([str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w", "-o", options], log)
        wait_for_port(port, None, log, "postgres")
        # initdb's superuser is named after the database; the database itself is created over TCP.
        createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", database, database]
        done = subprocess.run(
            createdb,
            env={**os.environ, "PGPASSWORD": password},
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise ServiceError(f"createdb failed: {done.stdout}{done.stderr}\n{tail(log)}")
        yield PostgresServer(port, database, password, database, data)
    finally:
        if started:
            _stop_postgres(bin_dir, data, log)
        shutil.rmtree(root, ignore_errors=True)


def _stop_postgres(bin_dir: Path, data: Path, log: Path) -> None:
    """``pg_ctl stop`` (fast: running sessions are ended), then immediate, then a kill of the postmaster."""
    for mode in ("fast", "immediate"):
        with contextlib.suppress(ServiceError, subprocess.TimeoutExpired):
            command = [str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", mode, "-w"]
            _run([*command, "-t", f"{STOP_TIMEOUT:.0f}"], log, timeout=STOP_TIMEOUT + 5)
            return
    pid_file = data / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pid_file.read_text().split()[0]), 9)
