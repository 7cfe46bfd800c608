"""Rasa NLG plug-in that renders responses from the per-language catalogues.

Why not conditional response variations in the domain? Twelve languages times every
response would put ~700 variations in domain files that Rasa merges with a plain
dict update (a key in two files silently loses one), tie every wording fix to a
model retrain, and still leave the channels' own notices (rate limit, fallback) in
another place. Here every text lives once per language in ``data/locales/<code>.yml``
and this class, running inside the Rasa server (no extra HTTP hop, nothing to be
down), renders the response for the conversation's ``language`` slot. The domain
only declares response names.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.replies import render

LANGUAGE_SLOT = "language"


class CatalogueNaturalLanguageGenerator(NaturalLanguageGenerator):
    """Renders ``utter_*`` responses in the language the conversation is in."""

    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None) -> None:
        self.domain = domain

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Render ``utter_action``; slots and call arguments fill its placeholders."""
        language = tracker.get_slot(LANGUAGE_SLOT)
        values = {**tracker.current_slot_values(), **kwargs}
        for reserved in ("domain_responses", LANGUAGE_SLOT):
            values.pop(reserved, None)
        return render(utter_action, language, **values)
