"""Replace a message's predicted intent, keeping what the classifier thought.

Two components decide intents deterministically on top of DIET: bare keyword
commands ("ERASE", "MORE") and imminent danger found by the risk lexicon. Both must
win over a statistical guess, and both keep the original ranking for inspection.
"""

from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

INTENT_RANKING = "intent_ranking"


def override_intent(message: Message, intent: str, reason: str) -> None:
    """Make ``intent`` the message's intent with full confidence."""
    previous = message.get(INTENT) or {}
    if previous.get(INTENT_NAME_KEY) == intent:
        return
    original_ranking = list(message.get(INTENT_RANKING) or [])
    ranking = [r for r in original_ranking if r.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT, {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
    message.set(
        INTENT_RANKING,
        [{INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}, *ranking],
        add_to_output=True,
    )
    message.set(
        "intent_override",
        {"reason": reason, "original": previous, "original_ranking": original_ranking},
        add_to_output=True,
    )
