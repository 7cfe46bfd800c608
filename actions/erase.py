"""Erase a conversation when the person asks in words ("please delete this chat").

The bare keyword ("ERASE", "/erase") is handled earlier, at the channel, which can
delete everything before Rasa even loads the tracker. When the request comes as a
sentence, Rasa is mid-turn and will save the tracker after this action returns, so
the tracker itself is deleted as soon as Rasa releases the conversation's lock.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_of, redis_client, safety_values, say
from bot import redis_keys
from bot.privacy import erase_conversation

logger = logging.getLogger(__name__)

#: How long to wait for Rasa to finish the turn before deleting what it saved.
_LOCK_WAIT_SECONDS = 30.0

_pending: set[asyncio.Task[None]] = set()


async def _erase_after_turn(conversation_id: str) -> None:
    client = redis_client()
    lock_key = redis_keys.RASA_LOCK_PREFIX + conversation_id
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _LOCK_WAIT_SECONDS
    await asyncio.sleep(0.2)
    while await client.exists(lock_key) and loop.time() < deadline:
        await asyncio.sleep(0.2)
    await erase_conversation(client, conversation_id)


class ActionEraseConversation(Action):
    """Delete everything about this conversation and confirm in one short line."""

    def name(self) -> str:
        return "action_erase_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        try:
            await erase_conversation(redis_client(), tracker.sender_id)
            task = asyncio.get_running_loop().create_task(_erase_after_turn(tracker.sender_id))
            _pending.add(task)
            task.add_done_callback(_pending.discard)
        except Exception:  # noqa: BLE001 - say so rather than pretend
            logger.error("erase failed for %s", tracker.sender_id)
            say(dispatcher, "utter_technical_fallback", language, **safety_values(tracker))
            return []
        say(dispatcher, "utter_erased", language)
        return [Restarted()]
