"""Conversations in several languages through the real model, Redis and action server."""

from __future__ import annotations

import uuid

import pytest

from bot.locales import text
from tests.conftest import bot_texts

pytestmark = pytest.mark.model


def _sender() -> str:
    return f"test:{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    ("language", "opening", "yes"),
    [
        ("es", "hola, necesito ayuda", "si"),
        ("fr", "bonjour j'ai besoin d'aide", "oui"),
        ("ru", "здравствуйте, мне нужна помощь", "да"),
        ("ar", "مرحبا احتاج مساعدة", "نعم"),
        ("zh", "你好，我需要帮助", "是的"),
        ("th", "สวัสดีค่ะ ต้องการความช่วยเหลือ", "ใช่ค่ะ"),
        ("vi", "xin chao toi can giup do", "co"),
        ("tl", "hello po kailangan ko ng tulong", "oo"),
    ],
)
async def test_opening_and_safety_check_in_the_persons_language(
    agent,
    redis_client,
    language: str,
    opening: str,
    yes: str,  # type: ignore[no-untyped-def]
) -> None:
    sender = _sender()
    first = bot_texts(await agent.handle_text(opening, sender_id=sender))
    assert first[0] == text("utter_intro", language)
    assert first[1] == text("utter_ask_safe_to_talk", language)
    second = bot_texts(await agent.handle_text(yes, sender_id=sender))
    assert text("utter_ask_need", language) in second


async def test_language_switch_mid_conversation(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("hola necesito ayuda", sender_id=sender)
    switched = bot_texts(await agent.handle_text("in english please", sender_id=sender))
    assert text("utter_language_changed", "en") in switched
    later = bot_texts(await agent.handle_text("what is this?", sender_id=sender))
    assert text("utter_what_is_this", "en") in later


async def test_short_ambiguous_reply_keeps_the_language(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("hola, necesito ayuda por favor", sender_id=sender)
    reply = bot_texts(await agent.handle_text("ok", sender_id=sender))
    assert text("utter_ask_need", "es") in reply


async def test_mixed_language_message_is_answered_in_the_main_language(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    reply = bot_texts(
        await agent.handle_text("necesito help por favor, mi jefe tiene mi pasaporte", sender_id=sender)
    )
    assert reply[0] == text("utter_intro", "es")


async def test_arabic_danger_mid_form_gets_the_local_emergency_number(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("مرحبا احتاج مساعدة", sender_id=sender)
    await agent.handle_text("نعم", sender_id=sender)
    await agent.handle_text("انا في الامارات", sender_id=sender)
    reply = bot_texts(await agent.handle_text("سوف يقتلني الان", sender_id=sender))
    assert reply[0] == text("utter_danger_emergency", "ar", emergency="999")


async def test_erase_keyword_in_thai_mid_form(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    sender = _sender()
    await agent.handle_text("สวัสดีค่ะ ต้องการความช่วยเหลือ", sender_id=sender)
    await agent.handle_text("ใช่ค่ะ", sender_id=sender)
    reply = bot_texts(await agent.handle_text("ลบ", sender_id=sender))
    assert reply == [text("utter_erased", "th")]


async def test_romanised_russian_danger_gets_the_danger_path_in_russian(agent, redis_client) -> None:  # type: ignore[no-untyped-def]
    """Typed without a Cyrillic keyboard: detected as Russian, read back in Cyrillic
    for the risk lexicon, answered in Russian with the local emergency number first."""
    sender = _sender()
    first = bot_texts(await agent.handle_text("zdravstvuyte mne nuzhna pomosh", sender_id=sender))
    assert first[0] == text("utter_intro", "ru")
    await agent.handle_text("da", sender_id=sender)
    await agent.handle_text("ya v dubai", sender_id=sender)
    reply = bot_texts(await agent.handle_text("pomogite on menya bet", sender_id=sender))
    assert reply[0] == text("utter_danger_emergency", "ru", emergency="999")
