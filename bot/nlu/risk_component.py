"""Rasa NLU component: assess danger and distress on every message.

Runs after the intent classifier and the language detector, so the assessment can
combine the multilingual lexicon, the learned classifier and the intent ranking
(:func:`bot.distress.assess`).
Imminent danger overrides the intent to ``danger_now``: the danger rule then answers
with the emergency number first, from any point of any flow, even when the
classifier guessed another intent.
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.distress import RiskLevel, assess, normalise
from bot.nlu.intent_override import INTENT_RANKING, override_intent
from bot.nlu.stateless import StatelessComponent
from bot.risk_model import default_classifier

logger = logging.getLogger(__name__)

DANGER_INTENT = "danger_now"


def _intent_ranking(message: Message) -> list[tuple[str, float]]:
    return [
        (str(item.get(INTENT_NAME_KEY)), float(item.get(PREDICTED_CONFIDENCE_KEY, 0.0)))
        for item in message.get(INTENT_RANKING) or []
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskAssessor(StatelessComponent):
    """Puts ``risk`` (level, score, signals) on each message."""

    def __init__(self) -> None:
        """Load (or train) the learned risk classifier now, so the first person does not wait.

        A failure here must not stop the model from loading: it is logged, and each
        message is then rated by the lexicon and the intents (``assess`` retries).
        """
        try:
            default_classifier(normalise)
        except Exception:  # noqa: BLE001 - the bot must start without it
            logger.warning("risk classifier unavailable at start-up", exc_info=True)

    def process(self, messages: list[Message]) -> list[Message]:
        """Assess each message; never raises (a failure must not silence the bot)."""
        for message in messages:
            text = message.get(TEXT) or ""
            language = (message.get("language") or {}).get("code")
            try:
                assessment = assess(text, language, intents=_intent_ranking(message))
            except Exception:  # noqa: BLE001 - logged without the text, message goes on
                logger.warning("risk assessment failed", exc_info=True)
                continue
            message.set("risk", assessment.to_dict(), add_to_output=True)
            if assessment.level is RiskLevel.IMMINENT:
                override_intent(message, DANGER_INTENT, "risk:imminent")
        return messages
