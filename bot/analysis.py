"""Explain what Marigold makes of a message: language, risk, intents.

Admins and developers use ``marigold analyze`` to see why a conversation was
escalated. With the trained model, the answer comes from the very pipeline the bot
runs (intents included); without it, from the language detector, the risk lexicon
and the learned risk classifier. Either way the classifier's probability per level
is shown, so a ``classifier_*`` signal can be read as "how sure it was".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.distress import assess, learned_opinion, readings
from bot.language import detect
from bot.risk_model import LEVELS


class _Parser(Protocol):
    async def parse(self, text: str, language: str | None = None) -> dict[str, Any]: ...


@dataclass
class Analyzer:
    """Turns a text into the JSON that ``marigold analyze`` prints."""

    parser: _Parser | None = None

    @classmethod
    def create(cls, use_model: bool = True) -> Analyzer:
        """With the current trained model when asked (and present)."""
        if not use_model:
            return cls()
        from bot.model_cache import model_path
        from bot.nlu.parser import ModelParser

        path = model_path()
        if not path.exists():
            raise SystemExit(f"no trained model at {path}: run `marigold train` or use --no-model")
        return cls(ModelParser(path))

    async def analyze(self, text: str, language: str | None = None) -> dict[str, Any]:
        """Language, confidence, risk (level, score, signals), the classifier's opinion,
        top intents, and ``read_as`` when a romanised message was also read in its
        language's own script."""
        if self.parser is None:
            guess = detect(text, previous=language)
            code = language or guess.language
            return {
                "text": text,
                "language": code,
                "language_confidence": 1.0 if language else round(guess.confidence, 3),
                "risk": assess(text, code).to_dict(),
                **_opinion(text, code),
                "intents": [],
            }
        parsed = await self.parser.parse(text, language)
        detected = parsed.get("language") or {}
        parsed_language: str | None = language or detected.get("code")
        return {
            "text": text,
            "language": parsed_language,
            "language_confidence": 1.0 if language else round(float(detected.get("confidence", 0.0)), 3),
            "risk": parsed.get("risk") or assess(text, parsed_language).to_dict(),
            **_opinion(text, parsed_language),
            "intents": [
                {"name": item["name"], "confidence": round(float(item["confidence"]), 3)}
                for item in (parsed.get("intent_ranking") or [])[:3]
            ],
        }


def _opinion(text: str, language: str | None) -> dict[str, Any]:
    """The learned classifier's probability per level, for the reading the assessment
    used: why a ``classifier_*`` signal fired (or not)."""
    ways = readings(text, language)
    probabilities = learned_opinion(ways)
    opinion: dict[str, Any] = {
        "classifier": {level: round(probabilities[level], 3) for level in LEVELS if level in probabilities}
    }
    if len(ways) > 1:
        opinion["read_as"] = ways[1]
    return opinion
