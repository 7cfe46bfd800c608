"""Words for scripts that write none: Thai and Chinese runs split into words.

Thai and Chinese put no spaces between words, so a word-level feature sees a whole
clause as one "word" and learns nothing that carries over to the next message. Character
n-grams cover part of that, but on messages that hint rather than name the danger the
risk classifier missed Thai and Chinese far more often than other languages. Splitting
the runs with dictionary segmenters that ship their dictionaries inside the package
(pythainlp's ``newmm`` for Thai, jieba for Chinese; nothing is downloaded) raised
imminent recall on unseen training batches from 0.58 to 0.72 (Thai) and 0.56 to 0.77
(Chinese) in leave-one-batch-out cross-validation.

Other scripts pass through unchanged. If a segmenter cannot load, the run is kept whole
(with a warning, once): features degrade, nothing stops.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

_THAI = r"\u0e00-\u0e7f"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: One run of Thai letters or of Han characters.
_UNSPACED_RUN = re.compile(f"[{_THAI}]+|[{_HAN}]+")

Segmenter = Callable[[str], list[str]]

_segmenters: dict[str, Segmenter | None] = {}
_lock = threading.Lock()


def _load_thai() -> Segmenter:
    from pythainlp.tokenize import word_tokenize

    return lambda run: list(word_tokenize(run, engine="newmm", keep_whitespace=False))


def _load_chinese() -> Segmenter:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces its dictionary loading at INFO
    jieba.initialize()
    return lambda run: list(jieba.lcut(run))


_LOADERS: dict[str, Callable[[], Segmenter]] = {"th": _load_thai, "zh": _load_chinese}


def _segmenter(script: str) -> Segmenter | None:
    """The segmenter for ``script`` ("th" or "zh"), loaded once; None if it cannot load."""
    if script not in _segmenters:
        with _lock:
            if script not in _segmenters:
                try:
                    _segmenters[script] = _LOADERS[script]()
                except Exception:  # noqa: BLE001 - a missing segmenter costs features, not replies
                    logger.warning("No word segmenter for %s: runs stay whole", script, exc_info=True)
                    _segmenters[script] = None
    return _segmenters[script]


def _split(match: re.Match[str]) -> str:
    run = match.group(0)
    segment = _segmenter("th" if "\u0e00" <= run[0] <= "\u0e7f" else "zh")
    words = [word for word in segment(run) if word.strip()] if segment else [run]
    return f" {' '.join(words)} "


def segment_words(text: str) -> str:
    """``text`` with spaces between the words of its Thai and Chinese runs.

    >>> segment_words("ok 老板收走了护照")
    'ok 老板 收走 了 护照'
    """
    if not _UNSPACED_RUN.search(text):
        return text
    return " ".join(_UNSPACED_RUN.sub(_split, text).split())


def preload() -> None:
    """Load both dictionaries now (about 1 s), not on someone's first Thai or Chinese message."""
    for script in _LOADERS:
        _segmenter(script)
