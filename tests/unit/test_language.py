"""Unit tests for bot.language: short, accent-less, mixed messages in twelve languages."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from bot.language import (
    CharNgramNaiveBayes,
    DetectionData,
    LanguageDetector,
    LanguageGuess,
    LanguageRequests,
    Transliteration,
    default_detector,
    detect,
    in_native_script,
    load_nlu_examples,
    requested_language,
)
from bot.language_config import default_language, supported_languages
from bot.romanisation import TAKEN_FREQUENCY, Reading

LANGUAGES = list(supported_languages())


def lang(text: str, previous: str | None = None) -> str:
    return detect(text, previous).language


# ------------------------------------------------------------------ ambiguous pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("помогите", "ru"),
        ("мне нужна помощь", "ru"),
        ("мы не можем выйти", "ru"),  # ы
        ("спасибо большое", "ru"),
        ("допоможіть", "uk"),
        ("мені потрібна допомога", "uk"),
        ("дякую", "uk"),
        ("де можна переночувати", "uk"),
        ("немає грошей", "uk"),
    ],
)
def test_russian_and_ukrainian(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("necesito ayuda", "es"),
        ("no tengo papeles", "es"),
        ("¿dónde estoy?", "es"),
        ("tengo miedo", "es"),
        ("mi patron tiene mi pasaporte", "es"),
        ("preciso de ajuda", "pt"),
        ("nao tenho documentos", "pt"),
        ("não sei onde estou", "pt"),
        ("tenho medo", "pt"),
        ("to sem dinheiro", "pt"),
    ],
)
def test_spanish_and_portuguese(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "am nevoie de ajutor",  # no diacritics, as typed on most phones
        "ma ajutati va rog",
        "nu am bani",
        "mă ajutați, vă rog",  # with diacritics
        "ești în siguranță?",
        "nu știu unde sunt",
    ],
)
def test_romanian_with_and_without_diacritics(text: str) -> None:
    assert lang(text) == "ro"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tulungan nyo po ako", "tl"),
        ("help po", "tl"),
        ("salamat po", "tl"),
        ("wala akong pera", "tl"),
        ("help me please", "en"),
        ("i need help", "en"),
        ("they took my passport", "en"),
    ],
)
def test_tagalog_and_english(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toi can giup do", "vi"),  # Vietnamese without tone marks
        ("khong co tien", "vi"),
        ("tôi cần giúp đỡ", "vi"),
        ("aidez moi", "fr"),
        ("j'ai peur", "fr"),
    ],
)
def test_other_latin_languages(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("救命", "zh"),
        ("我需要帮助", "zh"),
        ("ช่วยด้วย", "th"),
        ("ไม่มีเงิน", "th"),
        ("أحتاج مساعدة", "ar"),
        ("ساعدوني", "ar"),
        ("help 救命", "zh"),  # a non-Latin script outweighs an English word
        ("помогите please", "ru"),
        ("ok ช่วยด้วย", "th"),
    ],
)
def test_scripts_decide(text: str, expected: str) -> None:
    guess = detect(text)
    assert guess.language == expected
    assert guess.confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "ana mesh 3ayza a3eesh tany",
        "shu 3am ta3mel",
        "wallah ma 3andi masari",
        "ana fi dubai, kafeel 5ad el passport",
        "7abibi keefak",
    ],
)
def test_arabizi_is_arabic(text: str) -> None:
    """Arabic typed with Latin letters and digits: the models cannot read it, the digits can."""
    assert lang(text) == "ar"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see u at 3am", "en"),
        ("my iphone7 is broken", "en"),
        ("ps5 for sale cheap", "en"),
        ("tengo un iphone7 nuevo", "es"),
        ("salut ca va? on se voit a 3h", "fr"),
        ("im in room 3b help", "en"),
    ],
)
def test_digits_of_times_and_products_are_not_arabizi(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mne ochen strashno", "ru"),
        ("pomogite pozhaluysta", "ru"),
        ("u menya zabrali pasport", "ru"),
        ("privet kak dela", "ru"),
        ("meni duzhe strashno", "uk"),
        ("dopomozhit meni bud laska", "uk"),
        ("vony zabraly moi dokumenty", "uk"),
    ],
)
def test_romanised_russian_and_ukrainian(text: str, expected: str) -> None:
    """Typed without a Cyrillic keyboard: the models read "mne ochen strashno" as French."""
    assert lang(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ya voy", "es"),
        ("da nu stiu ce sa fac", "ro"),
        ("je ne sais pas quoi faire", "fr"),
        ("ok na ako salamat", "tl"),
        ("my boss says i owe him money", "en"),
        ("i met sasha and dima at the market", "en"),
    ],
)
def test_latin_languages_with_russian_looking_words_stay_themselves(text: str, expected: str) -> None:
    """Short words every language has ("da", "ne", "na", "ya") and a few names are not
    romanised Russian: they say nothing, or are too few among the message's words."""
    assert lang(text) == expected


