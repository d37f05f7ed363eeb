"""The throwaway PostgreSQL and Redis servers of ``scripts/services.py``: they answer on 127.0.0.1 with
the credentials they hand out (and only those), and nothing of them is left after the ``with`` block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # an Airflow dependency, without type information

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from services import postgres_bin_dir, postgres_server, redis_server


def redis_command(port: int, *words: str) -> bytes:
    """One command in RESP, the raw answer."""
    request = f"*{len(words)}\r\n".encode() + b"".join(f"${len(w)}\r\n{w}\r\n".encode() for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(1024)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def psql(port: int, user: str, password: str, database: str, sql: str) -> subprocess.CompletedProcess[str]:
    command = [str(postgres_bin_dir() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", user]
    return subprocess.run(
        [*command, "-d", database, "-tAc", sql],
        env={**os.environ, "PGPASSWORD": password},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_redis_server_answers_on_loopback_and_is_gone_afterwards() -> None:
    with redis_server() as redis:
        assert redis.url == f"redis://127.0.0.1:{redis.port}/0"
        assert redis_command(redis.port, "SET", "budget", "7") == b"+OK\r\n"
        assert redis_command(redis.port, "GET", "budget") == b"$1\r\n7\r\n"
        bound = {c.laddr.ip for c in psutil.Process(redis.pid).net_connections() if c.status == "LISTEN"}
        assert bound == {"127.0.0.1"}
    assert not listening(redis.port)
    assert not psutil.pid_exists(redis.pid) or psutil.Process(redis.pid).status() == psutil.STATUS_ZOMBIE
    assert not redis.directory.exists()


def test_postgres_server_takes_its_password_only_and_is_gone_afterwards() -> None:
    with postgres_server(database="budget") as db:
        assert db.sqlalchemy_url.startswith(f"postgresql+psycopg2://budget:{db.password}@127.0.0.1:")
        done = psql(db.port, db.user, db.password, db.database, "select current_database(), current_user")
        assert (done.returncode, done.stdout.strip()) == (0, "budget|budget"), done.stderr
        refused = psql(db.port, db.user, "not-the-password", db.database, "select 1")
        assert refused.returncode != 0
        assert "password authentication failed" in refused.stderr
    assert not listening(db.port)
    assert not db.data_directory.exists()


def test_redis_server_stops_when_its_owner_is_killed_outright() -> None:
    """SIGKILL leaves no ``finally`` to run: the server must still not outlive the process that owns it."""
    owner_code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); from services import redis_server\n"
        "with redis_server() as redis:\n    print(redis.pid, redis.port, flush=True); time.sleep(120)\n"
    )
    scripts = str(Path(__file__).parents[1] / "scripts")
    owner = subprocess.Popen([sys.executable, "-c", owner_code, scripts], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pid, port = (int(word) for word in owner.stdout.readline().split())
        assert listening(port)
    finally:
        owner.kill()
        owner.wait(timeout=10)
    _, alive = psutil.wait_procs([psutil.Process(pid)], timeout=10) if psutil.pid_exists(pid) else ([], [])
    assert not alive, f"redis-server {pid} outlived its owner"
    assert not listening(port)
