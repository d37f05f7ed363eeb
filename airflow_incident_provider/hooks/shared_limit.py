"""An optional hard cap on a credential's requests, shared by every process through Redis.

The vendor's budget headers already make independent processes converge to the vendor's limit (see
:mod:`.ratelimit`); a team that wants a cap no process can exceed names a Redis server in the connection
(``rate_limit_redis_dsn``, typically the deployment's Celery broker). Each request then claims a slot in
one sorted set per credential, by a Lua script Redis runs atomically: the same sliding-window log as the
per-process limiter, on Redis's clock, so processes on any number of hosts share one window. The key is a
hash of the credential's id (itself a hash of base URL and token): never the secret.

The ``redis`` client is imported only when a connection names a URL (``pip install
'airflow-incident-provider[redis]'``). An unreachable Redis fails the call with an error naming the
field: a hard cap that silently stopped capping would be worse than none.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from airflow_incident_provider.exceptions import ConnectionConfigError

if TYPE_CHECKING:
    from redis import Redis

FIELD = "rate_limit_redis_dsn"
"""The connection extra that names the Redis server."""
KEY_PREFIX = "airflow-incident-provider:rate:"
SOCKET_TIMEOUT = 5.0
"""Seconds to connect to, or wait on, Redis before the call fails."""

# KEYS[1]: the credential's window. ARGV: window (ms), limit, longest wait (ms, -1: any), member.
# Returns the wait in ms before sending (the slot is then claimed), or -1 when it is further than allowed.
CLAIM = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local longest = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local at = now
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  at = math.max(at, tonumber(oldest[2]) + window)
end
if count > 0 then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  at = math.max(at, tonumber(newest[2]))
end
if longest >= 0 and at - now > longest then
  return -1
end
redis.call('ZADD', KEYS[1], at, ARGV[4])
redis.call('PEXPIRE', KEYS[1], at - now + window)
return at - now
"""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, user + host + port, parts.path, parts.query, parts.fragment))


def check_url(url: object, conn_id: str) -> str:
    """A ``redis://``, ``rediss://`` or ``unix://`` URL, or a clear error naming the field."""
    text = str(url).strip()
    if urlsplit(text).scheme not in ("redis", "rediss", "unix"):
        raise ConnectionConfigError(
            f"connection {conn_id!r}: {FIELD} must be a redis://, rediss:// or unix:// URL "
            f"(got {redacted(text)!r})"
        )
    return text


class SharedWindow:
    """At most ``limit`` requests in any ``window`` seconds for one credential, across every process."""

    def __init__(
        self, client: Redis, credential_id: str, limit: int, window: float, conn_id: str, url: str
    ) -> None:
        self._client = client
        self._key = KEY_PREFIX + hashlib.sha256(credential_id.encode()).hexdigest()[:32]
        self._limit = limit
        self._window_ms = int(window * 1000)
        self._conn_id = conn_id
        self._url = redacted(url)
        self._claim = client.register_script(CLAIM)

    @property
    def key(self) -> str:
        return self._key

    def reserve(self, max_wait: float = float("inf")) -> float | None:
        """Claim the credential's next free slot: seconds to wait before sending, or None (nothing
        claimed) when it is further away than ``max_wait``. Raises when Redis cannot be reached."""
        import redis

        longest = -1 if max_wait == float("inf") else max(0, int(max_wait * 1000))
        try:
            wait = int(
                self._claim(keys=[self._key], args=[self._window_ms, self._limit, longest, uuid.uuid4().hex])
            )
        except redis.RedisError as exc:
            raise ConnectionConfigError(
                f"connection {self._conn_id!r}: the shared rate limit in {FIELD} ({self._url}) "
                f"cannot be reached: {type(exc).__name__}; the call was not sent"
            ) from None
        return None if wait < 0 else wait / 1000


_clients: dict[str, Any] = {}
_lock = threading.Lock()


def shared_window(url: str, credential_id: str, limit: int, window: float, conn_id: str) -> SharedWindow:
    """The shared window of a credential on the Redis at ``url`` (one client per URL per process)."""
    try:
        import redis
    except ImportError:
        raise ConnectionConfigError(
            f"connection {conn_id!r}: {FIELD} needs the redis client: "
            "pip install 'airflow-incident-provider[redis]'"
        ) from None
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = _clients[url] = redis.Redis.from_url(
                url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
            )
    return SharedWindow(client, credential_id, limit, window, conn_id, url)


def close_clients() -> None:
    """Close every Redis client of the process (between tests)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
