"""Ask for a counselor, or take back the request."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_of, redis_client, risk_of, safety_values, say
from bot import handoff
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class ActionRequestCounselor(Action):
    """Queue the conversation for a human and say honestly what happens next."""

    def name(self) -> str:
        return "action_request_counselor"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        values = safety_values(tracker)
        try:
            before = await handoff.status(redis_client(), tracker.sender_id)
            await handoff.request_counselor(
                redis_client(),
                tracker.sender_id,
                language,
                risk_of(tracker),
                list(tracker.get_slot("risk_signals") or []),
                get_settings().retention_seconds,
            )
        except Exception:  # noqa: BLE001 - without the queue, numbers are the honest answer
            logger.error("counselor queue unavailable for %s", tracker.sender_id)
            say(dispatcher, "utter_technical_fallback", language, **values)
            return []
        if before.status in {handoff.WAITING, handoff.ACTIVE}:
            say(dispatcher, "utter_handoff_already_waiting", language)
        else:
            say(dispatcher, "utter_handoff_queued", language, **values)
        return []


class ActionDeclineCounselor(Action):
    """The person does not want a counselor now: respect it and leave the queue."""

    def name(self) -> str:
        return "action_decline_counselor"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            current = await handoff.status(redis_client(), tracker.sender_id)
            if current.status == handoff.WAITING:
                await handoff.remove(redis_client(), tracker.sender_id)
        except Exception:  # noqa: BLE001 - the reply still goes out
            logger.warning("could not update the queue for %s", tracker.sender_id)
        say(dispatcher, "utter_handoff_declined", language_of(tracker))
        return []
