"""Which language a message is written in, from the first two or three words on.

People write "ayuda", "помогите", "救命", "toi can giup do", "help po": short, without
accents, mixing English in. No single detector gets these right (langdetect says
"help me" is Dutch and "ayuda" Somali; lingua reads accent-less Vietnamese as
Romanian), so Marigold adds up evidence it can explain, each piece a log-likelihood
over the languages of ``config/languages.yml``:

1. an explicit request ("español", "in English please", "по-русски") wins outright;
2. scripts: a Thai, Han, Arabic or Cyrillic word is strong evidence for the languages
   written that way, a Latin word only weak evidence against them (people mix in
   "ok", brands and English), see ``data/languages/detection.yml``; romanised
   writing counts for its language (Arabizi by its digit letters and a list of its
   words, Russian and Ukrainian by their common words spelt out,
   ``bot/romanisation.py``);
3. letters: ñ, ã, ș, ơ, і, ы... are used by some languages of a script only, and a
   long Ukrainian text without a single і is unlikely (same file);
4. lingua, restricted to the configured languages (high-accuracy mode: its
   low-accuracy mode loses 8 points on single words);
5. word frequencies (``bot/word_frequency.py``, wordfreq's lists): how common each
   word is in each language, also read without accents and with lost letters; this
   is what settles one- and two-word messages;
6. a character n-gram naive Bayes trained, at first use, on the project's own NLU
   examples (``data/nlu/<code>.yml``): it knows how people here really write
   ("khong co tien", "tulungan nyo po"), which is where lingua is weakest;
7. the conversation's previous language, as a prior that only clear evidence beats,
   so "ok", "si", "no", "да" never switch the language of a conversation.

langdetect was measured as a further vote and made every benchmark worse, so it is
only a baseline in ``bench/language_id.py``.

Cost, measured on 2 cores: the classifier trains in well under a second at first use
(about 20 MB); lingua loads each language's models the first time text of its script
needs them (about 210 MB for all twelve; preloading would take 300 MB); the frequency
lists of the languages that share a script take 2.4 s and about 160 MB at first use.
After that a call takes well under a millisecond (``bench/language_id.py`` prints p50).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from bot.language_config import default_language, supported_languages
from bot.nlu_examples import intent_examples
from bot.romanisation import TAKEN_FREQUENCY, Reading, spelled_out
from bot.romanisation import readings as romanised_readings
from bot.settings import REPO_ROOT
from bot.text_folding import fold
from bot.word_frequency import WordFrequencyModel

logger = logging.getLogger(__name__)

DETECTION_FILE = REPO_ROOT / "data" / "languages" / "detection.yml"
ALIASES_FILE = REPO_ROOT / "data" / "languages" / "aliases.yml"
NLU_DIR = REPO_ROOT / "data" / "nlu"

#: Only the start of a long message is read: a few hundred characters settle the
#: language, and reading a pasted page would only cost time.
MAX_CHARS = 600
#: Prior probability that a message is in the conversation's previous language. With
#: twelve languages a switch needs evidence about 100 times stronger for the new
#: language than for the old one; code-switching (detection.yml) caps what one word
#: can give at 10 for an English word and 100 for another language's word. So one
#: word of another language of the same script ("hola", "si") never switches a
#: conversation, two clear ones do, and a word of another script does.
PRIOR_PREVIOUS = 0.9
#: Share of a uniform distribution mixed into each statistical model's output, so that
#: one model cannot veto a language the others support.
MODEL_SMOOTHING = 0.05
#: Likelihood factor for a language that does not use a marked letter in the text.
FOREIGN_LETTER_FACTOR = 0.05
#: Lowest likelihood factor from missing core letters (a typo or a name can explain it).
MISSING_CORE_LETTERS_FLOOR = 0.05
#: How much the naive Bayes' evidence from one word counts, for a word it saw in
#: training and for one it did not. For an unseen word it only has n-gram counts from
#: a few thousand short examples where lingua has large corpora behind it: on
#: held-out NLU examples unseen-word evidence helped a little (0.3: 93.1% vs 0: 92.9%),
#: on out-of-domain text (CLDR names of countries, languages, months, from babel) it
#: hurt (0.3: 77.9% vs 0: 79.2%). So the classifier speaks only for words people
#: here actually write.
NB_WEIGHT_SEEN = 1.0
NB_WEIGHT_UNSEEN = 0.0
#: Confidence reported when the text says nothing about its language.
NO_EVIDENCE_CONFIDENCE = 0.0

Floats = npt.NDArray[np.float64]

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|@\w+", re.IGNORECASE)
_REPEATS = re.compile(r"(.)\1{2,}")
_PUNCTUATION = ".,;:!?¡¿'\"()[]{}…*-_~"


@dataclass(frozen=True)
class LanguageGuess:
    """The language of one message.

    Attributes:
        language: ISO 639-1 code of a configured language.
        confidence: Posterior probability of ``language`` (0..1), prior included.
        explicit: True when the person asked for the language by name.
        candidates: Up to three (code, probability) pairs, best first.
    """

    language: str
    confidence: float
    explicit: bool
    candidates: tuple[tuple[str, float], ...]


# --------------------------------------------------------------------------- text


def _letters_and_marks(text: str) -> str:
    """Keep letters and combining marks (Thai vowels are marks), the rest becomes space."""
    return "".join(c if unicodedata.category(c)[0] in "LM" else " " for c in text)


def _normalize_token(token: str) -> str:
    """Fold a token the way people type it: lower case, no Latin accents, "okkk" = "ok"."""
    return _REPEATS.sub(r"\1", fold(_letters_and_marks(token)).replace(" ", ""))


@lru_cache(maxsize=4096)
def _unicode_script(char: str, script_names: tuple[tuple[str, str], ...]) -> str | None:
    """Script of a letter, from the first word of its Unicode name ("CYRILLIC ...")."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if not name:
        return None
    word = name.split(" ", 1)[0]
    return dict(script_names).get(word, word.title())


