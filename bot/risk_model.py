"""A learned second opinion on risk, beside the lexicon.

The lexicon (``bot/distress.py``) is explainable and handles negation, but it only
knows the phrasings someone wrote down; on blind evaluation sets it missed one
imminent message in five ("there is blood everywhere", "i took all the pills"
phrased some other way). This classifier learns from labelled example messages in
every language (``data/risk/training/<code>.tsv``: ``level<TAB>text``), plus everyday
conversation from the NLU examples as ``none``, and generalises across phrasings through
character n-grams, which also survive typos, missing accents and unspaced scripts.

Beside the n-grams it reads each message's meaning: e5-small fine-tuned on the same
messages (``bot/meaning_model.py``), whose opinion weighs :data:`MEANING_WEIGHT`
against the n-grams'. Without the meaning model, the n-grams rate alone.

The n-gram model is trained at first use (about 2 minutes on 2 cores for 30,000
messages; no download) and kept in the user's cache keyed by a fingerprint of its
training files, its code and its packages' versions, so later starts load it in a
fraction of a second. ``marigold train`` does this ahead of the first start. The
meaning model is fine-tuned ahead of time and committed (``tools/finetune_meaning.py``).
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

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
#: How far the n-gram model's probabilities move towards the meaning model's. With
#: frozen e5 embeddings 0.3 did best; the fine-tuned model is a better judge: on the
#: four newest training batches, held out from both models, 0.5 raised imminent recall
#: and cut false alarms against 0.3 (``bench/RESULTS.md``).
MEANING_WEIGHT = 0.5

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


class MeaningOpinion(Protocol):
    """Texts -> level probabilities (``bot.meaning_model.MeaningModel``)."""

    levels: tuple[str, ...]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per level of :attr:`levels`."""
        ...


#: ``meaning`` argument meaning "the process-wide meaning model, if it loads".
DEFAULT_MEANING: Any = object()


class RiskClassifier:
    """P(level | message) from the message's n-grams and, when it can, its meaning."""

    def __init__(self, normalise: Normalise, meaning: MeaningOpinion | None = DEFAULT_MEANING) -> None:
        """Args:
        normalise: the lexicon's text normalisation (``bot.distress.normalise``),
            passed in because ``bot.distress`` imports this module, not the other way round.
        meaning: the meaning model; by default the process-wide one
            (``bot.meaning_model.default_meaning_model``) if it loads; None: n-grams only.
        """
        self._normalise = normalise
        self._meaning = meaning
        self.pipeline: Any = None  # the fitted n-gram pipeline, None until trained

    @property
    def trained(self) -> bool:
        """Whether :meth:`fit` has run on at least two levels."""
        return self.pipeline is not None

    @property
    def meaning(self) -> MeaningOpinion | None:
        """The meaning model consulted, None without one."""
        if self._meaning is DEFAULT_MEANING:
            from bot.meaning_model import default_meaning_model

            self._meaning = default_meaning_model()
        return self._meaning

    def fit(self, examples: Iterable[tuple[str, str]]) -> RiskClassifier:
        """Learn the n-grams from (text, level) pairs; with fewer than two levels it stays untrained."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        from bot.ngram_features import ngram_vectorizers

        rows = [(self._normalise(text), level) for text, level in examples]
        rows = [row for row in rows if row[0]]
        if len({level for _, level in rows}) < 2:
            logger.warning("Too little risk training data: no learned risk opinion")
            return self
        pipeline = make_pipeline(
            make_union(*ngram_vectorizers(MAX_CHAR_NGRAM, segment=True)),
            LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=3000),
        )
        pipeline.fit([normalised for normalised, _ in rows], [level for _, level in rows])
        self.pipeline = pipeline
        return self

    def probabilities(self, text: str) -> dict[str, float]:
        """Level -> probability for one message; {} when untrained or the text is empty."""
        normalised = self._normalise(text)
        if self.pipeline is None or not normalised:
            return {}
        levels = [str(level) for level in self.pipeline.classes_]
        row = self.pipeline.predict_proba([normalised])[0]
        meaning = self._meaning_row(text, levels)
        if meaning is not None:
            row = blend(row, meaning)
        return {level: float(p) for level, p in zip(levels, row, strict=True)}

    def _meaning_row(self, text: str, levels: list[str]) -> np.ndarray | None:
        """The meaning model's probabilities in the n-grams' column order; None without
        one, or if it fails (warned: the n-grams still give an opinion)."""
        model = self.meaning
        if model is None or not set(levels) <= set(model.levels):
            return None
        try:
            row = model.probabilities([text])[0]
        except Exception:  # noqa: BLE001 - the n-grams still give an opinion
            logger.warning("The meaning model failed; rating risk from words only", exc_info=True)
            return None
        return np.array([row[model.levels.index(level)] for level in levels])


def blend(ngrams: np.ndarray, meaning: np.ndarray) -> np.ndarray:
    """The n-gram model's distribution, moved :data:`MEANING_WEIGHT` of the way to the
    meaning model's."""
    return np.asarray((1.0 - MEANING_WEIGHT) * ngrams + MEANING_WEIGHT * meaning)


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
    digest.update(training_data_fingerprint(directory).encode())
    return digest.hexdigest()[:16]


def training_data_fingerprint(directory: Path = TRAINING_DIR) -> str:
    """A hash of what both risk models learn from: the labelled messages and the NLU
    examples of ordinary conversation (:data:`CONVERSATION_INTENTS`). The meaning model
    records it when fine-tuned. Only those examples count, so that editing the examples
    of other intents does not call for half an hour of fine-tuning."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.tsv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for text, level in conversation_examples():
        digest.update(f"{level}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def _cached_or_trained(normalise: Normalise) -> RiskClassifier:
    """Load the fitted classifier from the cache, or train it and store it there.

    Only our own cache folder is read; a file that fails to load is ignored and
    replaced. Writing is atomic (temporary file, then rename), so two processes
    starting together cannot read half a file.
    """
    from bot import word_segmentation
    from bot.model_cache import cache_root

    # The features split Thai and Chinese into words, and the meaning model reads e5:
    # load those now too, not on someone's first message.
    word_segmentation.preload()
    classifier = RiskClassifier(normalise)
    _ = classifier.meaning
    path = cache_root() / "risk" / f"classifier-{fingerprint()}.pkl"
    try:
        stored = pickle.loads(path.read_bytes())
        classifier.pipeline = stored["ngrams"]
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
                handle.write(pickle.dumps({"ngrams": classifier.pipeline}))
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
