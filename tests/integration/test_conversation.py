"""Whole conversations through the real trained model, Redis stores and action server."""

from __future__ import annotations

import uuid

import pytest
import redis

from bot import redis_keys
from tests.conftest import bot_texts

pytestmark = pytest.mark.model


def _sender() -> str:
    return f"test:{uuid.uuid4().hex[:10]}"


async def test_english_conversation_reaches_resources(agent, redis_client: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    opening = bot_texts(await agent.handle_text("hi", sender_id=sender))
    assert "Marigold" in opening[0] and "ERASE" in opening[0]
    assert opening[1] == "Is it safe for you to chat right now?"

    after_yes = bot_texts(await agent.handle_text("yes", sender_id=sender))
    assert any("What would help you most" in text for text in after_yes)

    after_need = bot_texts(await agent.handle_text("i need a safe place to sleep tonight", sender_id=sender))
    assert any("Which country are you in?" in text for text in after_need)

    resources = bot_texts(await agent.handle_text("I'm in Spain", sender_id=sender))
    joined = "\n".join(resources)
    assert "Spain" in joined
    assert "900 759 759" in joined  # A21 anti-trafficking line, Spain (seed directory)
    assert "Write MORE" in joined

    # The tracker lives in Redis under the pseudonymous id, with the retention TTL.
    ttl = redis_client.ttl(redis_keys.tracker(sender))
    assert 0 < ttl <= 30 * 24 * 3600


async def test_danger_gets_the_emergency_number_first(agent, redis_client: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("hola, estoy en España", sender_id=sender)
    reply = bot_texts(await agent.handle_text("me van a matar, ayuda", sender_id=sender))
    assert "112" in reply[0]
    assert redis_client.zrange(redis_keys.QUEUE, 0, 0) == [sender]


async def test_danger_as_first_message_without_country(agent, redis_client: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    reply = bot_texts(await agent.handle_text("he is hitting me right now", sender_id=sender))
    assert "112" in reply[0] and "911" in reply[0]


async def test_not_safe_gets_a_quiet_goodbye(agent, redis_client: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("hello", sender_id=sender)
    reply = bot_texts(await agent.handle_text("no", sender_id=sender))
    assert len(reply) == 1 and "Take care" in reply[0]
