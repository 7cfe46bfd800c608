"""The counselor queue: risk first, then waiting time; data dies with the conversation."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis

from bot import handoff, redis_keys
from bot.distress import RiskLevel


async def test_order_is_risk_then_waiting_time(
    redis_client: redis.Redis, marigold_env: dict[str, str]
) -> None:
    client = aioredis.Redis.from_url(marigold_env["REDIS_URL"], decode_responses=True)
    try:
        await handoff.request_counselor(client, "tg:a", "en", RiskLevel.NONE, [], 3600)
        await handoff.request_counselor(client, "tg:b", "es", RiskLevel.HIGH, ["documents_confiscated"], 3600)
        await handoff.request_counselor(client, "tg:c", "ar", RiskLevel.NONE, [], 3600)
        assert await handoff.waiting(client) == ["tg:b", "tg:a", "tg:c"]

        # Risk rising while waiting moves a conversation up, never down.
        await handoff.raise_priority(client, "tg:c", RiskLevel.IMMINENT, ["threat_to_life"])
        await handoff.raise_priority(client, "tg:b", RiskLevel.ELEVATED, ["fear"])
        assert await handoff.waiting(client) == ["tg:c", "tg:b", "tg:a"]
        record = await client.hgetall(redis_keys.handoff("tg:b"))
        assert record["risk_level"] == "high" and record["signals"] == "documents_confiscated"
    finally:
        await client.close()


async def test_expired_conversations_leave_the_queue(
    redis_client: redis.Redis, marigold_env: dict[str, str]
) -> None:
    client = aioredis.Redis.from_url(marigold_env["REDIS_URL"], decode_responses=True)
    try:
        await handoff.request_counselor(client, "sms:x", "en", RiskLevel.HIGH, [], 3600)
        await handoff.request_counselor(client, "sms:y", "en", RiskLevel.NONE, [], 3600)
        assert redis_client.ttl(redis_keys.handoff("sms:x")) > 0
        redis_client.delete(redis_keys.handoff("sms:x"))  # as the retention TTL would
        assert await handoff.waiting(client) == ["sms:y"]
        assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == ["sms:y"]
    finally:
        await client.close()
