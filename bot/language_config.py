"""The languages Marigold speaks, as configured in ``config/languages.yml``.

Everything that varies by language (NLU data, reply catalogue, risk lexicon) is keyed
by the codes listed there; adding a language is data, never code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.settings import REPO_ROOT

LANGUAGES_FILE = REPO_ROOT / "config" / "languages.yml"


@dataclass(frozen=True)
class LanguageInfo:
    """One supported language."""

    code: str
    name: str
    script: str
    direction: str = "ltr"


@lru_cache(maxsize=1)
def supported_languages() -> dict[str, LanguageInfo]:
    """Code -> :class:`LanguageInfo`, in the order of the configuration file."""
    raw = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    return {
        code: LanguageInfo(
            code=code,
            name=str(info["name"]),
            script=str(info["script"]),
            direction=str(info.get("direction", "ltr")),
        )
        for code, info in raw["languages"].items()
    }


@lru_cache(maxsize=1)
def default_language() -> str:
    """The language used before anything is known about the person."""
    raw = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    return str(raw.get("default", "en"))


def normalize_language(code: str | None) -> str:
    """A supported language code for ``code``, falling back to the default."""
    if code and code in supported_languages():
        return code
    return default_language()
