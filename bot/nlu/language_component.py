"""Rasa NLU component that tags every message with its language.

Configure it in ``config.yml`` as ``bot.nlu.language_component.LanguageDetector``.
It adds a ``language`` property to the parse result (``tracker.latest_message``):
``{"code": "es", "confidence": 0.97, "explicit": false, "candidates": [["es", 0.97], ...]}``.
The detection itself lives in :mod:`bot.language`, which knows nothing of Rasa.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import LanguageGuess, default_detector, detect
from bot.nlu.stateless import StatelessComponent

logger = logging.getLogger(__name__)

#: The message property this component sets.
LANGUAGE = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(StatelessComponent):
    """Sets ``message["language"]`` from the text and the conversation's language.

    The channel may pass the conversation's language so far as
    ``metadata["language"]``; it is used as a prior so that "ok" or "si" do not switch
    the language. Nothing is trained: lingua's models ship with the package and the
    naive Bayes is trained from ``data/nlu`` at first use.
    """

    def __init__(self) -> None:
        """Load the detector's models now, so the first person does not wait for them.

        A failure is logged, not raised: the model must load, and detection retries
        at the first message (falling back to the conversation's language).
        """
        try:
            default_detector().preload()
        except Exception:  # noqa: BLE001 - the bot must start without it
            logger.warning("language models could not be preloaded", exc_info=True)

    def process(self, messages: list[Message]) -> list[Message]:
        """Tag each message with its language; never raises.

        A failure must not cost the person their reply: it is logged (without the
        message text, which may identify them) and the message is left untagged, so
        the dialogue falls back to the conversation's language.
        """
        for message in messages:
            try:
                guess = detect(message.get(TEXT) or "", _previous_language(message))
                message.set(LANGUAGE, _as_dict(guess), add_to_output=True)
            except Exception as error:  # noqa: BLE001 - see docstring
                logger.warning("Language detection failed: %s", type(error).__name__)
        return messages


def _previous_language(message: Message) -> str | None:
    """The conversation's language as supplied by the channel, if any."""
    metadata = message.get("metadata") or {}
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if isinstance(language, str) and language else None


def _as_dict(guess: LanguageGuess) -> dict[str, Any]:
    """The JSON-friendly form stored on the message."""
    return {
        "code": guess.language,
        "confidence": guess.confidence,
        "explicit": guess.explicit,
        "candidates": [[code, score] for code, score in guess.candidates],
    }
