"""The optional hard cap shared through Redis: atomic across processes, and loud when Redis is gone."""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from airflow_incident_provider.exceptions import ConnectionConfigError, RateLimitedError
from airflow_incident_provider.hooks import get_incident_hook, shared_limit
from tests.fixtures import Sandbox

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
from services import redis_server  # scripts/ is not a package: on the path above


def store(url: str) -> Any:
    """A plain client of the test Redis, answering in text (typed loosely: its answers are unions)."""
    return redis.Redis.from_url(url, decode_responses=True)


LIMIT = 6
WINDOW = 2.0


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@pytest.fixture(autouse=True)
def _fresh_redis(request: pytest.FixtureRequest) -> Iterator[None]:
    if "redis_url" in request.fixturenames:
        store(request.getfixturevalue("redis_url")).flushall()
    yield
    shared_limit.close_clients()


def _claims(url: str, credential: str, count: int, ready: Any, go: Any, out: Any) -> None:
    """One process: ``count`` claims on the credential's shared window, as fast as it can."""
    window = shared_limit.shared_window(url, credential, LIMIT, WINDOW, "capped")
    ready.put(True)
    go.wait(60)
    out.put([window.reserve() for _ in range(count)])


def _max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for other in times if start <= other < start + window) for start in times)


def test_the_cap_holds_across_processes_claiming_at_once(redis_url: str) -> None:
    """Four processes claim five slots each at the same moment: the claimed times, read back from
    Redis, never put more than the cap in any window, and every claim got a slot."""
    context = multiprocessing.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    workers = [context.Process(target=_claims, args=(redis_url, "cred", 5, ready, go, out)) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            assert ready.get(timeout=120)
        go.set()
        waits = [wait for _ in workers for wait in out.get(timeout=120)]
    finally:
        for worker in workers:
            worker.join(timeout=30)
    assert None not in waits
    assert len(waits) == 20
    key = shared_limit.shared_window(redis_url, "cred", LIMIT, WINDOW, "capped").key
    claimed = [score / 1000 for _, score in store(redis_url).zrange(key, 0, -1, withscores=True)]
    assert len(claimed) == 20
    assert _max_in_window(claimed, WINDOW) == LIMIT


def test_a_slot_further_than_the_caller_can_wait_is_not_claimed(redis_url: str) -> None:
    window = shared_limit.shared_window(redis_url, "cred", 2, 60.0, "capped")
    assert [window.reserve(), window.reserve()] == [0.0, 0.0]
    assert window.reserve(max_wait=5.0) is None
    assert store(redis_url).zcard(window.key) == 2


def test_the_key_names_a_hash_of_the_credential_never_the_secret(
    pd: Sandbox, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pd.use_connection(monkeypatch, rate_limit_redis_dsn=redis_url)
    hook = get_incident_hook(pd.conn_id)
    hook.list_incidents()
    keys = store(redis_url).keys("*")
    assert len(keys) == 1
    assert pd.key not in keys[0]
    assert hook.settings.credential_id not in keys[0]


def _hook_calls(connection: str, conn_id: str, ref: str, calls: int, out: Any) -> None:
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = connection
    hook = get_incident_hook(conn_id)
    for _ in range(calls):
        hook.get_incident(ref)
    out.put(calls)


def test_hooks_in_other_processes_spend_the_cap_this_one_respects(
    pd: Sandbox, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three worker processes spend the connection's whole cap of six a minute; a call here then finds
    no slot before its total timeout and fails without sending, whatever its own limiter says."""
    ref = pd.incidents()[0]["id"]
    extra = {"rate_limit_per_minute": LIMIT, "rate_limit_redis_dsn": redis_url, "total_timeout": 5}
    connection = pd.connection_json(extra=extra)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=_hook_calls, args=(connection, pd.conn_id, ref, 2, out)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    try:
        assert sum(out.get(timeout=120) for _ in workers) == LIMIT
    finally:
        for worker in workers:
            worker.join(timeout=30)
    pd.clear_requests()
    monkeypatch.setenv(f"AIRFLOW_CONN_{pd.conn_id.upper()}", connection)
    with pytest.raises(RateLimitedError, match="leaves no slot before the total timeout"):
        get_incident_hook(pd.conn_id).get_incident(ref)
    assert pd.requests() == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_redis_fails_the_call_naming_the_field_and_sends_nothing(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never a silent fallback to no cap; and the URL's password stays out of the message."""
    url = f"redis://:hunter2-secret@127.0.0.1:{_closed_port()}/0"
    pd.use_connection(monkeypatch, rate_limit_redis_dsn=url)
    with pytest.raises(ConnectionConfigError) as raised:
        get_incident_hook(pd.conn_id).list_incidents()
    message = str(raised.value)
    assert "rate_limit_redis_dsn" in message
    assert "cannot be reached" in message
    assert repr(pd.conn_id) in message
    assert "hunter2-secret" not in message
    assert pd.requests() == []


def test_an_unreachable_redis_fails_the_async_call_too(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    pd.use_connection(monkeypatch, rate_limit_redis_dsn=f"redis://127.0.0.1:{_closed_port()}/0")
    hook = get_incident_hook(pd.conn_id)
    with pytest.raises(ConnectionConfigError, match="rate_limit_redis_dsn"):
        asyncio.run(hook.alist_incidents())
    assert pd.requests() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis//host"])
def test_a_url_that_is_not_redis_is_refused_before_any_request(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    pd.use_connection(monkeypatch, rate_limit_redis_dsn=url)
    with pytest.raises(ConnectionConfigError, match="rate_limit_redis_dsn must be a redis://"):
        get_incident_hook(pd.conn_id).list_incidents()
    assert pd.requests() == []


def test_redacted_hides_only_the_password() -> None:
    assert shared_limit.redacted("redis://user:pw@host:6380/1") == "redis://user:***@host:6380/1"
    assert shared_limit.redacted("redis://:pw@host/0") == "redis://:***@host/0"
    assert shared_limit.redacted("redis://host:6379/0") == "redis://host:6379/0"
