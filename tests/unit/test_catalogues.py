"""Every configured language has every text, every placeholder, and its data files."""

from __future__ import annotations

import pytest
import yaml

from bot.language_config import supported_languages
from bot.locales import LOCALES_DIR, catalogue, match_keyword, placeholders, text
from bot.settings import REPO_ROOT

LANGUAGES = sorted(supported_languages())
REFERENCE = catalogue("en")
DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_all_its_data_files(language: str) -> None:
    assert (LOCALES_DIR / f"{language}.yml").is_file(), "reply catalogue missing"
    assert (REPO_ROOT / "data" / "nlu" / f"{language}.yml").is_file(), "NLU data missing"
    assert (REPO_ROOT / "data" / "risk" / "lexicon" / f"{language}.yml").is_file(), "risk lexicon missing"
    training = REPO_ROOT / "data" / "risk" / "training" / f"{language}.tsv"
    assert training.is_file(), "risk classifier training messages missing"
    levels = {line.split("\t", 1)[0] for line in training.read_text(encoding="utf-8").splitlines()[1:]}
    assert levels == {"none", "elevated", "high", "imminent"}, "risk training needs every level"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_key_with_the_same_placeholders(language: str) -> None:
    texts = catalogue(language)
    assert set(texts) == set(REFERENCE), f"keys differ: {set(texts) ^ set(REFERENCE)}"
    for key, english in REFERENCE.items():
        if isinstance(english, str):
            assert isinstance(texts[key], str) and texts[key].strip(), key
            assert placeholders(texts[key]) == placeholders(english), key
        else:
            assert isinstance(texts[key], list) and texts[key], key


@pytest.mark.parametrize("language", LANGUAGES)
def test_replies_are_sms_sized(language: str) -> None:
    for key, value in catalogue(language).items():
        if key.startswith("utter_"):
            filled = text(key, language, **{name: "x" * 20 for name in placeholders(value)})
            assert len(filled) < 300, f"{language}:{key} is {len(filled)} characters"


def test_every_domain_response_exists_in_the_catalogues() -> None:
    for response in DOMAIN["responses"]:
        assert response in REFERENCE, response


def test_responses_sent_by_rules_need_no_values_the_nlg_cannot_fill() -> None:
    slot_names = set(DOMAIN["slots"])
    for response in DOMAIN["responses"]:
        assert placeholders(REFERENCE[response]) <= slot_names, response


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_erase_keyword_is_recognised(language: str) -> None:
    for word in catalogue(language)["keywords_erase"]:
        match = match_keyword(str(word).upper())
        assert match is not None and match.command == "erase", word


def test_keywords_do_not_collide_across_commands() -> None:
    seen: dict[str, str] = {}
    for language in LANGUAGES:
        for command in ("erase", "more", "skip", "person"):
            for word in catalogue(language)[f"keywords_{command}"]:
                folded = str(word).lower()
                assert seen.setdefault(folded, command) == command, f"{word!r} means two commands"


def test_ordinary_replies_are_not_commands() -> None:
    for reply in ["yes", "no", "ok", "si", "hola", "да", "нет", "好", "ครับ", "oo", "hindi", "không"]:
        assert match_keyword(reply) is None, reply
