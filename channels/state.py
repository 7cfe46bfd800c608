"""What the channels keep in Redis about a conversation, failing open.

Dedupe records, the channel session (language, country, SMS opt-out), the address
vault, rate counters, sent-message ids and the handoff status all live in Redis. A
person must still get an answer when Redis is down, so every operation here catches
Redis errors, logs them (without data) and returns a harmless default: no dedupe,
no session, no rate limit. After the first failure a :class:`ChannelState` stops
trying for the rest of its turn, so a dead Redis costs one set of retries per
message instead of one per step (Twilio gives up after 15 seconds).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot import redis_keys
from bot.privacy import AddressVault, erase_conversation
from bot.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How many message ids of one chat are kept for erase (oldest dropped first).
_MAX_SENT_IDS = 1000
#: How often a duplicate delivery looks whether the first one has finished.
_DUPLICATE_POLL_SECONDS = 0.05


class ChannelState:
    """Redis state of the channels for one turn (one webhook request) or one send."""

    def __init__(self, client: aioredis.Redis, settings: Settings) -> None:
        """Wrap a shared client; cheap enough to create per request."""
        self._client = client
        self._settings = settings
        self._ttl = settings.retention_seconds
        self._vault = AddressVault(client, settings.secret("MARIGOLD_VAULT_KEY"), self._ttl)
        self._down = False

    @property
    def available(self) -> bool:
        """False once Redis has failed during this turn."""
        return not self._down

    async def _safely(self, what: str, operation: Awaitable[T], default: T) -> T:
        """Run one Redis operation; on failure log its name only and return ``default``."""
        if self._down:
            if asyncio.iscoroutine(operation):
                operation.close()  # never awaited: avoid the "never awaited" warning
            return default
        try:
            return await operation
        except (RedisError, OSError) as exc:
            self._down = True
            logger.warning(
                "Redis unavailable during %s (%s); continuing without it", what, type(exc).__name__
            )
            return default

    # -- dedupe -------------------------------------------------------------------

    async def claim(self, key: str, pending_seconds: float) -> list[str] | None:
        """Claim a provider message id, or get the outcome of its first delivery.

        Returns:
            None if this request is the first to see the message (process it);
            else the replies the first delivery produced, waiting for it to finish
            if it is still running (a retry must get the same answer, not a second
            conversation turn).
        """
        pending = json.dumps({"done": False})
        claimed = await self._safely(
            "dedupe claim",
            self._client.set(key, pending, nx=True, ex=max(1, int(pending_seconds))),
            True,
        )
        if claimed:
            return None
        deadline = asyncio.get_running_loop().time() + pending_seconds
        while True:
            raw = await self._safely("dedupe read", self._client.get(key), None)
            # Gone (expired, or Redis failed meanwhile): nothing to repeat.
            record: dict[str, Any] = json.loads(raw) if raw else {"done": True, "replies": []}
            if record.get("done") or asyncio.get_running_loop().time() > deadline:
                return [str(reply) for reply in record.get("replies", [])]
            await asyncio.sleep(_DUPLICATE_POLL_SECONDS)

    async def finish(self, key: str, replies: list[str], ttl_seconds: int) -> None:
        """Record the outcome of a provider message for its retries."""
        record = json.dumps({"done": True, "replies": replies}, ensure_ascii=False)
        await self._safely("dedupe finish", self._client.set(key, record, ex=ttl_seconds), None)

    # -- session ------------------------------------------------------------------

    async def load_session(self, conversation_id: str) -> dict[str, str]:
        """The conversation's channel session, its TTL refreshed ({} if none or down)."""
        key = redis_keys.session(conversation_id)

        async def load() -> dict[str, str]:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hgetall(key)
                pipe.expire(key, self._ttl)
                session, _ = await pipe.execute()
            return dict(session)

        return await self._safely("session load", load(), {})

    async def update_session(self, conversation_id: str, **fields: str) -> None:
        """Set session fields (and the retention TTL)."""
        key = redis_keys.session(conversation_id)

        async def update() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=fields)
                pipe.expire(key, self._ttl)
                await pipe.execute()

        await self._safely("session update", update(), None)

    # -- vault --------------------------------------------------------------------

    async def remember_address(self, conversation_id: str, address: str) -> None:
        """Store the reply address in the vault, refreshing its TTL."""
        await self._safely("vault put", self._vault.put(conversation_id, address), None)

    async def address(self, conversation_id: str) -> str | None:
        """The reply address from the vault (None if erased, expired or Redis is down)."""
        return await self._safely("vault get", self._vault.get(conversation_id), None)

    # -- rate limit ---------------------------------------------------------------

    async def count_message(self, conversation_id: str) -> int:
        """Count one message in the sender's current one-minute window.

        Returns:
            The number of messages in the window so far, 0 if Redis is down (the
            limit fails open: a person in crisis is never refused for our outage).
        """
        key = redis_keys.rate(conversation_id)

        async def count() -> int:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=60, nx=True)  # starts the window with its TTL
                pipe.incr(key)
                _, value = await pipe.execute()
            return int(value)

        return await self._safely("rate limit", count(), 0)

    # -- handoff ------------------------------------------------------------------

    async def in_handoff(self, conversation_id: str) -> bool:
        """True while a counselor has, or is about to take, the conversation."""
        status = await self._safely(
            "handoff status", self._client.hget(redis_keys.handoff(conversation_id), "status"), None
        )
        return status in {"waiting", "active"}

    # -- chat history for erase ---------------------------------------------------

    async def record_chat_messages(self, conversation_id: str, message_ids: list[str]) -> None:
        """Remember ids of messages in the chat so erase can delete them there too."""
        if not message_ids:
            return
        key = redis_keys.sent(conversation_id)

        async def record() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.rpush(key, *message_ids)
                pipe.ltrim(key, -_MAX_SENT_IDS, -1)
                pipe.expire(key, self._ttl)
                await pipe.execute()

        await self._safely("sent ids", record(), None)

    async def chat_messages(self, conversation_id: str) -> list[str]:
        """Ids recorded by :meth:`record_chat_messages`."""
        ids = await self._safely(
            "sent ids read", self._client.lrange(redis_keys.sent(conversation_id), 0, -1), []
        )
        return [str(message_id) for message_id in ids]

    # -- erase and delivery status -------------------------------------------------

    async def erase(self, conversation_id: str) -> bool:
        """Erase the conversation; False if Redis was unavailable (nothing was erased)."""

        async def erase() -> bool:
            await erase_conversation(self._client, conversation_id)
            return True

        return await self._safely("erase", erase(), False)

    async def record_delivery(self, provider_message_id: str, status: str, error_code: str = "") -> None:
        """Keep the latest delivery status of an outgoing message (never its address)."""
        key = redis_keys.delivery(provider_message_id)

        async def record() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={"status": status, "error_code": error_code})
                pipe.expire(key, self._ttl)
                await pipe.execute()

        await self._safely("delivery status", record(), None)