# ----------------------------------------------------------------------- requests


class LanguageRequests:
    """Finds an explicit request for a language: "español", "in English please".

    A message is a request when it names exactly one language and every other word
    in it is a request word ("please", "habla", "по", "说"...). Names are found as
    substrings, longest first, because Chinese and Thai do not separate words
    ("说中文", "ภาษาไทยครับ"); what is left must then split into request words.
    """

    def __init__(
        self,
        aliases: Mapping[str, Iterable[str]],
        request_words: Iterable[str],
        max_words: int = 10,
    ) -> None:
        """Build the lookup tables.

        Args:
            aliases: Language code -> names people use for it.
            request_words: Words and phrases that may surround a name in a request.
            max_words: Longer messages are never plain requests.
        """
        pairs = {(self._key(alias), code) for code, names in aliases.items() for alias in names}
        self._aliases = sorted(((alias, code) for alias, code in pairs if alias), key=lambda p: -len(p[0]))
        keys = {self._key(word) for word in request_words} - {""}
        self._phrases = sorted((k for k in keys if " " in k), key=len, reverse=True)
        self._words = frozenset(k for k in keys if " " not in k)
        self._longest_word = max((len(w) for w in self._words), default=0)
        self._max_words = max_words

    @staticmethod
    def _key(text: str) -> str:
        return " ".join(fold(_letters_and_marks(text)).split())

    def find(self, text: str) -> str | None:
        """The one language ``text`` asks for, or None."""
        key = f" {self._key(text)} "
        if not key.strip() or len(key.split()) > self._max_words:
            return None
        found: set[str] = set()
        for alias, code in self._aliases:
            if alias in key:
                found.add(code)
                key = key.replace(alias, " ")
        if len(found) != 1:
            return None
        for phrase in self._phrases:
            key = key.replace(f" {phrase} ", "  ")
        if all(self._splits_into_words(token) for token in key.split()):
            return found.pop()
        return None

    def _splits_into_words(self, token: str) -> bool:
        """Whether ``token`` is a sequence of request words ("porfavor", "请说")."""
        reachable = [True] + [False] * len(token)
        for end in range(1, len(token) + 1):
            start_min = max(0, end - self._longest_word)
            reachable[end] = any(
                reachable[start] and token[start:end] in self._words for start in range(start_min, end)
            )
        return reachable[-1]


