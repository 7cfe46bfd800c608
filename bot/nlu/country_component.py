"""Rasa NLU component: the country a person names becomes a ``country`` entity.

A gazetteer from CLDR (:mod:`bot.geo`) knows every country's name in every language
we speak, which a statistical extractor could only learn from thousands of
annotated examples per language.
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.geo import find_country
from bot.nlu.stateless import StatelessComponent

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CountryExtractor(StatelessComponent):
    """Adds ``{"entity": "country", "value": "<ISO alpha-2>"}`` when a country is named."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Tag each message with the country it names, if any."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            try:
                match = find_country(text)
            except Exception:  # noqa: BLE001 - a missed country must not drop the message
                logger.warning("country extraction failed", exc_info=True)
                continue
            if match is None:
                continue
            entity = {
                "entity": "country",
                "value": match.code,
                "start": match.start,
                "end": match.end,
                "confidence_entity": 1.0,
                "extractor": type(self).__name__,
            }
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
