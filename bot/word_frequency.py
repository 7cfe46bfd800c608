"""How common a word is in each language, as a vote for the language of a short text.

A character model has to guess from the inside of a word; a frequency list simply
knows that "buenos" is a common Spanish word and a rare Portuguese one. This is the
evidence that settles one- and two-word messages, where n-gram models disagree.
The lists are wordfreq's (built from Wikipedia, subtitles, news, web and social text,
so SMS spellings are in them too); they ship inside the package, nothing is
downloaded.

A message is read three ways, because people and phones mangle words, and the
readings are weighed against each other for the whole message (someone who types
without accents does so in every word):

1. as written (lower case);
2. typed without Latin accents: "conclusion" for "conclusión", "khong" for "không"
   (common on phones), with prior weight ``FOLDED_WEIGHT``;
3. with its non-ASCII letters lost: "conclusin" for "conclusión" (what a gateway
   that cannot encode a letter leaves; the public benchmark's Spanish is full of it),
   with prior weight ``DROPPED_WEIGHT``.

A word missing from one language's list is not impossible in it: lists stop at a
frequency (1e-8 for the big ones, 1e-6 for Romanian, Vietnamese, Tagalog), so an
unlisted word is taken to be ``UNLISTED_FACTOR`` times as frequent as the smaller of
that cut-off and the word's best frequency elsewhere. A rare Spanish word absent from
the short Romanian list is then only mild evidence against Romanian; a common one is
strong evidence.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from bot.text_folding import strip_latin_marks

logger = logging.getLogger(__name__)

#: wordfreq's name for a language where it differs from the ISO 639-1 code we use.
WORDFREQ_NAMES: Mapping[str, str] = {"tl": "fil"}
#: Prior weight of reading a message as typed without accents (as written: 1).
FOLDED_WEIGHT = 0.3
#: Prior weight of reading a message as having lost its non-ASCII letters.
DROPPED_WEIGHT = 0.1
#: An unlisted word's frequency, as a share of min(list cut-off, best frequency elsewhere).
UNLISTED_FACTOR = 0.3
#: Words rarer than this are left out of the lists, to keep memory in check.
MIN_FREQUENCY = 1e-7
#: Single letters (a, e, i, o, y) are words of half the languages and are skipped.
MIN_WORD_LENGTH = 2


def _fold(word: str) -> str:
    return strip_latin_marks(word)


def _drop_non_ascii(word: str) -> str:
    return "".join(c for c in word if c.isascii())


@dataclass
class _LanguageList:
    """One language's frequencies under the three views, and where its list stops."""

    written: dict[str, float]
    folded: dict[str, float]
    dropped: dict[str, float]
    cutoff: float

    def frequencies(self, word: str) -> tuple[float, float, float]:
        """Frequency of ``word`` (lower case, NFC) as written, accent-less, ASCII-only; 0 if unlisted."""
        written = self.written.get(word, 0.0)
        folded = self.accentless(word)
        dropped = max(written, self.dropped.get(word, 0.0)) if word.isascii() else 0.0
        return written, folded, dropped

    def accentless(self, word: str) -> float:
        """Frequency of ``word`` read without accents (lower case, NFC); 0 if unlisted."""
        plain = word if word.isascii() else _fold(word)  # ASCII has no accents to fold
        return max(self.written.get(plain, 0.0), self.folded.get(plain, 0.0))


def _read_list(path: str) -> dict[str, float]:
    """Word -> frequency from one wordfreq file, without wordfreq's process-wide cache.

    wordfreq's own ``get_frequency_dict`` keeps every list it returns in memory for
    good; reading the file here lets the rare words be dropped, and all words of a
    frequency bin share one float.
    """
    import wordfreq

    frequencies: dict[str, float] = {}
    for index, bucket in enumerate(wordfreq.read_cBpack(path)):
        frequency = 10.0 ** (-index / 100.0)  # wordfreq's bins are centibels
        if frequency < MIN_FREQUENCY:
            break
        for word in bucket:
            frequencies[word] = frequency
    return frequencies


def _build_list(frequencies: dict[str, float]) -> _LanguageList:
    """Index one language's words by their written, accent-less and ASCII-only forms."""
    folded: dict[str, float] = {}
    dropped: dict[str, float] = {}
    for word, frequency in frequencies.items():
        plain = _fold(word)
        if plain != word:
            folded[plain] = folded.get(plain, 0.0) + frequency
        if not word.isascii():
            ascii_only = _drop_non_ascii(word)
            if len(ascii_only) >= MIN_WORD_LENGTH and ascii_only != plain:
                dropped[ascii_only] = dropped.get(ascii_only, 0.0) + frequency
    cutoff = min(frequencies.values(), default=MIN_FREQUENCY)
    return _LanguageList(frequencies, folded, dropped, cutoff)


