"""Redis restarting mid-conversation loses nothing: the next turn carries on."""

from __future__ import annotations

import uuid

import pytest

from bot.locales import text
from tests.conftest import RedisServer, bot_texts

pytestmark = pytest.mark.model


async def test_conversation_survives_a_redis_restart(agent, redis_client, redis_server: RedisServer) -> None:  # type: ignore[no-untyped-def]
    sender = f"test:{uuid.uuid4().hex[:10]}"
    first = bot_texts(await agent.handle_text("hello", sender_id=sender))
    assert first[1] == text("utter_ask_safe_to_talk", "en")

    redis_server.stop()
    redis_server.start()

    # The same conversation continues where it was: "yes" answers the safety question.
    second = bot_texts(await agent.handle_text("yes", sender_id=sender))
    assert text("utter_ask_need", "en") in second