# ------------------------------------------------------------------- naive Bayes


class CharNgramNaiveBayes:
    """Multinomial naive Bayes over the character n-grams of folded words.

    Trained on the project's NLU examples, it learns how people write to Marigold
    (no accents, slang, English mixed in). Scores are divided by the number of
    n-gram orders, since every character takes part in that many n-grams: otherwise
    the correlated n-grams make it wildly overconfident next to lingua.
    """

    def __init__(self, orders: tuple[int, ...] = (1, 2, 3, 4, 5), alpha: float = 0.1) -> None:
        """Args: orders: n-gram lengths; alpha: additive smoothing per n-gram."""
        self.orders = orders
        self.alpha = alpha
        self.languages: tuple[str, ...] = ()
        self._index: dict[str, int] = {}
        self._log_probs = np.zeros((0, 0))
        self._words: frozenset[str] = frozenset()

    def words(self, text: str) -> list[str]:
        """Folded words of ``text``."""
        return [w for w in (_normalize_token(t) for t in text.split()) if w]

    def ngrams(self, word: str) -> Iterable[str]:
        """The n-grams of `` word `` with its boundaries."""
        padded = f" {word} "
        for n in self.orders:
            for i in range(max(1, len(padded) - n + 1)):
                gram = padded[i : i + n]
                if gram.strip():
                    yield gram

    def fit(self, examples: Mapping[str, Iterable[str]]) -> CharNgramNaiveBayes:
        """Learn from ``examples`` (language -> texts); languages without text are left out."""
        counts: dict[str, Counter[str]] = {}
        words: set[str] = set()
        for code, texts in examples.items():
            counter: Counter[str] = Counter()
            for text in texts:
                for word in self.words(text):
                    words.add(word)
                    counter.update(self.ngrams(word))
            if counter:
                counts[code] = counter
        self.languages = tuple(counts)
        vocabulary = sorted(set().union(*counts.values())) if counts else []
        self._index = {gram: i for i, gram in enumerate(vocabulary)}
        matrix = np.full((len(vocabulary), len(self.languages)), self.alpha, dtype=np.float64)
        for j, code in enumerate(self.languages):
            for gram, count in counts[code].items():
                matrix[self._index[gram], j] += count
        matrix /= matrix.sum(axis=0, keepdims=True) if len(vocabulary) else 1.0
        self._log_probs = np.log(matrix).astype(np.float32)
        self._words = frozenset(words)
        return self

    def probabilities(
        self,
        text: str,
        switching: Mapping[str, Mapping[str, float]] | None = None,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> dict[str, float]:
        """Posterior over the trained languages with a uniform prior; {} if untrained.

        Args:
            text: The message.
            switching: Host language -> guest language -> share of a message's
                words that may come from the guest (code-switching). Each word is
                then scored as "a word of this language or a borrowed one", so
                "necesito help por favor" stays Spanish.
            weights: Exponents for the evidence of a word seen in training and of an
                unseen one.
        """
        if not self.languages:
            return {}
        shares = _switching_matrix(self.languages, switching or {})
        total = np.zeros(len(self.languages))
        seen = False
        for word in self.words(text):
            rows = [self._index[g] for g in self.ngrams(word) if g in self._index]
            if not rows:
                continue
            seen = True
            scores = self._log_probs[rows].sum(axis=0, dtype=np.float64) / len(self.orders)
            scores *= weights[0] if word in self._words else weights[1]
            total += np.log(_mix_borrowed(np.exp(scores - scores.max()), shares))
        if not seen:
            return {}
        probabilities = np.exp(total - total.max())
        probabilities /= probabilities.sum()
        return dict(zip(self.languages, (float(p) for p in probabilities), strict=True))


def _mix_borrowed(likelihoods: Floats, shares: Floats) -> Floats:
    """Likelihood of a word (or message) under each language, allowing borrowing.

    ``likelihoods[i]`` is the likelihood under language i alone; a message in
    language i is made of language k's words with probability ``shares[i, k]``
    (zero diagonal) and of its own words otherwise.
    """
    result: Floats = (1.0 - shares.sum(axis=1)) * likelihoods + shares @ likelihoods
    return result


def _switching_matrix(languages: tuple[str, ...], switching: Mapping[str, Mapping[str, float]]) -> Floats:
    """Host x guest code-switching shares for ``languages``, zero on the diagonal."""
    matrix = np.array(
        [[switching.get(host, {}).get(guest, 0.0) for guest in languages] for host in languages],
        dtype=np.float64,
    )
    np.fill_diagonal(matrix, 0.0)
    return matrix


def load_nlu_examples(nlu_dir: Path, languages: Iterable[str]) -> dict[str, list[str]]:
    """The ``examples`` of every intent in ``<nlu_dir>/<code>.yml``, per language.

    Missing or broken files are skipped with a warning: detection still works from
    the other signals, only less well on SMS-style text.
    """
    examples: dict[str, list[str]] = {}
    for code in languages:
        path = nlu_dir / f"{code}.yml"
        if not path.is_file():
            continue
        try:
            texts = [text for _, text in intent_examples(path)]
        except (OSError, yaml.YAMLError) as error:
            logger.warning("Skipping NLU file %s for language detection: %s", path.name, error)
            continue
        if texts:
            examples[code] = texts
    return examples


# ---------------------------------------------------------------------- detector


def _romanised_form(token: str) -> str:
    """A token as romanisations are matched: lower case, no punctuation, no apostrophes
    (a soft sign is often typed as one: "pomosh'")."""
    return token.lower().strip(_PUNCTUATION).replace("'", "")


@dataclass(frozen=True)
class Transliteration:
    """How one language is written in Latin letters (detection.yml ``transliteration``).

    A word is marked by a pattern (Arabizi's digit letters), by a list of the
    romanisation's own words (``words``; ``neutral_words`` are its words that Latin-script
    languages also use), or by being one of the language's common words spelt out in
    Latin letters (``romanisation``; the :class:`~bot.romanisation.Reading` of the
    spellings is built by the detector from the word lists, see
    :meth:`LanguageDetector.transliterations`).
    """

    word: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    likelihood_ratio: float
    max_words: int
    words: frozenset[str] = frozenset()
    neutral_words: frozenset[str] = frozenset()
    romanisation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    common_words: int = 0
    min_share: float = 0.0
    reading: Reading | None = None

    def marks(self, token: str) -> bool:
        """True for a word written in this romanisation ("ta3bana", not "3am"; "pomogite")."""
        word = _romanised_form(token)
        return self._by_pattern(word) or self._by_word(word)

    def _by_pattern(self, word: str) -> bool:
        return bool(self.word and self.word.match(word)) and not (self.exclude and self.exclude.match(word))

    def _by_word(self, word: str) -> bool:
        return word in self.words or (self.reading is not None and self.reading.points_here(word))

    def _neutral(self, word: str) -> bool:
        return word in self.neutral_words or (self.reading is not None and word in self.reading.neutral)

    def count(self, words: list[str]) -> int:
        """How many of a message's words are marked. A pattern is telling by itself; the
        romanisation's words count only when they are at least ``min_share`` of the
        words that say something (a single "kak" among English words is not Russian;
        "ya" and "ne" say nothing either way)."""
        forms = [_romanised_form(token) for token in words]
        patterned = [self._by_pattern(form) for form in forms]
        by_pattern = sum(patterned)
        by_word = sum(self._by_word(form) for form, match in zip(forms, patterned, strict=True) if not match)
        telling = sum(not self._neutral(form) for form in forms)
        return by_pattern + (by_word if by_word >= self.min_share * telling else 0)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Transliteration:
        """One entry of the section."""
        return cls(
            word=re.compile(str(raw["word"])) if raw.get("word") else None,
            exclude=re.compile(str(raw["exclude"])) if raw.get("exclude") else None,
            likelihood_ratio=float(raw["likelihood_ratio"]),
            max_words=int(raw["max_words"]),
            words=frozenset(str(word).lower() for word in raw.get("words") or ()),
            neutral_words=frozenset(str(word).lower() for word in raw.get("neutral_words") or ()),
            romanisation={
                str(letter): tuple("" if s is None else str(s) for s in spellings)
                for letter, spellings in (raw.get("romanisation") or {}).items()
            },
            common_words=int(raw.get("common_words", 0)),
            min_share=float(raw.get("min_share", 0.0)),
        )


@dataclass(frozen=True)
class DetectionData:
    """The writing-system facts of ``data/languages/detection.yml``."""

    script_names: tuple[tuple[str, str], ...]
    foreign_word_probability: Mapping[str, float]
    code_switching: Mapping[str, Any]
    letters: Mapping[str, frozenset[str]]
    core_letters: Mapping[str, Mapping[str, float]]
    neutral_tokens: frozenset[str]
    transliteration: Mapping[str, Transliteration] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DETECTION_FILE) -> DetectionData:
        """Read the file (all sections are optional)."""
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            script_names=tuple((str(k), str(v)) for k, v in (raw.get("unicode_script_names") or {}).items()),
            foreign_word_probability={
                str(k): float(v) for k, v in (raw.get("foreign_word_probability") or {}).items()
            },
            code_switching=raw.get("code_switching") or {},
            letters={
                str(code): frozenset(unicodedata.normalize("NFC", str(c)).lower() for c in chars)
                for code, chars in (raw.get("letters") or {}).items()
            },
            core_letters={
                str(code): {str(c): float(f) for c, f in freqs.items()}
                for code, freqs in (raw.get("core_letters") or {}).items()
            },
            neutral_tokens=frozenset(_normalize_token(str(t)) for t in raw.get("neutral_tokens") or []),
            transliteration={
                str(code): Transliteration.parse(entry)
                for code, entry in (raw.get("transliteration") or {}).items()
            },
        )


