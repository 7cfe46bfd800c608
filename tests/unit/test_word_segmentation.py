"""Thai and Chinese runs split into words; everything else passes through untouched."""

from __future__ import annotations

import pickle

import pytest

from bot import word_segmentation
from bot.ngram_features import ngram_vectorizers
from bot.word_segmentation import segment_words


def test_chinese_runs_become_words() -> None:
    assert segment_words("老板收走了护照") == "老板 收走 了 护照"


def test_thai_runs_become_words() -> None:
    words = segment_words("เขาเอาพาสปอร์ตไป").split()
    assert len(words) >= 3
    assert "พาสปอร์ต" in words
    assert "".join(words) == "เขาเอาพาสปอร์ตไป"


def test_other_scripts_and_mixed_text_keep_their_words() -> None:
    assert segment_words("they keep my papers") == "they keep my papers"
    assert segment_words("паспорт у хозяина") == "паспорт у хозяина"
    assert segment_words("boss 收走 passport 了") == "boss 收走 passport 了"
    assert segment_words("") == ""


def test_a_segmenter_that_cannot_load_keeps_runs_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> word_segmentation.Segmenter:
        raise ImportError("no dictionary")

    monkeypatch.setitem(word_segmentation._LOADERS, "zh", broken)
    monkeypatch.setattr(word_segmentation, "_segmenters", {})
    assert segment_words("ok 老板收走了护照 ok") == "ok 老板收走了护照 ok"


def test_segmenting_vectorizers_still_pickle() -> None:
    """The fitted risk classifier is cached with pickle: its preprocessor must survive it."""
    _, words = ngram_vectorizers(3, segment=True)
    words.fit(["老板收走了护照", "they keep my papers"])
    restored = pickle.loads(pickle.dumps(words))
    assert "护照" in restored.vocabulary_
    assert restored.transform(["护照"]).nnz == 1
