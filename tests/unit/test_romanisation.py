"""Unit tests for bot.romanisation: common words spelt out in Latin letters."""

from __future__ import annotations

from bot.romanisation import MAX_SPELLINGS_PER_WORD, Reading, Spelt, readings, spelled_out, spellings

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
    assert spelled["mne"] == Spelt("мне", 1e-3)
    assert spelled["mnye"] == Spelt("мне", 1e-3)


def _spelt(**frequencies: float) -> dict[str, Spelt]:
    return {spelling: Spelt(spelling.upper(), frequency) for spelling, frequency in frequencies.items()}


def test_readings_split_own_shared_neutral_and_foreign_spellings() -> None:
    spelled = {
        "ru": _spelt(mne=1e-3, strashno=1e-4, da=1e-2, moi=1e-3, meni=1e-8),
        "uk": _spelt(meni=1e-3, strashno=1e-4, da=1e-3, mne=1e-7),
    }
    result = readings(spelled, taken=lambda spelling: spelling == "moi")
    ru, uk = result["ru"], result["uk"]
    assert {s for s in spelled["ru"] if ru.points_here(s)} == {"mne", "strashno"}
    assert {s for s in spelled["uk"] if uk.points_here(s)} == {"meni", "strashno"}
    assert ru.neutral == {"da", "moi"}  # too short, and a Latin-script word
    assert ru.foreign == {"meni"} and uk.foreign == {"mne"}  # evidence against, not neutral


def test_a_romanised_message_is_written_back_word_by_word() -> None:
    reading = Reading(
        native={"pomogite": "помогите", "on": "он", "menya": "меня", "bet": "бьет"},
        neutral=frozenset({"on"}),
        foreign=frozenset(),
    )
    written_back = reading.in_native_script("Pomogite!! on menya bet, 3rd floor")
    assert written_back == "помогите!! он меня бьет, 3rd floor"
    assert reading.in_native_script("pomosh'") is None  # no word it knows
    assert reading.in_native_script("помогите") is None  # already in its own script
