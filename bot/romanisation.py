"""The words of a language as people type them in Latin letters ("mne ochen strashno").

A Russian or Ukrainian speaker abroad often has no Cyrillic keyboard on the phone, and
writes the way it sounds: "pomogite", "ya ne znayu", "dopomozhit". The language
models cannot read this (they took "mne ochen strashno" for French), so the reply came
in the wrong language. Unlike Arabizi, this romanisation has no tell-tale digits; what
gives it away is that its words are the language's own common words, spelt out.

This module spells them out: each of the language's most common words (from its
word-frequency list) is turned into the few Latin spellings people use, by a table of
letter -> spellings in ``data/languages/detection.yml``. Spellings that are ordinary
words of a Latin-script language ("da", "ne", "moi", "on", "ya") say nothing, and a
spelling another romanised language uses far more counts against this one, so what
remains is evidence for the language (:meth:`Reading.points_here`, used by
``bot/language.py``). The same spellings read a message back in the language's own
script (:meth:`Reading.in_native_script`), so that risk assessment's Cyrillic
lexicons can read it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, product
from typing import NamedTuple

#: Spellings kept per word, most likely first: with several ambiguous letters
#: ("щ", "я", "ю", "й") the combinations multiply, and the rarer ones add only memory.
MAX_SPELLINGS_PER_WORD = 16
#: Romanised words shorter than this say nothing: two letters are someone else's word.
MIN_LENGTH = 3
#: A spelling this common (one in a million words) in a Latin-script language is that
#: language's word first: "moi" (French), "net" (English).
TAKEN_FREQUENCY = 1e-6
#: A spelling counts for a romanised language unless another uses it this many times
#: more ("mne" Russian, "meni" Ukrainian, "strashno" both).
RIVAL_RATIO = 3.0

RomanisationTable = Mapping[str, Sequence[str]]

_LATIN_WORD = re.compile(r"[A-Za-z']+")


class Spelt(NamedTuple):
    """The word a romanised spelling stands for, and how common that word is."""

    word: str
    frequency: float


def spellings(word: str, table: RomanisationTable, limit: int = MAX_SPELLINGS_PER_WORD) -> list[str]:
    """The Latin spellings of ``word``, the table's first choices first.

    Letters missing from the table make the word unspellable (it is not the
    language's own writing): returns [].
    """
    options: list[Sequence[str]] = []
    for letter in word.lower():
        choices = table.get(letter)
        if choices is None:
            return []
        options.append(choices)
    return ["".join(parts) for parts in islice(product(*options), limit)]


def spelled_out(common_words: Iterable[tuple[str, float]], table: RomanisationTable) -> dict[str, Spelt]:
    """Romanised spelling -> the most common word spelt that way, with its frequency.

    Args:
        common_words: The language's most common words in its own script, with their
            frequencies.
        table: Letter -> its Latin spellings (detection.yml ``romanisation``).
    """
    spelled: dict[str, Spelt] = {}
    for word, frequency in common_words:
        for spelling in spellings(word, table):
            known = spelled.get(spelling)
            if known is None or known.frequency < frequency:
                spelled[spelling] = Spelt(word, frequency)
    return spelled


@dataclass(frozen=True)
class Reading:
    """What one language's romanised spellings say (see :func:`readings`)."""

    native: Mapping[str, str]  # spelling -> the word it most likely spells ("pomogite" -> "помогите")
    neutral: frozenset[str]  # spellings that say nothing about the language ("ya", "net")
    foreign: frozenset[str]  # spellings another romanised language uses far more ("mne" for Ukrainian)

    def points_here(self, spelling: str) -> bool:
        """Whether ``spelling`` is evidence for this language."""
        return spelling in self.native and spelling not in self.neutral and spelling not in self.foreign

    def in_native_script(self, text: str) -> str | None:
        """``text`` with each romanised word written back in the language's own script
        ("pomogite on menya bet" -> "помогите он меня бьет"), None when no word is.

        Word by word, each spelling read as the most common word spelt that way: good
        enough for the risk lexicon's stems, not a transliterator.
        """
        replaced = False

        def native(match: re.Match[str]) -> str:
            nonlocal replaced
            word = self.native.get(match.group().lower().replace("'", ""))
            if word is None:
                return match.group()
            replaced = True
            return word

        text = _LATIN_WORD.sub(native, text)
        return text if replaced else None


def readings(
    spelled: Mapping[str, Mapping[str, Spelt]],
    taken: Callable[[str], bool],
    rival_ratio: float = RIVAL_RATIO,
) -> dict[str, Reading]:
    """Per language, how to read its romanised spellings.

    A spelling says nothing when it is shorter than :data:`MIN_LENGTH` ("ya") or
    ``taken`` claims it (a word of a Latin-script language: "net", "moi"). It points
    to a language unless another romanised language uses it more than ``rival_ratio``
    times as often: "strashno" points to Russian and Ukrainian alike, "mne" and "ochen"
    to Russian only, "meni" and "duzhe" to Ukrainian only. The foreign ones are
    evidence against the language (they count among its words but not as its own).

    Args:
        spelled: Language -> :func:`spelled_out` of its common words.
        taken: Whether a spelling is a word of some Latin-script language.
        rival_ratio: How many times more common in another romanised language a
            spelling may be and still count for this one.
    """
    result: dict[str, Reading] = {}
    for code, own in spelled.items():
        rivals = [other for name, other in spelled.items() if name != code]
        neutral = frozenset(spelling for spelling in own if len(spelling) < MIN_LENGTH or taken(spelling))
        foreign = frozenset(
            spelling
            for spelling, spelt in own.items()
            if spelling not in neutral
            and any(spelt.frequency * rival_ratio < _frequency(rival, spelling) for rival in rivals)
        )
        result[code] = Reading({spelling: spelt.word for spelling, spelt in own.items()}, neutral, foreign)
    return result


def _frequency(spelled: Mapping[str, Spelt], spelling: str) -> float:
    known = spelled.get(spelling)
    return known.frequency if known is not None else 0.0