@pytest.mark.parametrize(
    "text",
    ["wallah ana khayfa awi", "el kafeel akhad el gawaz", "shlonak habibi", "inshallah kheir", "tamam"],
)
def test_arabizi_without_digits_is_arabic(text: str) -> None:
    assert lang(text) == "ar"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hola ana como estas", "es"), ("ana maria is here", "en"), ("ya voy mama", "es")],
)
def test_arabizi_words_other_languages_share_say_nothing(text: str, expected: str) -> None:
    assert lang(text) == expected


def test_listed_arabizi_words_are_no_latin_language_s_words() -> None:
    """A listed word must point to Arabic alone; words Latin-script languages use go
    under ``neutral_words``."""
    detector = default_detector()
    latin = [code for code, script in detector.scripts.items() if script == "latin"]
    rule = detector.data.transliteration["ar"]
    frequencies = detector.word_frequencies
    taken = [
        word for word in sorted(rule.words) if frequencies.highest_frequency(word, latin) >= TAKEN_FREQUENCY
    ]
    assert not taken, f"move to neutral_words: {taken}"


def test_romanised_words_come_from_the_word_lists() -> None:
    rules = default_detector().transliterations()
    ru, uk = rules["ru"].reading, rules["uk"].reading
    assert ru is not None and uk is not None
    assert all(map(ru.points_here, ["pomogite", "strashno", "spasibo"]))
    assert all(map(uk.points_here, ["dopomozhit", "strashno", "dyakuyu"]))
    assert ru.points_here("mne") and not uk.points_here("mne")
    assert {"da", "net", "moi"} <= ru.neutral  # words of Latin-script languages
    assert rules["ar"].reading is None  # Arabizi is matched by its digits instead


def test_romanised_russian_is_written_back_in_cyrillic() -> None:
    assert in_native_script("pomogite on menya bet", "ru") == "помогите он меня бьет"
    assert in_native_script("dopomozhit vin mene bye", "uk") == "допоможіть він мене б'є"
    assert in_native_script("help he is hitting me", "en") is None
    assert in_native_script("помогите", "ru") is None


def test_romanised_words_count_only_as_a_share_of_the_telling_words() -> None:
    rule = Transliteration(
        word=None,
        exclude=None,
        likelihood_ratio=20,
        max_words=6,
        min_share=0.5,
        reading=Reading(
            native={"kak": "как", "dela": "дела", "da": "да", "ya": "я"},
            neutral=frozenset({"da", "ya"}),
            foreign=frozenset(),
        ),
    )
    assert rule.count(["kak", "dela?"]) == 2
    assert rule.count(["ya", "da", "kak"]) == 1  # "ya" and "da" say nothing either way
    assert rule.count(["kak", "are", "you"]) == 0  # one word in three is a coincidence
    assert rule.count(["da"]) == 0
    assert rule.count([]) == 0


def test_transliteration_is_data(tmp_path: Path) -> None:
    path = tmp_path / "detection.yml"
    path.write_text(
        "transliteration:\n"
        "  ar: {word: '^[a-z]*[37][a-z]+$', exclude: '^7am$', likelihood_ratio: 100, max_words: 2}\n"
    )
    rule = DetectionData.load(path).transliteration["ar"]
    assert rule.marks("ta3mel,") and rule.marks("7abibi")
    assert not rule.marks("7am") and not rule.marks("hello")


def test_distinctive_letters() -> None:
    assert lang("niño") == "es"
    assert lang("coração") == "pt"
    assert lang("їжа") == "uk"
    assert lang("đi đâu") == "vi"


# ---------------------------------------------------------------- explicit requests


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("español", "es"),
        ("Espanol", "es"),
        ("castellano por favor", "es"),
        ("in English please", "en"),
        ("english pls", "en"),
        ("en français", "fr"),
        ("parlez-vous français?", "fr"),
        ("português por favor", "pt"),
        ("по-русски", "ru"),
        ("говорите по русски пожалуйста", "ru"),
        ("українською будь ласка", "uk"),
        ("română te rog", "ro"),
        ("بالعربي", "ar"),
        ("هل تتكلم العربية", "ar"),
        ("说中文", "zh"),
        ("你会说中文吗", "zh"),
        ("Tiếng Việt", "vi"),
        ("noi tieng viet duoc khong", "vi"),
        ("tagalog po", "tl"),
        ("ภาษาไทยครับ", "th"),
        ("พูดไทยได้ไหม", "th"),
    ],
)
def test_explicit_request(text: str, expected: str) -> None:
    assert requested_language(text) == expected
    guess = detect(text)
    assert guess == LanguageGuess(expected, 1.0, True, ((expected, 1.0),))