@dataclass(frozen=True)
class _TextFacts:
    """What the rules need to know about a message."""

    content: str  # the words that may carry language evidence, as written
    words: int  # how many
    script_texts: Mapping[str, str]  # script -> the words with letters of it
    word_scripts: Counter[str]  # script -> number of words with letters of it
    letter_scripts: Counter[str]  # script -> number of letters of it
    characters: frozenset[str]  # distinct lower-case characters
    transliterated: Mapping[str, int] = field(default_factory=dict)  # code -> romanised words


class LanguageDetector:
    """Combines the evidence for one message; see the module docstring.

    Build one per process (``default_detector()``): lingua's models and the naive
    Bayes tables are loaded at first use and kept.
    """

    def __init__(
        self,
        scripts: Mapping[str, str],
        default: str,
        data: DetectionData,
        requests: LanguageRequests,
        nlu_dir: Path | None = NLU_DIR,
    ) -> None:
        """Args:
        scripts: Language code -> script name, in configuration order.
        default: Language used when nothing is known.
        data: Writing-system facts.
        requests: Finder for explicit requests.
        nlu_dir: Where ``<code>.yml`` NLU files are (None: no naive Bayes).
        """
        self.languages = tuple(scripts)
        self.scripts = {code: script.lower() for code, script in scripts.items()}
        self.default = default if default in scripts else self.languages[0]
        self.data = data
        self.requests = requests
        self._nlu_dir = nlu_dir
        self._lock = threading.Lock()
        self._lingua: Any = None
        self._lingua_codes: dict[Any, str] = {}
        self._nb: CharNgramNaiveBayes | None = None
        self._transliterations: Mapping[str, Transliteration] | None = None
        shared_script = Counter(self.scripts.values())
        self.word_frequencies = WordFrequencyModel(
            code for code in self.languages if shared_script[self.scripts[code]] > 1
        )
        self._switching = _code_switching(data.code_switching, self.languages)
        self._switching_matrix = _switching_matrix(self.languages, self._switching)
        self._marked = {
            c: frozenset(code for code, chars in data.letters.items() if c in chars)
            for chars in data.letters.values()
            for c in chars
        }

    @classmethod
    def from_config(cls, nlu_dir: Path | None = NLU_DIR) -> LanguageDetector:
        """A detector for the languages of ``config/languages.yml``."""
        aliases_raw: dict[str, Any] = yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8"))
        languages = supported_languages()
        aliases: dict[str, list[str]] = {
            code: [info.name, *(aliases_raw.get("aliases") or {}).get(code, [])]
            for code, info in languages.items()
        }
        request_words = [
            str(word) for words in (aliases_raw.get("request_words") or {}).values() for word in words
        ]
        return cls(
            scripts={code: info.script for code, info in languages.items()},
            default=default_language(),
            data=DetectionData.load(),
            requests=LanguageRequests(aliases, request_words),
            nlu_dir=nlu_dir,
        )

    # -- lazily built models ------------------------------------------------------

    def _load(self) -> None:
        """Build lingua and train the naive Bayes once (thread-safe)."""
        if self._nb is not None:
            return
        with self._lock:
            if self._nb is not None:
                return
            self._lingua, self._lingua_codes = _build_lingua(self.languages)
            examples = load_nlu_examples(self._nlu_dir, self.languages) if self._nlu_dir else {}
            self._nb = CharNgramNaiveBayes().fit(examples)

    def preload(self) -> None:
        """Build lingua, train the naive Bayes and read the word lists now rather than at first use."""
        self._load()
        self.word_frequencies.preload()
        self.transliterations()

    def transliterations(self) -> Mapping[str, Transliteration]:
        """detection.yml's romanisations, with the romanised common words of those that
        spell them out (built from the word lists at first use)."""
        if self._transliterations is None:
            with self._lock:
                if self._transliterations is None:
                    self._transliterations = self._with_romanised_words(self.data.transliteration)
        return self._transliterations

    def _with_romanised_words(self, rules: Mapping[str, Transliteration]) -> dict[str, Transliteration]:
        frequencies = self.word_frequencies
        spelled = {
            code: spelled_out(frequencies.most_common(code, rule.common_words), rule.romanisation)
            for code, rule in rules.items()
            if rule.romanisation and rule.common_words
        }
        latin = [code for code, script in self.scripts.items() if script == "latin"]

        def taken(spelling: str) -> bool:
            return frequencies.highest_frequency(spelling, latin) >= TAKEN_FREQUENCY

        readings = romanised_readings(spelled, taken)
        return {
            code: replace(rule, reading=readings[code]) if code in readings else rule
            for code, rule in rules.items()
        }

    def lingua_probabilities(self, text: str) -> dict[str, float]:
        """lingua's confidence per configured language it knows."""
        self._load()
        if self._lingua is None:
            return {}
        return {
            self._lingua_codes[value.language]: float(value.value)
            for value in self._lingua.compute_language_confidence_values(text)
            if value.language in self._lingua_codes
        }

    @property
    def naive_bayes(self) -> CharNgramNaiveBayes:
        """The classifier trained on the NLU examples (trained on first access)."""
        self._load()
        assert self._nb is not None
        return self._nb

    # -- detection ----------------------------------------------------------------

    def detect(self, text: str, previous: str | None = None) -> LanguageGuess:
        """The most probable language of ``text`` given the conversation's ``previous`` one."""
        previous = _known_code(previous, self.languages)
        requested = self.requests.find(text[:MAX_CHARS])
        if requested is not None:
            return LanguageGuess(requested, 1.0, True, ((requested, 1.0),))
        facts = self._facts(text[:MAX_CHARS])
        if not facts.letter_scripts:
            fallback = previous or self.default
            return LanguageGuess(
                fallback, NO_EVIDENCE_CONFIDENCE, False, ((fallback, NO_EVIDENCE_CONFIDENCE),)
            )
        scores = self.evidence(facts)
        if previous is not None:
            others = (1.0 - PRIOR_PREVIOUS) / max(1, len(self.languages) - 1)
            for code in self.languages:
                scores[code] += math.log(PRIOR_PREVIOUS if code == previous else others)
        posterior = _softmax(scores)
        ranked = sorted(posterior.items(), key=lambda item: -item[1])
        best, confidence = ranked[0]
        return LanguageGuess(
            best,
            round(confidence, 4),
            False,
            tuple((code, round(p, 4)) for code, p in ranked[:3]),
        )

    def evidence(self, facts: _TextFacts) -> dict[str, float]:
        """Log-likelihood of the text under each language, all signals added up.

        What the words say (models, letters) is bounded by code-switching: a message
        in language l may be made of another language's words, with probability
        share**words. Scripts carry their own per-word mixing probabilities.
        """
        letters = self._letter_evidence(facts)
        models = self._model_evidence(facts)
        words = np.array([letters[c] + models[c] for c in self.languages])
        shares = self._switching_matrix**facts.words
        bounded = np.log(_mix_borrowed(np.exp(words - words.max()), shares))
        script = self._script_evidence(facts)
        return {
            code: float(value) + script[code] for code, value in zip(self.languages, bounded, strict=True)
        }

    def _facts(self, text: str) -> _TextFacts:
        text = unicodedata.normalize("NFC", _URL.sub(" ", text))
        words: list[str] = []
        script_words: dict[str, list[str]] = {}
        letter_scripts: Counter[str] = Counter()
        for token in text.split():
            normalized = _normalize_token(token)
            if not normalized or normalized in self.data.neutral_tokens:
                continue
            scripts = [_unicode_script(c, self.data.script_names) for c in token]
            letters = Counter(s.lower() for s in scripts if s)
            if not letters:
                continue
            words.append(token)
            letter_scripts.update(letters)
            for script in letters:
                script_words.setdefault(script, []).append(token)
        content = " ".join(words)
        transliterated = {
            code: count for code, rule in self.transliterations().items() if (count := rule.count(words))
        }
        return _TextFacts(
            content=content,
            words=len(words),
            script_texts={script: " ".join(ws) for script, ws in script_words.items()},
            word_scripts=Counter({script: len(ws) for script, ws in script_words.items()}),
            letter_scripts=letter_scripts,
            characters=frozenset(content.lower()),
            transliterated=transliterated,
        )

    def _script_evidence(self, facts: _TextFacts) -> dict[str, float]:
        """Each word in a script a language is not written in costs that language,
        unless the message is written in that language's own romanisation."""
        probability = self.data.foreign_word_probability
        default = probability.get("default", 0.001)
        lowered = {k.lower(): v for k, v in probability.items()}
        scores = {
            code: sum(
                count * math.log(lowered.get(script, default))
                for script, count in facts.word_scripts.items()
                if script != self.scripts[code] and not (script == "latin" and code in facts.transliterated)
            )
            for code in self.languages
        }
        for code, count in facts.transliterated.items():
            rule = self.transliterations()[code]
            if code in scores:
                scores[code] += min(count, rule.max_words) * math.log(rule.likelihood_ratio)
        return scores

    def _letter_evidence(self, facts: _TextFacts) -> dict[str, float]:
        """Marked letters a language does not use, and core letters it would have used."""
        scores = {code: 0.0 for code in self.languages}
        for char in facts.characters & self._marked.keys():
            users = self._marked[char]
            scripts = {self.scripts[code] for code in users if code in self.scripts}
            for code in self.data.letters.keys() & scores.keys():
                if self.scripts[code] in scripts and code not in users:
                    scores[code] += math.log(FOREIGN_LETTER_FACTOR)
        for code, frequencies in self.data.core_letters.items():
            if code not in scores or facts.characters & frequencies.keys():
                continue
            letters = facts.letter_scripts.get(self.scripts[code], 0)
            absent = max(1.0 - sum(frequencies.values()), 1e-6) ** letters
            scores[code] += math.log(max(absent, MISSING_CORE_LETTERS_FLOOR))
        return scores

    def _model_evidence(self, facts: _TextFacts) -> dict[str, float]:
        """lingua's and the naive Bayes' votes, script by script.

        The languages of each script in the text compete on the words of that script
        only ("ราคา FRN110G1S Co." is Thai by its Thai word; the Latin ones are the
        script evidence's business). A model says nothing about a language whose
        script is not in the text (it cannot read transliteration): such languages
        get the model's average, so only the script evidence speaks about them.
        """
        nb = self.naive_bayes
        weights = (NB_WEIGHT_SEEN, NB_WEIGHT_UNSEEN)
        models: list[Callable[[str, list[str]], dict[str, float]]] = [
            lambda text, members: self.lingua_probabilities(text),
            lambda text, members: self.word_frequencies.probabilities(
                _letters_and_marks(text).split(), members, self._switching
            ),
        ]
        if nb.languages:
            models.append(lambda text, members: nb.probabilities(text, self._switching, weights))
        scores = {code: 0.0 for code in self.languages}
        for model in models:
            values: dict[str, float] = {}
            for script, text in facts.script_texts.items():
                members = [c for c in self.languages if self.scripts[c] == script]
                probabilities = model(text, members) if members else {}
                known = {c: probabilities[c] for c in members if c in probabilities}
                total = sum(known.values())
                if total <= 0:
                    continue
                share = 1.0 / len(known)
                for code in members:
                    p = known[code] / total if code in known else share
                    values[code] = (1 - MODEL_SMOOTHING) * p + MODEL_SMOOTHING * share
            if not values:
                continue
            average = sum(values.values()) / len(values)
            for code in self.languages:
                scores[code] += math.log(values.get(code, average))
        return scores


