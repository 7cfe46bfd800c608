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

from bot.distress import assess, normalise
from bot.language import detect
from bot.risk_model import LEVELS, default_classifier


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
        """Language, confidence, risk (level, score, signals) and top intents."""
        if self.parser is None:
            guess = detect(text, previous=language)
            code = language or guess.language
            risk = assess(text, code).to_dict()
            return {
                "text": text,
                "language": code,
                "language_confidence": 1.0 if language else round(guess.confidence, 3),
                "risk": risk,
                "classifier": _classifier_opinion(text),
                "intents": [],
            }
        parsed = await self.parser.parse(text, language)
        detected = parsed.get("language") or {}
        return {
            "text": text,
            "language": language or detected.get("code"),
            "language_confidence": 1.0 if language else round(float(detected.get("confidence", 0.0)), 3),
            "risk": parsed.get("risk") or assess(text, language or detected.get("code")).to_dict(),
            "classifier": _classifier_opinion(text),
            "intents": [
                {"name": item["name"], "confidence": round(float(item["confidence"]), 3)}
                for item in (parsed.get("intent_ranking") or [])[:3]
            ],
        }


def _classifier_opinion(text: str) -> dict[str, float]:
    """The learned classifier's probability per level: why a ``classifier_*`` signal fired (or not)."""
    probabilities = default_classifier(normalise).probabilities(text)
    return {level: round(probabilities[level], 3) for level in LEVELS if level in probabilities}
