"""The fine-tuned meaning model: the committed tuning, its opinion, and a bot that copes without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import meaning_model
from bot.e5_encoder import E5Encoder
from bot.meaning_model import MeaningModel, default_meaning_model
from bot.risk_model import LEVELS, training_data_fingerprint


@pytest.fixture(scope="module")
def model() -> MeaningModel:
    return MeaningModel()


def test_the_committed_tuning_learned_from_the_current_data(model: MeaningModel) -> None:
    """Changing data/risk/training or data/nlu without fine-tuning again would leave the
    meaning model judging by data that is no longer there."""
    assert model.data_fingerprint == training_data_fingerprint(), (
        "The training data changed since the meaning model was fine-tuned: "
        "run tools/finetune_meaning.sh and commit data/risk/meaning_tuning.npz"
    )
    assert not model.held_out_batches, "the committed tuning must learn from every batch"
    assert model.levels == LEVELS


def test_each_row_is_a_distribution_over_the_levels(model: MeaningModel) -> None:
    rows = model.probabilities(["hola", "they keep my papers", "😢", ""])
    assert rows.shape == (4, len(LEVELS))
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert (rows >= 0).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("he has a knife and he is coming to kill me", "imminent"),
        ("он сломал дверь, он убьёт меня", "imminent"),
        ("the boss keeps our passports and we cannot leave the farm", "high"),
        ("meu patrão ficou com meu passaporte e diz que devo a viagem", "high"),
        ("thanks, see you tomorrow", "none"),
        ("我在超市买菜", "none"),
    ],
)
def test_it_tells_danger_from_everyday_messages(model: MeaningModel, text: str, expected: str) -> None:
    row = model.probabilities([text])[0]
    assert model.levels[int(np.argmax(row))] == expected


def test_the_tuning_changes_e5(model: MeaningModel) -> None:
    from bot.e5_image import E5Image

    plain = E5Encoder(E5Image()).embed(["they keep my papers"])
    assert not np.allclose(model.encoder.embed(["they keep my papers"]), plain, atol=1e-3)


@pytest.fixture
def fresh_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meaning_model, "_default", None)
    monkeypatch.setattr(meaning_model, "_failed", False)


@pytest.mark.parametrize("content", [None, b"not a numpy archive", b"PK\x03\x04broken zip"])
def test_without_a_usable_tuning_there_is_no_model_and_one_warning(
    content: bytes | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fresh_default: None,
) -> None:
    path = tmp_path / "meaning_tuning.npz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setattr(meaning_model, "TUNING_FILE", path)
    assert default_meaning_model() is None
    assert default_meaning_model() is None
    warnings = [record.message for record in caplog.records]
    assert len(warnings) == 1 and "words only" in warnings[0]
