"""One way to reach Redis, for every Marigold process.

``REDIS_URL`` wins when set; otherwise the embedded server that ``marigold run`` starts
(see :mod:`bot.embedded_redis`) on its fixed local port. Clients retry on connection
errors so that a Redis restart mid-conversation costs a retry, not a lost message.
"""

from __future__ import annotations

import redis
import redis.asyncio as aioredis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from bot.settings import Settings, get_settings


def redis_url(settings: Settings | None = None) -> str:
    """The URL of the Redis that this deployment uses."""
    settings = settings or get_settings()
    if settings.redis_url:
        return settings.redis_url
    return f"redis://127.0.0.1:{settings.embedded_redis_port}/0"


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=5)


_RETRY_ON = [RedisConnectionError, RedisTimeoutError]


def sync_client(settings: Settings | None = None) -> redis.Redis:
    """A blocking client (CLI, Rasa stores, tests)."""
    return redis.Redis.from_url(
        redis_url(settings),
        decode_responses=True,
        socket_timeout=5,
        retry=_retry(),
        retry_on_error=_RETRY_ON,
        health_check_interval=30,
    )


def async_client(settings: Settings | None = None) -> aioredis.Redis:
    """A non-blocking client for code running in the event loop (channels, actions)."""
    return aioredis.Redis.from_url(
        redis_url(settings),
        decode_responses=True,
        socket_timeout=5,
        retry=_async_retry(),
        retry_on_error=_RETRY_ON,
        health_check_interval=30,
    )


def _async_retry() -> object:
    from redis.asyncio.retry import Retry as AsyncRetry

    return AsyncRetry(ExponentialBackoff(cap=1.0, base=0.05), retries=5)