@pytest.mark.parametrize(
    "text",
    [
        "no english",
        "my boss is russian",
        "i am from spain",
        "no hablo ingles",
        "我不会说中文",
        "the chinese restaurant took my passport",
        "english or spanish",
        "",
        "ok",
    ],
)
def test_not_a_request(text: str) -> None:
    assert requested_language(text) is None


@pytest.mark.parametrize("previous", LANGUAGES)
def test_explicit_request_wins_over_previous(previous: str) -> None:
    for text, expected in [("english please", "en"), ("español", "es"), ("中文", "zh")]:
        guess = detect(text, previous)
        assert (guess.language, guess.explicit) == (expected, True)


# -------------------------------------------------------- previous language as prior

#: Short words people of each language write mid-conversation. None of them may
#: switch the conversation away from its language.
SHORT_REPLIES: dict[str, list[str]] = {
    "en": ["ok", "okay", "yes", "no", "hi", "hello", "thanks", "sure", "k", "yeah", "si"],
    "es": ["ok", "si", "sí", "no", "hola", "gracias", "vale", "bueno", "claro", "ya", "help"],
    "fr": ["ok", "oui", "non", "merci", "salut", "d'accord", "bonjour", "no", "si"],
    "pt": ["ok", "sim", "nao", "não", "oi", "obrigado", "obrigada", "ta", "no", "hola"],
    "ru": ["ok", "да", "нет", "ок", "спасибо", "привет", "ага", "хорошо", "no", "help"],
    "uk": ["ok", "так", "ні", "дякую", "привіт", "добре", "да", "ок", "no"],
    "ro": ["ok", "da", "nu", "multumesc", "mersi", "salut", "bine", "no", "si"],
    "ar": ["ok", "نعم", "لا", "شكرا", "مرحبا", "تمام", "اوكي", "no"],
    "zh": ["ok", "好", "是", "不", "谢谢", "你好", "嗯", "好的", "no"],
    "vi": ["ok", "vang", "da", "khong", "cam on", "chao", "uh", "u", "no"],
    "tl": ["ok", "oo", "opo", "hindi", "salamat", "sige", "po", "hello po", "no", "si"],
    "th": ["ok", "ครับ", "ค่ะ", "ได้", "ไม่", "ขอบคุณ", "สวัสดี", "โอเค", "no"],
}


def test_short_replies_cover_every_language() -> None:
    assert set(SHORT_REPLIES) == set(LANGUAGES)


@pytest.mark.parametrize("previous", sorted(SHORT_REPLIES))
def test_short_replies_keep_previous_language(previous: str) -> None:
    switched = {
        word: detect(word, previous).language
        for word in SHORT_REPLIES[previous]
        if detect(word, previous).language != previous
    }
    assert switched == {}


@pytest.mark.parametrize("previous", LANGUAGES)
def test_ok_never_switches(previous: str) -> None:
    for text in ("ok", "OK!", "okkk", "ок", "👍", "..."):
        assert lang(text, previous) == previous


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("necesito ayuda por favor", "en", "es"),
        ("i need help with my passport", "es", "en"),
        ("спасибо", "en", "ru"),  # another script is clear evidence, even one word
        ("допоможіть мені будь ласка", "ru", "uk"),
        ("nao tenho onde dormir", "es", "pt"),
        ("ช่วยด้วย", "zh", "th"),
    ],
)
def test_clear_evidence_switches(text: str, previous: str, expected: str) -> None:
    assert lang(text, previous) == expected


def test_previous_language_accepts_regional_codes_and_ignores_unknown() -> None:
    assert lang("si", "es-MX") == "es"
    assert lang("ok", "xx") == default_language()
    assert lang("ok", "") == default_language()


# --------------------------------------------------------------- mixed and edge cases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("necesito help por favor", "es"),
        ("please ayudame no tengo donde dormir", "es"),
        ("wala akong work", "tl"),
        ("thank you po", "tl"),
        ("je suis perdue, help", "fr"),
    ],
)
def test_mixed_language_messages(text: str, expected: str) -> None:
    assert lang(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "😀🙏", "12345", "!!!", "👍👍 555", "https://x.y/z"])
def test_no_evidence_keeps_previous_or_default(text: str) -> None:
    assert detect(text) == LanguageGuess(default_language(), 0.0, False, ((default_language(), 0.0),))
    assert detect(text, "th").language == "th"
    assert detect(text, "th").confidence == 0.0


def test_very_long_text_is_fast_and_right() -> None:
    text = "Necesito ayuda, mi jefe tiene mi pasaporte y no me paga. " * 2000
    detect("warm up")
    start = time.perf_counter()
    guess = detect(text)
    assert time.perf_counter() - start < 0.5
    assert guess.language == "es"