def _code_switching(raw: Mapping[str, Any], languages: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Host -> guest -> share, from detection.yml's ``code_switching`` section."""
    default = float(raw.get("default", 0.0))
    guests = {code: float(raw.get(code, default)) for code in languages}
    overrides: Mapping[str, Mapping[str, float]] = raw.get("within") or {}
    return {
        host: {
            guest: float(overrides.get(host, {}).get(guest, share))
            for guest, share in guests.items()
            if guest != host
        }
        for host in languages
    }


def _known_code(code: str | None, languages: Iterable[str]) -> str | None:
    """``code`` as a configured language code ("es-MX" -> "es"), or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in set(languages) else None


def _softmax(scores: Mapping[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exps = {code: math.exp(s - top) for code, s in scores.items()}
    total = sum(exps.values())
    return {code: e / total for code, e in exps.items()}


def _build_lingua(codes: Iterable[str]) -> tuple[Any, dict[Any, str]]:
    """lingua restricted to the configured languages it knows (None if fewer than two).

    High-accuracy mode with models loaded lazily: measured on the public benchmark,
    low-accuracy mode (20 MB) loses 8 points on single words and 6 on word pairs;
    preloading only costs memory (about 310 MB instead of 230 MB) for the same results.
    """
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    mapping: dict[Any, str] = {}
    for code in codes:
        try:
            mapping[Language.from_iso_code_639_1(IsoCode639_1.from_str(code))] = code
        except (ValueError, AttributeError):
            logger.info("lingua does not know language %s; other signals only", code)
    if len(mapping) < 2:
        return None, {}
    return LanguageDetectorBuilder.from_languages(*mapping).build(), mapping


# ------------------------------------------------------------------- module API

_default: LanguageDetector | None = None
_default_lock = threading.Lock()


def default_detector() -> LanguageDetector:
    """The process-wide detector for the configured languages, built on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = LanguageDetector.from_config()
    return _default


def detect(text: str, previous: str | None = None) -> LanguageGuess:
    """The language of ``text``, keeping ``previous`` unless the text clearly says otherwise.

    Args:
        text: One message as the person typed it.
        previous: The conversation's language so far, if any.

    Returns:
        The best guess. Empty, emoji-only or digits-only text (and "ok"-like words that
        every language uses) keep ``previous`` (or the default) with confidence 0.
    """
    return default_detector().detect(text, previous)


def requested_language(text: str) -> str | None:
    """The language ``text`` explicitly asks for ("español", "in English please"), if any."""
    return default_detector().requests.find(text[:MAX_CHARS])


def in_native_script(text: str, language: str | None) -> str | None:
    """``text`` with the words romanised in ``language`` written back in its own script
    ("pomogite on menya bet" -> "помогите он меня бьет"); None when the language has no
    romanised reading (detection.yml) or no word of the text is one.

    The risk lexicons and most training messages are written in the language's own
    script; this lets them read a message typed on a phone without that keyboard.
    """
    detector = default_detector()
    declared = detector.data.transliteration.get(language or "")
    if declared is None or not declared.romanisation:  # no need to build the readings
        return None
    reading = detector.transliterations()[str(language)].reading
    return reading.in_native_script(text) if reading is not None else None
