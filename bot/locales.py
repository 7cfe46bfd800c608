"""Reply catalogues: every text Marigold says, per language, as data.

``data/locales/<code>.yml`` holds one language. Rasa responses (``utter_*``) are
rendered from here by the NLG endpoint, and the same catalogue serves the channels'
own notices (rate limit, technical fallback, SMS keywords) and the actions, so a
language is added by adding files, and no text lives in code.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import yaml

from bot.language_config import default_language, normalize_language, supported_languages
from bot.settings import REPO_ROOT
from bot.text_folding import fold_command

LOCALES_DIR = REPO_ROOT / "data" / "locales"

#: Commands a person can send alone, whatever the conversation is doing.
KEYWORD_COMMANDS = ("erase", "more", "skip", "person")


class MissingTextError(KeyError):
    """A catalogue lacks a key that another language has."""


@cache
def catalogue(language: str) -> Mapping[str, Any]:
    """The raw catalogue of one language (cached; files change only on deploy)."""
    path = LOCALES_DIR / f"{language}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must be a mapping of keys to texts")
    return data


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _KeepMissing(dict[str, Any]):
    """Leaves an unknown ``{placeholder}`` visible rather than failing the reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, language: str | None, **values: Any) -> str:
    """Render ``key`` in ``language``, falling back to the default language.

    A reply in the default language is better than no reply: a missing key in one
    language falls back (and the catalogue test fails in CI long before that).
    """
    language = normalize_language(language)
    template = catalogue(language).get(key)
    if template is None:
        template = catalogue(default_language()).get(key)
    if template is None:
        raise MissingTextError(key)
    if not isinstance(template, str):
        raise TypeError(f"{key} is not a text in {language}")
    return template.format_map(_KeepMissing(values))


def keywords(command: str, language: str) -> list[str]:
    """Folded keywords for a command in one language (first one is shown to people)."""
    words = catalogue(language).get(f"keywords_{command}", [])
    return [fold_command(str(word)) for word in words]


@dataclass(frozen=True)
class KeywordMatch:
    """A message that is a bare command, and the language its word belongs to."""

    command: str
    language: str


@lru_cache(maxsize=1)
def _keyword_index() -> dict[str, KeywordMatch]:
    index: dict[str, KeywordMatch] = {}
    for language in supported_languages():
        for command in KEYWORD_COMMANDS:
            for word in keywords(command, language):
                # The first language to claim a word keeps it; words shared by two
                # languages ("more"?) mean the same command anyway.
                index.setdefault(word, KeywordMatch(command, language))
    return index


def match_keyword(message: str) -> KeywordMatch | None:
    """The command if the whole message is one of any language's keywords."""
    return _keyword_index().get(fold_command(message))
