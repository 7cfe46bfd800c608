"""Unit tests for bot.romanisation: common words spelt out in Latin letters."""

from __future__ import annotations

from bot.romanisation import MAX_SPELLINGS_PER_WORD, distinctive, spelled_out, spellings

TABLE = {"м": ["m"], "н": ["n"], "е": ["e", "ye"], "и": ["i", "y"], "я": ["ya", "ja"], "д": ["d"], "а": ["a"]}


def test_spellings_put_the_first_choices_first() -> None:
    assert spellings("мне", TABLE) == ["mne", "mnye"]
    assert spellings("Меня", TABLE)[0] == "menya"


def test_a_letter_outside_the_table_makes_a_word_unspellable() -> None:
    assert spellings("mне", TABLE) == []
    assert spellings("мнё", TABLE) == []


def test_spellings_are_capped() -> None:
    table = {"я": ["ya", "ja", "ia", "a"]}
    assert len(spellings("яяяя", table)) == MAX_SPELLINGS_PER_WORD


def test_spelled_out_keeps_the_more_common_word_of_a_shared_spelling() -> None:
    spelled = spelled_out([("мне", 1e-3), ("мнэ", 1e-6)], {**TABLE, "э": ["e"]})
    assert spelled["mne"] == 1e-3
    assert spelled["mnye"] == 1e-3


def test_distinctive_splits_own_shared_and_neutral_spellings() -> None:
    spelled = {
        "ru": {"mne": 1e-3, "strashno": 1e-4, "da": 1e-2, "moi": 1e-3, "meni": 1e-8},
        "uk": {"meni": 1e-3, "strashno": 1e-4, "da": 1e-3, "mne": 1e-7},
    }
    result = distinctive(spelled, taken=lambda spelling: spelling == "moi")
    ru_words, ru_neutral = result["ru"]
    uk_words, uk_neutral = result["uk"]
    assert ru_words == {"mne", "strashno"}
    assert uk_words == {"meni", "strashno"}
    assert ru_neutral == {"da", "moi"}  # too short, and a Latin-script word
    assert uk_neutral == {"da"}
    # "meni" is Ukrainian: for Russian it is neither its own nor neutral, so it counts against.
    assert "meni" not in ru_words | ru_neutral
