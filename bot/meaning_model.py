"""The risk classifier's reading of what a message means: e5 fine-tuned on our messages.

The n-grams (``bot/ngram_features.py``) know words; blind sets kept finding danger told
in words no training message used ("counted them out on the bed. 41. that should do
it"). A network on frozen e5 embeddings helped a little; fine-tuning e5's layers on the
labelled messages helps more, because the sentence vector itself learns what matters
for risk. On the four newest training batches, held out from the fine-tuning and from
the n-grams (``tools/finetune_meaning.py --hold-out-batches 4``; ``bench/RESULTS.md``),
the blend went from 0.909 / 0.934 / 0.091 (imminent recall / high+ recall / false
alarms, frozen embeddings) to the figures recorded there.

Fine-tuning needs PyTorch and about half an hour on 2 cores, so it is not done at first
start: ``tools/finetune_meaning.py`` writes ``data/risk/meaning_tuning.npz`` (low-rank
corrections to e5's matrices, its layer norms and the classification head, about
3 MB), which is committed beside the data it learned from, with that data's
fingerprint. Here it is only read, and run in numpy (``bot/e5_encoder.py``).

Everything here is optional by design: without the file, or with a damaged one,
:func:`default_meaning_model` returns None once, with a warning, and risk is rated by
the n-grams and the lexicon alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.e5_encoder import E5Encoder
from bot.e5_image import E5Image

ROOT = Path(__file__).resolve().parent.parent
TUNING_FILE = ROOT / "data" / "risk" / "meaning_tuning.npz"

logger = logging.getLogger(__name__)


class MeaningModel:
    """Messages -> probability of each risk level, from the fine-tuned e5."""

    def __init__(self, tuning_file: Path | None = None, image: E5Image | None = None) -> None:
        """Load e5 and merge ``tuning_file`` (the committed one by default) into it
        (about half a second).

        Raises:
            FileNotFoundError: no tuning file, or no e5 model file.
            ValueError, KeyError: a damaged tuning or model file.
        """
        tuning_file = tuning_file or TUNING_FILE
        with np.load(tuning_file, allow_pickle=False) as stored:
            tuning = {name: stored[name] for name in stored.files}
        self.levels: tuple[str, ...] = tuple(str(level) for level in tuning["levels"])
        self.data_fingerprint = str(tuning["data_fingerprint"])
        self.held_out_batches = frozenset(str(batch) for batch in tuning["held_out_batches"])
        self._scale = float(tuning["embedding_scale"])
        self._hidden = (
            tuning["head.hidden.w"].astype(np.float32).T,
            tuning["head.hidden.b"].astype(np.float32),
        )
        self._output = (tuning["head.out.w"].astype(np.float32).T, tuning["head.out.b"].astype(np.float32))
        self.encoder = E5Encoder(image or E5Image(), tuning)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text: the probability of each of :attr:`levels`."""
        embeddings = self.encoder.embed(texts) * self._scale
        hidden = np.maximum(embeddings @ self._hidden[0] + self._hidden[1], 0.0)
        logits = hidden @ self._output[0] + self._output[1]
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))


_default: MeaningModel | None = None
_failed = False
_default_lock = threading.Lock()


def default_meaning_model() -> MeaningModel | None:
    """The process-wide model, loaded at first use; None (warned once) if it cannot load."""
    global _default, _failed
    if _default is None and not _failed:
        with _default_lock:
            if _default is None and not _failed:
                try:
                    _default = MeaningModel()
                except Exception as error:  # noqa: BLE001 - the n-grams still rate the message
                    _failed = True
                    logger.warning("Meaning model unavailable, risk is rated from words only: %s", error)
    return _default
