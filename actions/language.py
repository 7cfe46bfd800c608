"""Switch language on request ("español", "in English please")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_of, say
from bot.language import requested_language
from bot.language_config import supported_languages


class ActionChangeLanguage(Action):
    """Confirm the new language, or ask which one when none was named."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        requested = requested_language((tracker.latest_message or {}).get("text") or "")
        if requested:
            say(dispatcher, "utter_language_changed", requested)
            return [SlotSet("language", requested)]
        language = language_of(tracker)
        names = ", ".join(info.name for info in supported_languages().values())
        say(dispatcher, "utter_choose_language", language, language_list=names)
        return []