class WordFrequencyModel:
    """P(language | words) from word frequencies, for the languages wordfreq knows.

    Lists are loaded at first use or by :meth:`preload` (about 2.4 s and 160 MB for
    the nine Latin and Cyrillic languages; languages with a script of their own never
    need them).
    """

    def __init__(self, languages: Iterable[str]) -> None:
        """Args: languages: ISO 639-1 codes to score; those wordfreq lacks are left out."""
        self.requested = tuple(languages)
        self._lists: dict[str, _LanguageList] | None = None
        self._lock = threading.Lock()

    @property
    def languages(self) -> tuple[str, ...]:
        """The requested languages that have a frequency list."""
        return tuple(self._loaded())

    def preload(self) -> None:
        """Read the lists now (a server does this at start-up, not on someone's first message)."""
        self._loaded()

    def _loaded(self) -> dict[str, _LanguageList]:
        if self._lists is None:
            with self._lock:
                if self._lists is None:
                    self._lists = self._load()
        return self._lists

    def _load(self) -> dict[str, _LanguageList]:
        try:
            import wordfreq
        except ImportError:  # the other signals still work, less well on one word
            logger.warning("wordfreq is not installed: no word-frequency evidence")
            return {}
        available = wordfreq.available_languages(wordlist="best")
        lists: dict[str, _LanguageList] = {}
        for code in self.requested:
            name = WORDFREQ_NAMES.get(code, code)
            if name in available:
                lists[code] = _build_list(_read_list(available[name]))
        return lists

    def most_common(self, code: str, count: int) -> list[tuple[str, float]]:
        """The ``count`` most common words of ``code``'s list with their frequencies
        ([] without a list)."""
        listed = self._loaded().get(code)
        return list(islice(listed.written.items(), count)) if listed else []

    def highest_frequency(self, word: str, languages: Iterable[str]) -> float:
        """The highest frequency of ``word`` in the lists of ``languages``, read as written
        or without accents (0 where none lists it)."""
        lists = self._loaded()
        found = [lists[code] for code in languages if code in lists]
        return max((max(ls.written.get(word, 0.0), ls.accentless(word)) for ls in found), default=0.0)

    def probabilities(
        self,
        words: Iterable[str],
        languages: Iterable[str],
        borrowing: Mapping[str, Mapping[str, float]] | None = None,
    ) -> dict[str, float]:
        """Posterior over ``languages`` (those with a list) with a uniform prior.

        Args:
            words: The message's words (any case; punctuation already removed).
            languages: The candidates: the languages of the words' script.
            borrowing: Host language -> guest language -> share of a message's words
                that may be the guest's (code-switching): "help" is a common word of
                Tagalog messages because Taglish borrows it, not because it is Tagalog.

        Returns:
            Language -> probability, or {} when no word is listed anywhere (the text
            then says nothing here: names, typos, numbers).
        """
        lists = self._loaded()
        members = [code for code in languages if code in lists]
        if len(members) < 2:
            return {}
        borrowing = borrowing or {}
        guests = {
            host: {guest: share for guest, share in borrowing.get(host, {}).items() if guest in members}
            for host in members
        }
        mode_weights = (1.0, FOLDED_WEIGHT, DROPPED_WEIGHT)
        log_modes = {code: [math.log(weight) for weight in mode_weights] for code in members}
        seen = False
        for raw in words:
            word = unicodedata.normalize("NFC", raw.lower())
            if len(word) < MIN_WORD_LENGTH:
                continue
            found = {code: lists[code].frequencies(word) for code in members}
            best = max(max(views) for views in found.values())
            if best <= 0.0:
                continue
            seen = True
            for mode in range(len(mode_weights)):
                own = {
                    code: views[mode] or UNLISTED_FACTOR * min(lists[code].cutoff, best)
                    for code, views in found.items()
                }
                for code in members:
                    shares = guests[code]
                    borrowed = sum(share * own[guest] for guest, share in shares.items())
                    log_modes[code][mode] += math.log((1.0 - sum(shares.values())) * own[code] + borrowed)
        log_total = {code: _log_sum_exp(modes) for code, modes in log_modes.items()}
        if not seen:
            return {}
        top = max(log_total.values())
        exps = {code: math.exp(value - top) for code, value in log_total.items()}
        total = sum(exps.values())
        return {code: value / total for code, value in exps.items()}


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(value - top) for value in values))
