"""Start of a session: keep slots, and keep a counselor conversation paused.

Rasa un-pauses a conversation when a new session starts (after an hour of silence
by default). A person coming back mid-handoff must reach the counselor, not the bot.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import redis_client
from bot import handoff

logger = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """Carry slots over and re-pause conversations that a counselor holds."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        events.extend(
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name != "requested_slot"
        )
        try:
            current = await handoff.status(redis_client(), tracker.sender_id)
        except Exception:  # noqa: BLE001 - the bot answering beats nobody answering
            logger.warning("could not read handoff status for %s", tracker.sender_id)
        else:
            if current.status == handoff.ACTIVE:
                events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