def test_guess_shape() -> None:
    guess = detect("tengo miedo, no se donde estoy")
    assert guess.language == guess.candidates[0][0]
    assert guess.confidence == guess.candidates[0][1]
    assert 0.0 <= guess.confidence <= 1.0
    assert 1 <= len(guess.candidates) <= 3
    scores = [score for _, score in guess.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(code in LANGUAGES for code, _ in guess.candidates)
    assert guess.explicit is False


def test_later_calls_are_fast() -> None:
    texts = ["ayuda", "помогите", "help po", "toi can giup do", "je suis perdue"] * 20
    detect("warm up")
    durations = []
    for text in texts:
        start = time.perf_counter()
        detect(text)
        durations.append(time.perf_counter() - start)
    assert sorted(durations)[len(durations) // 2] < 0.01


# ------------------------------------------------------------- building blocks, data


def test_default_detector_is_shared() -> None:
    assert default_detector() is default_detector()


def test_works_without_nlu_data(tmp_path: Path) -> None:
    (tmp_path / "es.yml").write_text("nlu: [this is: not: valid", encoding="utf-8")
    detector = LanguageDetector.from_config(nlu_dir=tmp_path)
    assert detector.naive_bayes.languages == ()
    assert detector.detect("necesito ayuda").language == "es"
    assert detector.detect("помогите").language == "ru"


def test_load_nlu_examples_strips_annotations(tmp_path: Path) -> None:
    (tmp_path / "es.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: inform_location\n  examples: |\n'
        '    - estoy en [madrid](city)\n    - vivo en [texas]{"entity": "city"}\n'
        "- lookup: city\n  examples: |\n    - paris\n",
        encoding="utf-8",
    )
    examples = load_nlu_examples(tmp_path, ["es", "fr"])
    assert examples == {"es": ["estoy en madrid", "vivo en texas"]}


def test_naive_bayes_learns_from_examples() -> None:
    nb = CharNgramNaiveBayes().fit(
        {"aa": ["kala mala pala", "mala kala"], "bb": ["zuzu fufu", "fufu zuzu ru"]}
    )
    assert nb.languages == ("aa", "bb")
    probabilities = nb.probabilities("kala")
    assert probabilities["aa"] > 0.9
    assert nb.probabilities("???") == {}


def test_a_thirteenth_language_needs_only_data(tmp_path: Path) -> None:
    scripts = {code: info.script for code, info in supported_languages().items()}
    requests = LanguageRequests({"el": ["ελληνικά", "greek"], "en": ["english"]}, ["please"])
    detector = LanguageDetector(
        scripts={**scripts, "el": "Greek"},
        default="en",
        data=DetectionData.load(),
        requests=requests,
        nlu_dir=tmp_path,
    )
    assert detector.detect("Χρειάζομαι βοήθεια").language == "el"
    assert detector.detect("greek please").language == "el"
    assert detector.detect("ok", "el").language == "el"


# ---------------------------------------------------------------- Rasa component


def _component_messages(texts_and_metadata: list[tuple[str | None, object]]) -> list[object]:
    message_module = pytest.importorskip("rasa.shared.nlu.training_data.message")
    return [
        message_module.Message(data={"text": text, "metadata": metadata})
        for text, metadata in texts_and_metadata
    ]


def test_component_sets_language_with_channel_prior() -> None:
    component_module = pytest.importorskip("bot.nlu.language_component")
    component = component_module.LanguageDetector.create({}, None, None, None)  # type: ignore[arg-type]
    messages = _component_messages(
        [("necesito ayuda", None), ("ok", {"language": "ru"}), ("si", {"language": 5})]
    )
    component.process(messages)
    first = messages[0].get("language")  # type: ignore[attr-defined]
    assert first["code"] == "es" and first["explicit"] is False
    assert first["candidates"][0] == ["es", first["confidence"]]
    assert messages[1].get("language")["code"] == "ru"  # type: ignore[attr-defined]
    assert messages[2].get("language")["code"] in LANGUAGES  # type: ignore[attr-defined]
    assert "language" in messages[0].as_dict(only_output_properties=True)  # type: ignore[attr-defined]


def test_component_never_raises_and_never_logs_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    component_module = pytest.importorskip("bot.nlu.language_component")

    def broken(text: str, previous: str | None = None) -> LanguageGuess:
        raise RuntimeError(f"cannot read {text}")

    monkeypatch.setattr(component_module, "detect", broken)
    component = component_module.LanguageDetector.create({}, None, None, None)  # type: ignore[arg-type]
    messages = _component_messages([("my secret address", None)])
    with caplog.at_level(logging.WARNING):
        assert component.process(messages) == messages
    assert messages[0].get("language") is None  # type: ignore[attr-defined]
    assert "secret" not in caplog.text
    assert "Language detection failed" in caplog.text
