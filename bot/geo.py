"""Find the country a person names, in any supported language.

People write "estoy en españa", "я в польше", "我在泰国", "nasa saudi ako". CLDR (through
Babel) already names every country in every language we speak, so the gazetteer is
built from it at first use, plus a short alias list as data (``data/geo/aliases.yml``).
Only countries are matched: never GPS, never a city unless a later version needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml
from babel import Locale

from bot.language_config import supported_languages
from bot.settings import REPO_ROOT
from bot.text_folding import fold

ALIASES_FILE = REPO_ROOT / "data" / "geo" / "aliases.yml"

#: Scripts written without spaces between words: names are found as substrings.
_NO_SPACE_SCRIPT = re.compile(r"[\u0E00-\u0E7F\u3040-\u30ff\u3400-\u9fff]")

#: Russian and Ukrainian inflect country names ("в Польше", "у Польщі"): a name may
#: match with its last letter changed or one more letter, when long enough.
_MIN_STEM = 5


@dataclass(frozen=True)
class CountryMatch:
    """A country found in a message."""

    code: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Folded name -> code, plus (exact-case alias, code) pairs."""
    names: dict[str, str] = {}
    for language in supported_languages():
        try:
            territories = Locale.parse(language).territories
        except Exception:  # noqa: BLE001 - an unknown locale only loses its names
            continue
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}:
                names.setdefault(fold(name), code)
    raw = yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8"))
    for code, aliases in (raw.get("aliases") or {}).items():
        for alias in aliases:
            names[fold(str(alias))] = code
    for ignored in raw.get("not_countries") or []:
        names.pop(fold(str(ignored)), None)
    exact = [
        (str(alias), code) for code, aliases in (raw.get("exact_case") or {}).items() for alias in aliases
    ]
    return names, exact


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names, _ = _gazetteer()
    spaced = sorted((n for n in names if not _NO_SPACE_SCRIPT.search(n)), key=len, reverse=True)
    unspaced = sorted((n for n in names if _NO_SPACE_SCRIPT.search(n)), key=len, reverse=True)
    spaced_alt = "|".join(re.escape(n) for n in spaced)
    unspaced_alt = "|".join(re.escape(n) for n in unspaced)
    # Spaced names must stand as whole words, allowing an inflected ending of up to
    # two letters for long names (Cyrillic case endings); unspaced ones anywhere.
    return re.compile(
        rf"(?<!\w)(?P<spaced>{spaced_alt})(?P<ending>\w{{0,2}})(?!\w)|(?P<unspaced>{unspaced_alt})"
    )


def _stem_index() -> dict[str, str]:
    names, _ = _gazetteer()
    return {name[:-1]: code for name, code in names.items() if len(name) >= _MIN_STEM and " " not in name}


_stems: dict[str, str] | None = None


def find_country(message: str) -> CountryMatch | None:
    """The first country named in ``message``, or None."""
    global _stems
    names, exact = _gazetteer()
    for alias, code in exact:
        match = re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", message)
        if match:
            return CountryMatch(code, match.start(), match.end(), match.group(0))
    folded = fold(message)
    for match in _pattern().finditer(folded):
        if match.group("unspaced"):
            name = match.group("unspaced")
            return CountryMatch(names[name], match.start(), match.end(), name)
        name, ending = match.group("spaced"), match.group("ending")
        if not ending:
            return CountryMatch(names[name], match.start(), match.end(), name)
        if len(name) >= _MIN_STEM:
            return CountryMatch(names[name], match.start(), match.end(), name + ending)
    # Inflected forms whose last letter changed ("польше" for "польша").
    if _stems is None:
        _stems = _stem_index()
    for word_match in re.finditer(r"\w+", folded):
        word = word_match.group(0)
        for cut in (1, 2):
            stem = word[:-cut] if len(word) > cut else ""
            if len(stem) >= _MIN_STEM - 1 and stem in _stems:
                return CountryMatch(_stems[stem], word_match.start(), word_match.end(), word)
    return None


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` (CLDR), or the code if unknown."""
    try:
        return str(Locale.parse(language).territories.get(code, code))
    except Exception:  # noqa: BLE001 - a name in English beats no reply
        return str(Locale.parse("en").territories.get(code, code))
