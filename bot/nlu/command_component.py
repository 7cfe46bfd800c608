"""Rasa NLU component: a message that is a bare keyword is that command.

"ERASE", "BORRAR", "/erase", "MORE", "SKIP", "PERSON" in any supported language
must work every time, including mid-form and at the very first message; a
classifier's 97% is not enough for the word that deletes a conversation.
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.locales import match_keyword
from bot.nlu.intent_override import override_intent
from bot.nlu.stateless import StatelessComponent

logger = logging.getLogger(__name__)

#: Keyword command -> intent of the domain.
COMMAND_INTENTS = {
    "erase": "request_erase",
    "more": "request_more",
    "skip": "skip",
    "person": "request_human",
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class KeywordCommands(StatelessComponent):
    """Sets the intent of bare keyword messages."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that are a keyword."""
        for message in messages:
            text = message.get(TEXT)
            if not text or len(text) > 40:
                continue
            try:
                match = match_keyword(text)
            except Exception:  # noqa: BLE001 - the classifier's intent still stands
                logger.warning("keyword matching failed", exc_info=True)
                continue
            if match is not None:
                override_intent(message, COMMAND_INTENTS[match.command], f"keyword:{match.command}")
        return messages
