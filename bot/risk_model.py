"""A learned second opinion on risk, beside the lexicon.

The lexicon (``bot/distress.py``) is explainable and handles negation, but it only
knows the phrasings someone wrote down; on blind evaluation sets it missed one
imminent message in five ("there is blood everywhere", "i took all the pills"
phrased some other way). This classifier learns from labelled example messages in
every language (``data/risk/training/<code>.tsv``: ``level<TAB>text``), plus everyday
conversation from the NLU examples as ``none``, and generalises across phrasings through
character n-grams, which also survive typos, missing accents and unspaced scripts.

It is trained at first use (about 80 s on 2 cores for 25,600 messages, no download) and
kept in the user's cache keyed by a fingerprint of its training files, its code and its
packages' versions, so later starts load it in a fraction of a second.
``bot/distress.py`` consults it and turns its probabilities into named signals
(``classifier_imminent`` ...) with the thresholds of ``data/risk/signals.yml``.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = ROOT / "data" / "risk" / "training"
NLU_DIR = ROOT / "data" / "nlu"
#: Intents whose NLU examples are ordinary conversation, never a sign of risk by
#: themselves. The labelled risk messages are mostly cries for help and look-alikes of
#: them, so on its own the classifier took short everyday replies for hurried danger
#: ("i live in the usa", "tchau se cuidem": imminent). These examples join the training
#: data as ``none``. Left out on purpose: ``deny`` ("he is next to me") and
#: ``need_information`` ("is it legal to keep my passport"), which can carry risk.
CONVERSATION_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "inform_location",
        "out_of_scope",
        "ask_what_is_this",
        "change_language",
        "request_erase",
        "request_more",
        "request_human",
        "skip",
    }
)
#: The levels, lowest first; the classifier predicts one of them.
LEVELS = ("none", "elevated", "high", "imminent")
#: Longest character n-gram of the features (``bot/ngram_features.py``).
MAX_CHAR_NGRAM = 5
#: Inverse regularisation strength of the logistic regression.
REGULARISATION_C = 10.0

logger = logging.getLogger(__name__)


def load_examples(directory: Path = TRAINING_DIR) -> list[tuple[str, str]]:
    """(text, level) pairs from every ``<code>.tsv`` of ``directory``.

    Rows with an unknown level are skipped with a warning naming the file and line,
    so one typo in a data file cannot stop the bot from starting.
    """
    examples: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)
            for line, row in enumerate(reader, start=2):
                if len(row) != 2 or row[0] not in LEVELS or not row[1].strip():
                    logger.warning("Skipping %s line %d: expected a level and a text", path.name, line)
                    continue
                examples.append((row[1], row[0]))
    return examples


def conversation_examples(nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(text, "none") for the NLU examples of :data:`CONVERSATION_INTENTS`, every language.

    A file that cannot be read is skipped with a warning: the labelled messages still train.
    """
    from bot.nlu_examples import intent_examples

    examples: list[tuple[str, str]] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        try:
            pairs = intent_examples(path)
        except Exception as error:  # noqa: BLE001 - one broken file must not stop training
            logger.warning("Skipping %s for the risk classifier: %s", path.name, error)
            continue
        examples.extend((text, "none") for intent, text in pairs if intent in CONVERSATION_INTENTS)
    return examples


Normalise = Callable[[str], str]


class RiskClassifier:
    """P(level | message) from character and word n-grams of the normalised message."""

    def __init__(self, normalise: Normalise) -> None:
        """Args: normalise: the lexicon's text normalisation (``bot.distress.normalise``),
        passed in because ``bot.distress`` imports this module, not the other way round.
        """
        self._normalise = normalise
        self.pipeline: Any = None  # the fitted scikit-learn pipeline, None until trained

    @property
    def trained(self) -> bool:
        """Whether :meth:`fit` has run on at least two levels."""
        return self.pipeline is not None

    def fit(self, examples: Iterable[tuple[str, str]]) -> RiskClassifier:
        """Learn from (text, level) pairs; with fewer than two levels it stays untrained."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        from bot.ngram_features import ngram_vectorizers

        pairs = [(self._normalise(text), level) for text, level in examples]
        pairs = [(text, level) for text, level in pairs if text]
        if len({level for _, level in pairs}) < 2:
            logger.warning("Too little risk training data: no learned risk opinion")
            return self
        pipeline = make_pipeline(
            make_union(*ngram_vectorizers(MAX_CHAR_NGRAM, segment=True)),
            LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=3000),
        )
        pipeline.fit([text for text, _ in pairs], [level for _, level in pairs])
        self.pipeline = pipeline
        return self

    def probabilities(self, text: str) -> dict[str, float]:
        """Level -> probability for one message; {} when untrained or the text is empty."""
        normalised = self._normalise(text)
        if self.pipeline is None or not normalised:
            return {}
        row = self.pipeline.predict_proba([normalised])[0]
        return {str(level): float(p) for level, p in zip(self.pipeline.classes_, row, strict=True)}


def at_least(probabilities: Mapping[str, float], level: str) -> float:
    """Probability that the message is at ``level`` or above."""
    return sum(probabilities.get(name, 0.0) for name in LEVELS[LEVELS.index(level) :])


#: The code whose changes change a trained classifier (besides this module).
FEATURE_MODULES = ("ngram_features.py", "word_segmentation.py", "nlu_examples.py")
#: The packages whose versions do: the learner and the word segmenters' dictionaries.
PACKAGES = ("scikit-learn", "jieba", "pythainlp")


def fingerprint(directory: Path = TRAINING_DIR) -> str:
    """What a trained classifier depends on: its data, its code, its packages' versions."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for module in FEATURE_MODULES:
        digest.update((Path(__file__).parent / module).read_bytes())
    for package in PACKAGES:
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package} missing".encode())
    for path in [*sorted(directory.glob("*.tsv")), *sorted(NLU_DIR.glob("*.yml"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cached_or_trained(normalise: Normalise) -> RiskClassifier:
    """Load the fitted classifier from the cache, or train it and store it there.

    Only our own cache folder is read; a file that fails to load is ignored and
    replaced. Writing is atomic (temporary file, then rename), so two processes
    starting together cannot read half a file.
    """
    from bot import word_segmentation
    from bot.model_cache import cache_root

    # The features split Thai and Chinese into words: load those dictionaries now too.
    word_segmentation.preload()
    classifier = RiskClassifier(normalise)
    path = cache_root() / "risk" / f"classifier-{fingerprint()}.pkl"
    try:
        classifier.pipeline = pickle.loads(path.read_bytes())
        return classifier
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged cache file only costs a retraining
        logger.warning("Ignoring unreadable risk classifier cache %s", path.name)
    classifier.fit([*load_examples(), *conversation_examples()])
    if classifier.trained:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(pickle.dumps(classifier.pipeline))
            os.replace(handle.name, path)
        except OSError as error:
            logger.warning("Could not cache the risk classifier: %s", error)
    return classifier


_default: RiskClassifier | None = None
_default_lock = threading.Lock()


def default_classifier(normalise: Normalise) -> RiskClassifier:
    """The process-wide classifier for ``data/risk/training``, loaded or trained at first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = _cached_or_trained(normalise)
    return _default
