"""The character and word n-gram features both of Marigold's text classifiers use.

The intent classifier (``bot/nlu/intent_classifier.py``) and the risk classifier
(``bot/risk_model.py``) read short, misspelt, multilingual messages the same way:
character n-grams inside word boundaries carry typos, missing accents and unspaced
scripts; words and word pairs carry what the n-grams blur ("not free" vs "free").
Thai and Chinese write no spaces, so their words come from ``bot/word_segmentation.py``
when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

#: A word: any run of letters or digits, one-letter words included ("i", "я", "o").
WORD_PATTERN = r"(?u)\b\w+\b"


def ngram_vectorizers(
    max_char_ngram: int,
    preprocessor: Callable[[str], str] | None = None,
    dtype: type = np.float64,
    segment: bool = False,
) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """Unfitted (characters 1..max_char_ngram, words 1..2) TF-IDF vectorizers.

    Args:
        max_char_ngram: Longest character n-gram.
        preprocessor: Applied to each text first (None: scikit-learn's lower-casing).
        dtype: Of the feature matrices (float32 halves a stored model's size).
        segment: Split Thai and Chinese runs into words for the word features.
    """
    characters = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, max_char_ngram),
        preprocessor=preprocessor,
        sublinear_tf=True,
        min_df=1,
        dtype=dtype,
    )
    words = TfidfVectorizer(
        analyzer="word",
        token_pattern=WORD_PATTERN,
        preprocessor=partial(_segmented, preprocessor) if segment else preprocessor,
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=dtype,
    )
    return characters, words


def _segmented(preprocessor: Callable[[str], str] | None, text: str) -> str:
    """``preprocessor`` (or lower-casing), then Thai and Chinese words split apart.

    A module-level function (bound with ``partial``) so fitted vectorizers still pickle.
    """
    from bot.word_segmentation import segment_words

    return segment_words(preprocessor(text) if preprocessor else text.lower())
