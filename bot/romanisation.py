"""The words of a language as people type them in Latin letters ("mne ochen strashno").

A Russian or Ukrainian speaker abroad often has no Cyrillic keyboard on the phone, and
writes the way it sounds: "pomogite", "ya ne znayu", "dopomozhit". The language
models cannot read this (they took "mne ochen strashno" for French), so the reply came
in the wrong language. Unlike Arabizi, this romanisation has no tell-tale digits; what
gives it away is that its words are the language's own common words, spelt out.

This module spells them out: each of the language's most common words (from its
word-frequency list) is turned into the few Latin spellings people use, by a table of
letter -> spellings in ``data/languages/detection.yml``. Spellings that are ordinary
words of a Latin-script language ("da", "ne", "moi", "on", "ya") are left out, and so
are spellings two romanised languages share, so that what remains is evidence for one
language only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice, product

#: Spellings kept per word, most likely first: with several ambiguous letters
#: ("щ", "я", "ю", "й") the combinations multiply, and the rarer ones add only memory.
MAX_SPELLINGS_PER_WORD = 16
#: Romanised words shorter than this say nothing: two letters are someone else's word.
MIN_LENGTH = 3
#: A spelling this common (one in a million words) in a Latin-script language is that
#: language's word first: "moi", "net", "tak" in Tagalog...
TAKEN_FREQUENCY = 1e-6
#: A spelling counts for a romanised language unless another uses it this many times
#: more ("mne" Russian, "meni" Ukrainian, "strashno" both).
RIVAL_RATIO = 3.0

RomanisationTable = Mapping[str, Sequence[str]]


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


def spelled_out(common_words: Iterable[tuple[str, float]], table: RomanisationTable) -> dict[str, float]:
    """Romanised spelling -> frequency of the most common word spelt that way.

    Args:
        common_words: The language's most common words in its own script, with their
            frequencies.
        table: Letter -> its Latin spellings (detection.yml ``romanisation``).
    """
    spelled: dict[str, float] = {}
    for word, frequency in common_words:
        for spelling in spellings(word, table):
            if spelled.get(spelling, 0.0) < frequency:
                spelled[spelling] = frequency
    return spelled


def distinctive(
    spelled: Mapping[str, Mapping[str, float]],
    taken: Callable[[str], bool],
    rival_ratio: float = RIVAL_RATIO,
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per language, (the spellings that point to it, the spellings that say nothing).

    A spelling says nothing when it is shorter than :data:`MIN_LENGTH` ("ya") or
    ``taken`` claims it (a word of a Latin-script language: "net", "moi"). It points
    to a language unless another romanised language uses it more than ``rival_ratio``
    times as often: "strashno" points to Russian and Ukrainian alike, "mne" and "ochen"
    to Russian only, "meni" and "duzhe" to Ukrainian only. The rest are evidence
    against the language (they count among its words but not as its own).

    Args:
        spelled: Language -> :func:`spelled_out` of its common words.
        taken: Whether a spelling is a word of some Latin-script language.
        rival_ratio: How many times more common in another romanised language a
            spelling may be and still count for this one.
    """
    result: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for code, own in spelled.items():
        rivals = [other for name, other in spelled.items() if name != code]
        neutral = frozenset(spelling for spelling in own if len(spelling) < MIN_LENGTH or taken(spelling))
        pointing = frozenset(
            spelling
            for spelling, frequency in own.items()
            if spelling not in neutral
            and all(frequency * rival_ratio >= rival.get(spelling, 0.0) for rival in rivals)
        )
        result[code] = (pointing, neutral)
    return result
