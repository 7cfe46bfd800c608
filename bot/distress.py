"""How much danger and distress a message shows, in any of Marigold's languages.

Every incoming message is assessed here, while the bot talks and while a counselor
does, so that imminent danger reaches the emergency number and the top of the
counselor queue whatever else the dialogue is doing.

The words live in data, not code:

* ``data/risk/signals.yml`` names each signal (``documents_confiscated``...), its level,
  the published indicator lists behind it, what Rasa intents may add, and when the
  learned classifier (``bot/risk_model.py``) raises a message or holds cues back.
* ``data/risk/lexicon/<code>.yml`` lists, per language, the cues for each signal (plain
  phrases or ``re:`` patterns) and the negation words that cancel a cue.

Text and lexicon go through the same :func:`normalise`, so a lexicon is written once,
in lower case and without accents, and matches "Took my PASSPORT!!", "took my
passport" and "tóok my passpórt" alike. This module is pure Python (no Rasa import):
``bot/nlu/`` wraps it as a Rasa component.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Union

import yaml

from bot.language_config import supported_languages
from bot.risk_model import at_least, default_classifier
from bot.word_segmentation import segment_words

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
SIGNALS_FILE = ROOT / "data" / "risk" / "signals.yml"
LEXICON_DIR = ROOT / "data" / "risk" / "lexicon"

#: The language whose lexicon is always consulted: people mix English into messages
#: in every other language ("my boss took my passport", "pls help").
FALLBACK_LANGUAGE = "en"

#: Only the head and the tail of a very long message are scanned. A person in danger
#: says it early or signs off with it; scanning 100 kB of pasted text would stall the
#: NLU pipeline for everyone else.
SCAN_HEAD = 4000
SCAN_TAIL = 1000

#: Scripts written without spaces between words: cues match as substrings and the
#: negation window counts characters, not words.
UNSPACED_SCRIPTS = frozenset({"Han", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan", "Japanese"})

#: Default negation windows: tokens before a cue (spaced scripts) / characters of gap
#: between a negation and a cue (unspaced scripts). A lexicon may set its own.
DEFAULT_NEGATION_WINDOW_WORDS = 3
DEFAULT_NEGATION_WINDOW_CHARS = 0

#: Where a level's score band starts; scores within a band grow with the cues found.
_BAND_START = {"none": 0.0, "elevated": 0.25, "high": 0.5, "imminent": 0.75}
_BAND_WIDTH = 0.25

# Characters ending a clause: a negation never reaches across them ("no, they took my
# passport" is not a negated cue).
_CLAUSE_MARK = "."
_CLAUSE_CHARS = frozenset(".,;:!?\u2026\u3002\u3001\uff61\u060c\u061b\u061f\u06d4\u0964\u0e2f")
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u02bb`\u00b4")
# Letters NFKD does not decompose into base + accent.
_LATIN_FOLD = str.maketrans(
    {"đ": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ŀ": "l", "ħ": "h", "þ": "th"}
)
# Cyrillic ё/е and the Arabic letter variants people type interchangeably on phones.
_SCRIPT_FOLD = str.maketrans(
    {
        "ё": "е",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ـ": None,  # tatweel (decorative stretching)
        # Arabic short vowels and shadda: optional in writing, rarely typed on phones.
        **{chr(code): None for code in range(0x064B, 0x0653)},
        "\u0670": None,
        "\u200b": None,  # zero-width space (common in Thai text)
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)
_ELONGATED = re.compile(r"([a-z\u0430-\u044f\u0456\u0457\u0454\u0491])\1{2,}")
_SPACES = re.compile(r"\s+")


class RiskLevel(str, Enum):
    """How urgently a person needs help, lowest to highest."""

    NONE = "none"
    ELEVATED = "elevated"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        """Position in the order none < elevated < high < imminent (0..3)."""
        return _ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank >= other.rank

    def at_least(self, other: RiskLevel) -> bool:
        """True if this level is ``other`` or more urgent."""
        return self.rank >= other.rank

    @classmethod
    def max(cls, *levels: RiskLevel | str | None) -> RiskLevel:
        """The most urgent of ``levels`` (``NONE`` when there are none)."""
        found = [cls(level) for level in levels if level is not None]
        return max(found, key=lambda level: level.rank, default=cls.NONE)


_ORDER = (RiskLevel.NONE, RiskLevel.ELEVATED, RiskLevel.HIGH, RiskLevel.IMMINENT)


@dataclass(frozen=True)
class RiskAssessment:
    """The risk seen in one message (never below the conversation's earlier level).

    Attributes:
        level: The most urgent level reached.
        score: 0..1, monotone in the level and in the number of cues found, so that
            counselors' queues can order people within a level.
        signals: Names of the signals found in this message (see signals.yml),
            most urgent first.
    """

    level: RiskLevel
    score: float
    signals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``marigold analyze``, Rasa message metadata)."""
        return {"level": self.level.value, "score": round(self.score, 3), "signals": list(self.signals)}


Previous = Union[RiskLevel, RiskAssessment, str, None]


# --------------------------------------------------------------------------- text


def _is_latin(char: str) -> bool:
    """True for letters of the Latin script (the ones whose accents are folded)."""
    code = ord(char)
    return (
        char.isascii()
        or 0x00C0 <= code <= 0x024F  # Latin-1 supplement, Extended-A/B
        or 0x1E00 <= code <= 0x1EFF  # Latin Extended Additional (Vietnamese)
    )


def _is_mark(char: str) -> bool:
    """True for combining marks (Unicode category M*).

    Not ``unicodedata.combining()``: it is 0 for some marks that are letters' vowels,
    such as Thai sara a (U+0E31) and thanthakhat (U+0E4C), which must be kept.
    """
    return unicodedata.category(char).startswith("M")


def _fold_accents(text: str) -> str:
    """Drop combining marks that sit on Latin letters; keep all others.

    Accents are folded on Latin letters only: people type Spanish, Romanian or
    Vietnamese without them on many phones, whereas Thai vowels and the Cyrillic
    breve of "й" are letters, not decoration.
    """
    out: list[str] = []
    base_is_latin = False
    for char in unicodedata.normalize("NFD", text):
        if _is_mark(char):
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(char)
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _is_unspaced_char(char: str) -> bool:
    """True for characters of scripts written without spaces (Han, kana, Thai...)."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x1780 <= code <= 0x17FF  # Khmer
    )


def _drop_unspaced_spaces(text: str) -> str:
    """Remove spaces between two characters of unspaced scripts.

    "我 被 锁 在 房间" and "我被锁在房间" must match the same cue; Thai writers put a
    space between phrases that a cue may span.
    """
    if " " not in text:
        return text
    chars = list(text)
    out: list[str] = []
    for i, char in enumerate(chars):
        if (
            char == " "
            and out
            and _is_unspaced_char(out[-1])
            and i + 1 < len(chars)
            and _is_unspaced_char(chars[i + 1])
        ):
            continue
        out.append(char)
    return "".join(out)


def _fold(text: str) -> str:
    """The character-level folding shared by text, phrases and regex patterns."""
    text = unicodedata.normalize("NFKC", text)
    text = _fold_accents(text).translate(_LATIN_FOLD).translate(_SCRIPT_FOLD)
    return "".join(char for char in text if char not in _APOSTROPHES)


def normalise(text: str) -> str:
    """Bring a message or a lexicon phrase to the form cues are matched on.

    Lower case, Unicode NFKC, accents folded on Latin letters, Arabic letter variants
    and Cyrillic ё unified, apostrophes dropped (SMS writes "didnt", "jai", "im"),
    letters repeated three times or more collapsed ("pleeease" -> "please"), emoji and
    symbols dropped, clause punctuation kept as a single "." (negations stop there),
    whitespace collapsed, spaces inside Chinese/Thai runs removed.

    Args:
        text: Any text.

    Returns:
        The normalised text ("" for emoji-only or blank input).
    """
    text = _fold(text.casefold())
    out: list[str] = []
    for char in text:
        if char in _CLAUSE_CHARS:
            out.append(f" {_CLAUSE_MARK} ")
        elif char.isalnum() or _is_mark(char) or char.isspace():
            out.append(char)
        else:
            # Emoji, symbols, quotes, hyphens, brackets: word separators, nothing more.
            out.append(" ")
    text = _ELONGATED.sub(r"\1", "".join(out))
    text = _SPACES.sub(" ", text).strip()
    # Runs of clause marks (". . .") are one boundary; a text of marks only is empty.
    text = re.sub(r"(?:\. ?){2,}", ". ", text).strip()
    if not any(char.isalnum() for char in text):
        return ""
    return _drop_unspaced_spaces(text)


def normalise_pattern(pattern: str) -> str:
    """Fold a lexicon regex like the text, without breaking its syntax.

    Accents and apostrophes are folded (the text has none); case is left alone because
    lower-casing would turn ``\\W`` into ``\\w``: patterns are written in lower case.
    """
    return _fold(pattern)


# ------------------------------------------------------------------------ lexicons


@dataclass(frozen=True)
class Signal:
    """One entry of signals.yml."""

    name: str
    level: RiskLevel
    group: str
    description: str = ""


@dataclass(frozen=True)
class IntentRule:
    """An intent that raises the level when Rasa is confident enough."""

    intent: str
    level: RiskLevel
    min_confidence: float
    signal: str


@dataclass(frozen=True)
class ClassifierRule:
    """The learned classifier's say: at ``min_probability`` of ``level`` or above, it raises.

    ``min_probability_when_high``, if set, is a lower bar for a message that something
    (a cue, an intent, the classifier) already rates high: telling imminent from high
    costs no false alarm on a benign message, only a danger path for a high one.
    """

    level: RiskLevel
    min_probability: float
    signal: str
    min_probability_when_high: float | None = None


@dataclass(frozen=True)
class BenignRule:
    """The learned classifier's restraint: at ``min_probability`` that a message of
    ``min_words`` to ``max_words`` words is benign (none or elevated), lexicon cues raise
    it no higher than ``cap``."""

    min_probability: float
    min_words: int
    max_words: int
    cap: RiskLevel
    signal: str


@dataclass(frozen=True)
class NegatedRule:
    """The lexicon's negation over the classifier: when, in a message of at most
    ``max_words`` words, a cue of ``min_level`` or above was found only negated ("he did
    not take my passport") and no cue of that level stands, the classifier may not raise
    the message; ``signal`` says so."""

    min_level: RiskLevel
    max_words: int
    signal: str

    def stands(self, found: Mapping[str, RiskLevel]) -> bool:
        """Whether a signal of ``min_level`` or above was found, so no denial holds."""
        return any(level >= self.min_level for level in found.values())


@dataclass(frozen=True)
class Catalogue:
    """signals.yml, loaded."""

    signals: Mapping[str, Signal]
    intents: Mapping[str, IntentRule]
    classifier: tuple[ClassifierRule, ...] = ()  # most urgent level first
    benign: BenignRule | None = None
    negated: NegatedRule | None = None


@dataclass(frozen=True)
class Cue:
    """One compiled lexicon entry."""

    signal: str
    pattern: re.Pattern[str]
    source: str


@dataclass(frozen=True)
class Lexicon:
    """One language's compiled cues and negations."""

    language: str
    unspaced: bool
    negation_window: int
    cues: tuple[Cue, ...]
    negations: tuple[str, ...]
    negation_pattern: re.Pattern[str] | None = field(default=None)
    negation_stops: frozenset[str] = frozenset()
    elision_pattern: re.Pattern[str] | None = None

    def view(self, text: str) -> str:
        """The normalised text as this language's cues see it (elisions joined)."""
        if self.elision_pattern is None:
            return text
        return self.elision_pattern.sub(r"\1", text)


@lru_cache(maxsize=1)
def load_catalogue(path: Path = SIGNALS_FILE) -> Catalogue:
    """Load signals.yml once (module-level cache)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    signals = {
        name: Signal(
            name, RiskLevel(entry["level"]), str(entry.get("group", "")), str(entry.get("description", ""))
        )
        for name, entry in (raw.get("signals") or {}).items()
    }
    intents = {
        intent: IntentRule(
            intent, RiskLevel(rule["level"]), float(rule["min_confidence"]), str(rule["signal"])
        )
        for intent, rule in (raw.get("intents") or {}).items()
    }
    classifier = sorted(
        (
            ClassifierRule(
                RiskLevel(level),
                float(rule["min_probability"]),
                str(rule["signal"]),
                float(rule["min_probability_when_high"]) if "min_probability_when_high" in rule else None,
            )
            for level, rule in (raw.get("classifier") or {}).items()
        ),
        key=lambda rule: -rule.level.rank,
    )
    benign_raw = raw.get("classifier_benign")
    benign = (
        BenignRule(
            float(benign_raw["min_probability"]),
            int(benign_raw["min_words"]),
            int(benign_raw["max_words"]),
            RiskLevel(benign_raw["cap"]),
            str(benign_raw["signal"]),
        )
        if benign_raw
        else None
    )
    negated_raw = raw.get("negated_cue")
    negated = (
        NegatedRule(
            RiskLevel(negated_raw["min_level"]), int(negated_raw["max_words"]), str(negated_raw["signal"])
        )
        if negated_raw
        else None
    )
    return Catalogue(
        signals=signals, intents=intents, classifier=tuple(classifier), benign=benign, negated=negated
    )


def available_languages(directory: Path = LEXICON_DIR) -> tuple[str, ...]:
    """Language codes that have a lexicon file."""
    return tuple(sorted(path.stem for path in directory.glob("*.yml")))


def compile_cue(entry: Any, unspaced: bool, elisions: re.Pattern[str] | None = None) -> re.Pattern[str]:
    """Compile one lexicon entry: a plain phrase or ``{"re": pattern}``.

    In spaced scripts a cue must start and end on a word boundary ("hit" does not
    match "white"); write ``\\w*`` inside a pattern to allow endings. In unspaced
    scripts a cue is a substring.

    Raises:
        ValueError: The entry is neither a phrase nor a ``re:`` mapping.
        re.error: The pattern does not compile.
    """
    if isinstance(entry, Mapping) and "re" in entry:
        body = normalise_pattern(str(entry["re"]))
    elif isinstance(entry, str):
        phrase = normalise(entry)
        if elisions is not None:
            phrase = elisions.sub(r"\1", phrase)
        if not phrase:
            raise ValueError(f"lexicon phrase is empty after normalisation: {entry!r}")
        body = re.escape(phrase)
    else:
        raise ValueError(f"lexicon entry must be a phrase or {{re: pattern}}: {entry!r}")
    if unspaced:
        return re.compile(body)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def _word(value: Any) -> str:
    """A negation or stop word, refusing YAML's surprises.

    YAML 1.1 reads an unquoted ``no`` (Spanish, Portuguese... negation) as ``False``:
    silently dropping it would make every "no me pagan" negation vanish, so fail loudly.
    """
    if not isinstance(value, str):
        raise ValueError(f"lexicon word {value!r} is not a string: quote it in the YAML")
    return value


def _is_unspaced_language(language: str, raw: Mapping[str, Any]) -> bool:
    """True when cues match as substrings: a ``match`` key, else the language's script."""
    match = raw.get("match")
    if match in ("substring", "words"):
        return bool(match == "substring")
    info = supported_languages().get(language)
    return info is not None and info.script in UNSPACED_SCRIPTS


def parse_lexicon(language: str, raw: Mapping[str, Any]) -> Lexicon:
    """Compile a lexicon mapping (the content of ``<code>.yml``).

    Optional keys beside ``negations`` and ``signals``: ``match`` (``words`` or
    ``substring``, default from the language's script in config/languages.yml),
    ``negation_window`` (tokens, or characters of gap for unspaced scripts),
    ``negation_stops`` (words that end a negation's reach, like "but": "i dont know
    but they took my passport" is not a negated cue) and ``elisions`` (clitics that
    lose their apostrophe: French "j'ai", "j ai" and "jai" all become "jai").
    """
    unspaced = _is_unspaced_language(language, raw)
    default_window = DEFAULT_NEGATION_WINDOW_CHARS if unspaced else DEFAULT_NEGATION_WINDOW_WORDS
    window = int(raw.get("negation_window", default_window))
    elisions = _elision_pattern(raw.get("elisions") or ())
    cues: list[Cue] = []
    for signal, entries in (raw.get("signals") or {}).items():
        for entry in entries or ():
            pattern = compile_cue(entry, unspaced, elisions)
            cues.append(Cue(signal=str(signal), pattern=pattern, source=str(entry)))
    negations = tuple(
        dict.fromkeys(n for n in (normalise(_word(x)) for x in raw.get("negations") or ()) if n)
    )
    negation_pattern = None
    if negations:
        alternatives = "|".join(re.escape(n) for n in sorted(negations, key=len, reverse=True))
        negation_pattern = re.compile(alternatives if unspaced else rf"(?<!\w)(?:{alternatives})(?!\w)")
    stops = frozenset(n for n in (normalise(_word(x)) for x in raw.get("negation_stops") or ()) if n)
    return Lexicon(language, unspaced, window, tuple(cues), negations, negation_pattern, stops, elisions)


def _elision_pattern(words: Iterable[Any]) -> re.Pattern[str] | None:
    """Join elided clitics to the next word: "j ai" -> "jai" (the apostrophe is gone).

    People type "j'ai", "j ai" and "jai" alike; normalise() already drops the
    apostrophe, this joins the spaced form too. Only before a vowel or h, where
    elision happens, so French "l" in "l ami" joins but "a" in "a la" does not.
    """
    clitics = [normalise(_word(word)) for word in words]
    clitics = [clitic for clitic in clitics if clitic]
    if not clitics:
        return None
    alternatives = "|".join(re.escape(c) for c in sorted(clitics, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives}) (?=[aeiouyh])")


_warned: set[str] = set()


@cache
def load_lexicon(language: str, directory: Path = LEXICON_DIR) -> Lexicon | None:
    """Load and compile ``<directory>/<language>.yml`` once; None if there is none."""
    path = directory / f"{language}.yml"
    if not path.is_file():
        return None
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_lexicon(language, raw)


def _base_language(language: str | None) -> str | None:
    """Reduce a language tag to its primary subtag ("pt-BR", "pt_BR", "PT" -> "pt")."""
    if not language:
        return None
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or None


def _lexicons_for(language: str | None) -> list[Lexicon]:
    """The lexicons to consult: the language's plus English, or all when unknown."""
    code = _base_language(language)
    codes = list(available_languages()) if code is None else [code, FALLBACK_LANGUAGE]
    lexicons: list[Lexicon] = []
    for item in dict.fromkeys(codes):
        lexicon = load_lexicon(item)
        if lexicon is None:
            if item not in _warned:
                _warned.add(item)
                logger.warning("No risk lexicon for language %r: using %r only", item, FALLBACK_LANGUAGE)
            continue
        lexicons.append(lexicon)
    return lexicons


# ------------------------------------------------------------------------ matching


def _negated(text: str, start: int, lexicon: Lexicon) -> bool:
    """True when a negation of ``lexicon`` closely precedes the cue at ``start``.

    Spaced scripts: a negation among the last ``negation_window`` tokens of the same
    clause ("he did not take my passport"). Unspaced scripts: a negation ending at
    most ``negation_window`` characters before the cue ("没有拿走我的护照").
    """
    if lexicon.negation_pattern is None:
        return False
    before = text[:start].rstrip()
    clause = before.rsplit(_CLAUSE_MARK, 1)[-1]
    if lexicon.unspaced:
        tail = clause.replace(" ", "")[-(lexicon.negation_window + max(map(len, lexicon.negations))) :]
        return any(
            tail.endswith(negation, 0, len(tail) - gap)
            for negation in lexicon.negations
            for gap in range(lexicon.negation_window + 1)
        )
    if lexicon.negation_window <= 0:
        return False
    tokens = clause.split()[-lexicon.negation_window :]
    for i in range(len(tokens) - 1, -1, -1):  # a stop word closer to the cue ends the scope
        if tokens[i] in lexicon.negation_stops:
            tokens = tokens[i + 1 :]
            break
    return bool(tokens) and lexicon.negation_pattern.search(" ".join(tokens)) is not None


def find_signals(text: str, lexicons: Iterable[Lexicon], negated: set[str] | None = None) -> dict[str, int]:
    """Count the non-negated cues of each signal in normalised ``text``; add the signals
    of negated cues to ``negated`` when given."""
    found: dict[str, int] = {}
    for lexicon in lexicons:
        view = lexicon.view(text)
        for cue in lexicon.cues:
            for match in cue.pattern.finditer(view):
                if not _negated(view, match.start(), lexicon):
                    found[cue.signal] = found.get(cue.signal, 0) + 1
                    break  # one cue counts once: repeating a phrase is not more danger
                if negated is not None:
                    negated.add(cue.signal)
    return found


def _clip(text: str) -> str:
    """Keep the head and tail of very long messages (see SCAN_HEAD)."""
    if len(text) <= SCAN_HEAD + SCAN_TAIL:
        return text
    return f"{text[:SCAN_HEAD]}\n{text[-SCAN_TAIL:]}"


def _score(level: RiskLevel, weights: Sequence[float]) -> float:
    """Place the message inside its level's band by the cues behind it.

    Each level owns a quarter of 0..1; within it, the score climbs towards the top of
    the band as cues add up (1 - 2^-w, w = cues at the level + half the cues below
    it). Monotone in the level and in the cue count, and never crosses into the next
    level's band, so sorting by score never puts a high above an imminent.
    """
    if level is RiskLevel.NONE:
        return 0.0
    weight = sum(weights)
    return round(_BAND_START[level.value] + _BAND_WIDTH * (1.0 - 0.5**weight) * 0.999, 4)


def _previous_level(previous: Previous) -> RiskLevel:
    if isinstance(previous, RiskAssessment):
        return previous.level
    if previous is None:
        return RiskLevel.NONE
    return RiskLevel(previous)


def assess(
    text: str,
    language: str | None,
    intents: Sequence[tuple[str, float]] = (),
    previous: Previous = None,
    learned: bool = True,
) -> RiskAssessment:
    """Assess one message.

    Args:
        text: The message as the person wrote it.
        language: Its language code ("es", "pt-BR"); None to consult every lexicon.
            The English lexicon is always consulted too.
        intents: Rasa's intent ranking as (name, confidence) pairs; a confident
            ``danger_now`` or need intent raises the level (signals.yml ``intents``).
        previous: The conversation's level so far. The result is never lower: a
            conversation keeps its highest level (design.md).
        learned: Also ask the classifier trained on ``data/risk/training``
            (``bot/risk_model.py``); False rates by the lexicon and intents alone.

    Returns:
        The level, a 0..1 score and this message's signals (most urgent first).
    """
    catalogue = load_catalogue()
    clipped = _clip(text or "")
    text = normalise(clipped)
    ways = readings(clipped, language)
    found: dict[str, RiskLevel] = {}
    for reading in ways:
        found.update(lexicon_signals(normalise(reading), language, catalogue))
    probabilities: dict[str, float] = {}
    if learned and text and (catalogue.classifier or catalogue.benign):
        probabilities = learned_opinion(ways)
    found = weigh(found, text, probabilities, intents, catalogue)

    level = RiskLevel.max(*found.values())
    weights = [
        1.0 if found_level is level else 0.5 for found_level in found.values() if found_level > RiskLevel.NONE
    ]
    score = _score(level, weights)
    floor = _previous_level(previous)
    if floor > level:
        level, score = floor, max(score, _score(floor, [1.0]))
    signals = tuple(sorted(found, key=lambda name: (-found[name].rank, name)))
    return RiskAssessment(level=level, score=score, signals=signals)


_LATIN_LETTER = re.compile(r"[A-Za-z]")


def readings(text: str, language: str | None) -> list[str]:
    """The message as written and, when it is typed in Latin letters in a language with
    a romanised reading ("pomogite on menya bet"), the same written back in that
    language's own script ("помогите он меня бьет"), which is what the lexicon and most
    training messages use (``bot.language.in_native_script``).

    Never raises: a failure costs the second reading, not the assessment.
    """
    if not language or not _LATIN_LETTER.search(text):
        return [text]
    try:
        from bot.language import in_native_script

        native = in_native_script(text, _base_language(language))
    except Exception:  # noqa: BLE001 - the message as written is still assessed
        logger.warning("romanised reading failed; assessing the message as written", exc_info=True)
        native = None
    return [text, native] if native else [text]


def learned_opinion(ways: Sequence[str]) -> dict[str, float]:
    """The classifier's probabilities for the reading of the message it finds riskiest
    (danger first); {} when it has none or fails.

    Each reading goes in as written: the classifier normalises it for its n-grams, and
    its meaning model was trained on text as people wrote it.
    """
    try:
        classifier = default_classifier(normalise)
        return max(
            (classifier.probabilities(reading) for reading in ways),
            key=lambda opinion: at_least(opinion, RiskLevel.HIGH.value) if opinion else -1.0,
            default={},
        )
    except Exception:  # noqa: BLE001 - the lexicon's and the intents' say must survive it
        logger.warning("risk classifier failed; lexicon and intents only", exc_info=True)
        return {}


def _word_count(text: str) -> int:
    """Words of normalised ``text``, Thai and Chinese split into words first (costly:
    count last)."""
    return len(segment_words(text).split())


def lexicon_signals(text: str, language: str | None, catalogue: Catalogue) -> dict[str, RiskLevel]:
    """Signal name -> level for the cues of ``language``'s lexicon (and English's) in
    ``text``, which :func:`normalise` has already brought to the cues' form."""
    found: dict[str, RiskLevel] = {}
    if not text:
        return found
    negated: set[str] = set()
    for name in find_signals(text, _lexicons_for(language), negated):
        signal = catalogue.signals.get(name)
        if signal is None:
            logger.warning("Lexicon signal %r is not in signals.yml: ignored", name)
            continue
        found[name] = signal.level
    rule = catalogue.negated
    if rule is not None and not rule.stands(found):
        denied = {name: catalogue.signals[name].level for name in negated if name in catalogue.signals}
        if rule.stands(denied) and _word_count(text) <= rule.max_words:
            found[rule.signal] = RiskLevel.NONE
    return found


def weigh(
    lexicon: Mapping[str, RiskLevel],
    text: str,
    probabilities: Mapping[str, float],
    intents: Sequence[tuple[str, float]],
    catalogue: Catalogue,
) -> dict[str, RiskLevel]:
    """The lexicon's signals, held back when the classifier is sure the message is
    benign, plus what the intents and the classifier raise (signals.yml's rules).

    Separate from :func:`assess` so ``bench/risk_batches.py`` can try other rules on
    probabilities it computed once, with the very code the bot runs.

    Args:
        lexicon: From :func:`lexicon_signals`.
        text: The normalised message.
        probabilities: The classifier's level -> probability ({} when it has none).
        intents: Rasa's intent ranking as (name, confidence) pairs.
        catalogue: The rules.
    """
    found = dict(lexicon)
    if probabilities:
        _restrain_when_benign(found, text, probabilities, catalogue.benign)
    for intent, confidence in intents:
        rule = catalogue.intents.get(intent)
        if rule is not None and confidence >= rule.min_confidence:
            found[rule.signal] = rule.level
    # The person said the danger did not happen; the models read past "not". Another
    # reading of the message (romanised, read back) may still hold the cue unnegated.
    negation = catalogue.negated
    denied = negation is not None and negation.signal in lexicon and not negation.stands(lexicon)
    if probabilities and not denied:
        for opinion in catalogue.classifier:
            if at_least(probabilities, opinion.level.value) >= opinion.min_probability:
                found[opinion.signal] = opinion.level
                break
        _raise_when_already_high(found, probabilities, catalogue.classifier)
    return found


def _raise_when_already_high(
    found: dict[str, RiskLevel], probabilities: Mapping[str, float], rules: Sequence[ClassifierRule]
) -> None:
    """Give the rules' lower bar to a message that is already high.

    Once a cue, an intent or the classifier rates a message high, calling it imminent
    costs no false alarm on a benign message, only the danger path for a person who is
    not in danger this minute; missing it costs the emergency number for one who is.
    """
    level = RiskLevel.max(*found.values())
    if level < RiskLevel.HIGH:
        return
    for opinion in rules:
        bar = opinion.min_probability_when_high
        if bar is not None and opinion.level > level and at_least(probabilities, opinion.level.value) >= bar:
            found[opinion.signal] = opinion.level
            return


def _restrain_when_benign(
    found: dict[str, RiskLevel], text: str, probabilities: Mapping[str, float], rule: BenignRule | None
) -> None:
    """Cap what the lexicon's cues found when the classifier is sure the message is benign.

    Cues match words, not meaning: "this exam will kill me lol", "season 2 of the show
    where the girl is locked in the bunker", "the airport staff took my passport to scan
    it, gave it back". The classifier reads the whole message; when it is at least
    ``rule.min_probability`` sure the message is none or elevated, the cues' signals stay
    listed (a counselor still sees them) but raise the message no higher than
    ``rule.cap``, and the rule's own signal says why.

    Only messages of ``rule.min_words`` to ``rule.max_words`` words: a short message is
    taken at its word ("my boss took my passport" must stay high, whatever the
    classifier learned from passports stamped at consulates), and in a long one the
    classifier's reading of the whole says little about one sentence ("they locked me
    in the room" at the end of a long paste). Intents are not capped: nothing measured
    says they should be.
    """
    if rule is None or not any(level > rule.cap for level in found.values()):
        return
    if 1.0 - at_least(probabilities, RiskLevel.HIGH.value) < rule.min_probability:
        return
    # Counted last: splitting Thai and Chinese into words is the costly check.
    if not rule.min_words <= _word_count(text) <= rule.max_words:
        return
    for name, level in found.items():
        if level > rule.cap:
            found[name] = rule.cap
    found[rule.signal] = rule.cap


def conversation_level(assessments: Iterable[RiskAssessment | RiskLevel | str]) -> RiskLevel:
    """The highest level a conversation has reached (``NONE`` for no messages)."""
    return RiskLevel.max(*(a.level if isinstance(a, RiskAssessment) else RiskLevel(a) for a in assessments))
