"""Rasa tracker and lock stores on Marigold's Redis.

Rasa's own Redis stores take a host name, not a URL, and read their settings from
``endpoints.yml``; ours read ``REDIS_URL`` / the embedded Redis and the retention
from :mod:`bot.settings`, so there is one source of truth for where data lives and
how long. The retention is Rasa's ``record_exp``: a sliding TTL renewed on every
turn, so a conversation dies ``MARIGOLD_RETENTION_DAYS`` after its last message.
Clients retry on connection errors, so a Redis restart costs a retry, not a turn.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain

from bot import redis_keys
from bot.redis_connection import sync_client
from bot.settings import get_settings


class MarigoldTrackerStore(RedisTrackerStore):
    """Rasa's Redis tracker store, configured from Marigold's settings."""

    def __init__(self, domain: Domain, event_broker: Any = None, **_: Any) -> None:
        settings = get_settings()
        super().__init__(
            domain=domain,
            event_broker=event_broker,
            record_exp=settings.retention_seconds,
            key_prefix=redis_keys.RASA_TRACKER_PREFIX,
        )
        self.red = sync_client(settings)


class MarigoldLockStore(RedisLockStore):
    """Rasa's Redis lock store, configured from Marigold's settings.

    Needed as soon as more than one Sanic worker or Rasa replica serves the
    webhooks: the lock keeps one conversation's messages in order.
    """

    def __init__(self, endpoint_config: Any = None, **_: Any) -> None:
        settings = get_settings()
        super().__init__(key_prefix=redis_keys.RASA_TRACKER_PREFIX)
        self.red = sync_client(settings)
