"""Keep the conversation's language and risk level up to date on every message.

Rasa runs this as the custom slot mapping of ``language``, ``risk_level`` and
``risk_signals`` (see domain.yml), before it predicts anything, and also while a
counselor has the conversation (paused), so danger is noticed even then.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import redis_client, risk_of
from bot import handoff
from bot.distress import RiskLevel
from bot.language import detect

logger = logging.getLogger(__name__)


class ActionAssessMessage(Action):
    """Sets ``language`` (with the conversation's language as prior) and risk."""

    def name(self) -> str:
        return "action_assess_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        previous_language = tracker.get_slot("language")
        events: list[dict[str, Any]] = []

        guess = detect(text, previous=previous_language)
        if guess.language != previous_language:
            events.append(SlotSet("language", guess.language))

        # The conversation keeps its highest level: risk never silently drops.
        risk = message.get("risk") or {}
        try:
            message_level = RiskLevel(risk.get("level", RiskLevel.NONE.value))
        except ValueError:
            message_level = RiskLevel.NONE
        current = risk_of(tracker)
        if message_level.rank > current.rank:
            events.append(SlotSet("risk_level", message_level.value))
        signals = list(tracker.get_slot("risk_signals") or [])
        new_signals = [s for s in risk.get("signals", []) if s not in signals]
        if new_signals:
            events.append(SlotSet("risk_signals", signals + new_signals))
            try:
                await handoff.raise_priority(redis_client(), tracker.sender_id, message_level, new_signals)
            except Exception:  # noqa: BLE001 - the reply matters more than the queue order
                logger.warning("could not raise queue priority for %s", tracker.sender_id)
        return events
