"""The word-frequency vote of the language detector, on wordfreq's real lists."""

from __future__ import annotations

import pytest

from bot.word_frequency import WordFrequencyModel

LATIN = ["en", "es", "fr", "pt", "ro", "vi", "tl"]


@pytest.fixture(scope="module")
def model() -> WordFrequencyModel:
    return WordFrequencyModel([*LATIN, "ru", "uk", "th"])


def best(probabilities: dict[str, float]) -> str:
    return max(probabilities, key=lambda code: probabilities[code])


def test_languages_without_a_list_are_left_out(model: WordFrequencyModel) -> None:
    assert "th" not in model.languages
    assert {"en", "es", "tl", "ru", "uk"} <= set(model.languages)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["buenos"], "es"),
        (["obrigado"], "pt"),
        (["mulțumesc"], "ro"),
        (["multumesc"], "ro"),  # typed without accents
        (["khong", "biet"], "vi"),  # Vietnamese without its tone marks
        (["tambin", "buenos"], "es"),  # "también" with its é lost on the way
        (["salamat"], "tl"),
        (["thickness"], "en"),
    ],
)
def test_common_words_point_to_their_language(
    model: WordFrequencyModel, words: list[str], expected: str
) -> None:
    assert best(model.probabilities(words, LATIN)) == expected


def test_cyrillic_languages_are_told_apart_by_their_words(model: WordFrequencyModel) -> None:
    assert best(model.probabilities(["спасибо"], ["ru", "uk"])) == "ru"
    assert best(model.probabilities(["дякую"], ["ru", "uk"])) == "uk"


def test_unknown_words_say_nothing(model: WordFrequencyModel) -> None:
    assert model.probabilities(["xqzvvw", "FRN110G1S"], LATIN) == {}
    assert model.probabilities([], LATIN) == {}


def test_one_candidate_is_no_contest(model: WordFrequencyModel) -> None:
    assert model.probabilities(["hola"], ["es"]) == {}


def test_borrowed_words_count_for_the_host_language(model: WordFrequencyModel) -> None:
    alone = model.probabilities(["help"], ["en", "tl"])
    borrowed = model.probabilities(["help"], ["en", "tl"], borrowing={"tl": {"en": 0.3}})
    assert borrowed["tl"] > alone["tl"]


def test_probabilities_are_a_distribution(model: WordFrequencyModel) -> None:
    probabilities = model.probabilities(["necesito", "ayuda"], LATIN)
    assert set(probabilities) == set(LATIN)
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert best(probabilities) == "es"
