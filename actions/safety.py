"""The danger path: the emergency number first, then a counselor at once."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import country_of, directory, language_of, redis_client, say
from bot import handoff
from bot.directory import emergency_summary
from bot.distress import RiskLevel
from bot.settings import get_settings

logger = logging.getLogger(__name__)


class ActionRespondToDanger(Action):
    """Emergency number (by country when known, a short list otherwise), then the offer.

    The conversation also goes to the top of the counselor queue right away: a
    counselor should see imminent danger even before the person answers the offer.
    """

    def name(self) -> str:
        return "action_respond_to_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        country = country_of(tracker)
        found = directory()
        number = found.emergency_number(country)
        if number:
            say(dispatcher, "utter_danger_emergency", language, emergency=number)
        else:
            say(
                dispatcher,
                "utter_danger_emergency_list",
                language,
                emergency_list=emergency_summary(found, None),
            )
        say(dispatcher, "utter_danger_offer_counselor", language)
        signals = list(tracker.get_slot("risk_signals") or [])
        try:
            await handoff.request_counselor(
                redis_client(),
                tracker.sender_id,
                language,
                RiskLevel.IMMINENT,
                signals,
                get_settings().retention_seconds,
            )
        except Exception:  # noqa: BLE001 - the numbers above were already given
            logger.error("could not queue imminent conversation %s", tracker.sender_id)
        return [SlotSet("risk_level", RiskLevel.IMMINENT.value)]
