"""The counselor queue: who is waiting for a human, in what order.

A sorted set (``mg:queue``) holds waiting conversations, ordered by risk first and
waiting time second, so imminent danger is always at the top and, within a level,
the person who has waited longest comes first. A hash per conversation
(``mg:handoff:<id>``) keeps its status, language, risk and signals for the console.
Both carry the retention TTL, and erase removes both.

This first version covers what the bot needs: enqueue, raise priority when risk
rises, report status, remove. Claiming, relaying and closing belong to the console.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot import redis_keys
from bot.distress import RiskLevel

#: One risk level outranks any waiting time (about 31 years in seconds).
_LEVEL_WEIGHT = 1e9

WAITING = "waiting"
ACTIVE = "active"


def priority_score(level: RiskLevel, enqueued_at: float) -> float:
    """Sorted-set score: lower is served first (higher risk, then longer wait)."""
    return -level.rank * _LEVEL_WEIGHT + enqueued_at


@dataclass(frozen=True)
class HandoffStatus:
    """Where one conversation stands in the handoff flow."""

    status: str
    position: int | None


async def request_counselor(
    client: aioredis.Redis,
    conversation_id: str,
    language: str,
    level: RiskLevel,
    signals: Sequence[str],
    ttl_seconds: int,
) -> HandoffStatus:
    """Put a conversation in the queue, or report where it already is."""
    key = redis_keys.handoff(conversation_id)
    existing = await client.hgetall(key)
    if existing.get("status") in {WAITING, ACTIVE}:
        await raise_priority(client, conversation_id, level, signals)
        return await status(client, conversation_id)
    now = time.time()
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            mapping={
                "status": WAITING,
                "language": language,
                "risk_level": level.value,
                "signals": ",".join(signals),
                "enqueued_at": f"{now:.3f}",
            },
        )
        pipe.expire(key, ttl_seconds)
        pipe.zadd(redis_keys.QUEUE, {conversation_id: priority_score(level, now)})
        await pipe.execute()
    return await status(client, conversation_id)


async def raise_priority(
    client: aioredis.Redis,
    conversation_id: str,
    level: RiskLevel,
    signals: Sequence[str],
) -> None:
    """Move a waiting conversation up when its risk rises (never down)."""
    key = redis_keys.handoff(conversation_id)
    record = await client.hgetall(key)
    if not record:
        return
    current = RiskLevel(record.get("risk_level", RiskLevel.NONE.value))
    if level.rank <= current.rank:
        return
    known = [s for s in record.get("signals", "").split(",") if s]
    merged = known + [s for s in signals if s not in known]
    await client.hset(key, mapping={"risk_level": level.value, "signals": ",".join(merged)})
    if record.get("status") == WAITING:
        enqueued_at = float(record.get("enqueued_at", time.time()))
        await client.zadd(redis_keys.QUEUE, {conversation_id: priority_score(level, enqueued_at)})


async def status(client: aioredis.Redis, conversation_id: str) -> HandoffStatus:
    """The conversation's handoff status and 0-based place in the queue."""
    record = await client.hgetall(redis_keys.handoff(conversation_id))
    position = await client.zrank(redis_keys.QUEUE, conversation_id)
    return HandoffStatus(record.get("status", ""), position)


async def remove(client: aioredis.Redis, conversation_id: str) -> None:
    """Take a conversation out of the handoff flow entirely."""
    await client.zrem(redis_keys.QUEUE, conversation_id)
    await client.delete(redis_keys.handoff(conversation_id))


async def waiting(client: aioredis.Redis, limit: int = 100) -> list[str]:
    """Conversation ids in the order counselors should take them.

    A sorted-set member cannot carry its own TTL, so an entry whose handoff record
    has expired with the retention is dropped here: data dies with its conversation.
    """
    ids = list(await client.zrange(redis_keys.QUEUE, 0, limit - 1))
    alive: list[str] = []
    for conversation_id in ids:
        if await client.exists(redis_keys.handoff(conversation_id)):
            alive.append(conversation_id)
        else:
            await client.zrem(redis_keys.QUEUE, conversation_id)
    return alive
