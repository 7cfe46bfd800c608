"""bot.privacy against a real Redis: the vault's TTL and erase."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis
import redis.asyncio as aioredis

from bot import redis_keys
from bot.privacy import AddressVault, erase_conversation

PHONE = "+15557654321"


@pytest.fixture
async def client(base_env: dict[str, str]) -> AsyncIterator[aioredis.Redis]:
    connection = aioredis.Redis.from_url(base_env["REDIS_URL"], decode_responses=True)
    yield connection
    await connection.close()


async def test_vault_put_get_delete_with_ttl(client: aioredis.Redis, redis_client: redis.Redis) -> None:
    vault = AddressVault(client, "vault-secret", ttl_seconds=3600)
    await vault.put("sms:abc", PHONE)
    stored = redis_client.get(redis_keys.vault("sms:abc"))
    assert stored and PHONE not in stored and "5557654321" not in stored
    assert 3500 < redis_client.ttl(redis_keys.vault("sms:abc")) <= 3600
    assert await vault.get("sms:abc") == PHONE
    await vault.delete("sms:abc")
    assert await vault.get("sms:abc") is None


async def test_vault_put_refreshes_the_ttl(client: aioredis.Redis, redis_client: redis.Redis) -> None:
    vault = AddressVault(client, "vault-secret", ttl_seconds=3600)
    await vault.put("sms:abc", PHONE)
    redis_client.expire(redis_keys.vault("sms:abc"), 5)
    await vault.put("sms:abc", PHONE)
    assert redis_client.ttl(redis_keys.vault("sms:abc")) > 3500


async def test_copied_vault_value_does_not_open_for_another_conversation(
    client: aioredis.Redis, redis_client: redis.Redis
) -> None:
    vault = AddressVault(client, "vault-secret", ttl_seconds=60)
    await vault.put("sms:victim", PHONE)
    redis_client.set(redis_keys.vault("sms:attacker"), redis_client.get(redis_keys.vault("sms:victim")) or "")
    assert await vault.get("sms:attacker") is None


async def test_erase_removes_every_conversation_key_and_nothing_else(
    client: aioredis.Redis, redis_client: redis.Redis
) -> None:
    mine, other = "tg:mine", "tg:other"
    for conversation in (mine, other):
        for key in redis_keys.conversation_keys(conversation):
            redis_client.set(key, "x")
        redis_client.zadd(redis_keys.QUEUE, {conversation: 1})

    await erase_conversation(client, mine)

    assert redis_client.exists(*redis_keys.conversation_keys(mine)) == 0
    assert redis_client.exists(*redis_keys.conversation_keys(other)) == len(
        redis_keys.conversation_keys(other)
    )
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == [other]
