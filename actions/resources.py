"""Needs, places and the services that fit them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import country_of, directory, language_of, risk_of, say
from bot.directory import pick
from bot.distress import RiskLevel
from bot.geo import country_name
from bot.locales import text
from bot.resource_format import format_resource, hotline_text

PAGE_SIZE = 3


class ActionAcknowledgeNeed(Action):
    """A short, warm acknowledgement of what the person needs."""

    def name(self) -> str:
        return "action_acknowledge_need"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        need = tracker.get_slot("need")
        if need:
            say(dispatcher, f"utter_ack_{need}", language_of(tracker))
        return []


def _send_page(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int) -> list[dict[str, Any]]:
    """Send up to three services from ``offset``; remember how many were shown."""
    language = language_of(tracker)
    country = country_of(tracker)
    found = directory().find(country, tracker.get_slot("need"), language)
    page = pick(found, offset, PAGE_SIZE)
    if not page:
        response = "utter_resources_no_more" if offset else "utter_resources_none"
        say(dispatcher, response, language)
        return []
    if offset == 0:
        header = (
            text("utter_resources_header", language, country=country_name(country, language))
            if country
            else text("utter_resources_header_international", language)
        )
    else:
        header = ""
    body = "\n\n".join(format_resource(resource, language) for resource in page)
    dispatcher.utter_message(text=f"{header}\n{body}".strip())
    if offset + len(page) < len(found):
        say(dispatcher, "utter_resources_more_hint", language)
    return [SlotSet("resources_shown", float(offset + len(page)))]


#: What follows the services, by the conversation's risk level: a plain word of
#: support, then the offer of a counselor (answered by the rules on affirm/deny).
_SUPPORT_BY_RISK = {
    RiskLevel.ELEVATED: "utter_support_elevated",
    RiskLevel.HIGH: "utter_support_high",
    RiskLevel.IMMINENT: "utter_support_high",
}


class ActionGiveResources(Action):
    """The best three services for the person's country, need and language.

    When the conversation shows distress (elevated) or signs of trafficking (high),
    the reply also says a word of support and offers a counselor.
    """

    def name(self) -> str:
        return "action_give_resources"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = _send_page(dispatcher, tracker, 0)
        support = _SUPPORT_BY_RISK.get(risk_of(tracker))
        if support:
            language = language_of(tracker)
            say(dispatcher, support, language)
            say(dispatcher, "utter_offer_counselor", language)
        return events


class ActionGiveMoreResources(Action):
    """The next page of services ("MORE")."""

    def name(self) -> str:
        return "action_give_more_resources"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = int(tracker.get_slot("resources_shown") or 0)
        return _send_page(dispatcher, tracker, shown)


class ActionShowMenu(Action):
    """What Marigold can do, with the hotline: the answer when nothing else fits."""

    def name(self) -> str:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        hotline = hotline_text(directory(), country_of(tracker), language)
        say(dispatcher, "utter_menu", language, hotline=hotline)
        return []


class ValidateSupportForm(FormValidationAction):
    """Keeps the form's answers sane; a country is never required."""

    def name(self) -> str:
        return "validate_support_form"

    async def validate_country(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept an ISO code from the country extractor, or "none" (skipped)."""
        if isinstance(slot_value, list):
            slot_value = slot_value[0] if slot_value else None
        if slot_value == "none" or (isinstance(slot_value, str) and len(slot_value) == 2):
            return {"country": slot_value}
        return {"country": None}
