"""The Telegram channel over real HTTP, with a real Rasa agent and a fake Bot API."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import redis

from bot import redis_keys
from bot.language_config import supported_languages
from bot.locales import text
from bot.safety_net import safety_numbers
from bot.settings import SettingsError
from channels.telegram_webhook import set_webhook
from tests.channels.conftest import (
    TELEGRAM_SECRET,
    TG_CHAT,
    Harness,
    HarnessFactory,
    StubAgent,
    fallback_text,
    rasa_fails,
    rasa_hangs,
    rasa_silent,
    tg_callback,
    tg_update,
    user_texts,
)
from tests.fakes.fake_telegram import FakeTelegram

# ------------------------------------------------------------------ secret token


async def test_message_with_the_secret_is_answered_through_the_bot_api(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    response = await harness.telegram(tg_update("hello"))
    assert response.json() == {"ok": True}
    replies = fake_telegram.sent_texts(TG_CHAT)
    assert replies == [text("utter_intro", "en"), text("utter_ask_safe_to_talk", "en")]
    assert user_texts(redis_client, harness.tg_conversation_id()) == ["hello"]
    # Plain text: no markup to break, RTL scripts render as they are.
    assert all("parse_mode" not in call for call in fake_telegram.calls_of("sendMessage"))


@pytest.mark.parametrize("secret", ["wrong", "", None, TELEGRAM_SECRET + "x", TELEGRAM_SECRET.upper()])
async def test_wrong_or_missing_secret_is_refused(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis, secret: str | None
) -> None:
    response = await harness.post_telegram(tg_update("hello"), secret=secret)
    assert response.status_code == 403
    assert fake_telegram.calls == [] and redis_client.dbsize() == 0


async def test_unconfigured_telegram_refuses_everything(make_harness: HarnessFactory) -> None:
    harness = await make_harness(MARIGOLD_TELEGRAM_TOKEN="", MARIGOLD_TELEGRAM_SECRET="")
    response = await harness.post_telegram(tg_update("hello"), secret="")
    assert response.status_code == 403
    assert harness.telegram_channel.get_output_channel() is None


# ------------------------------------------------------------------ odd requests


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'{"message": {}}', b'"just a string"'])
async def test_malformed_updates_get_a_clear_400(harness: Harness, body: bytes) -> None:
    response = await harness.post_telegram(body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_update_with_broken_fields_is_a_400_not_a_500(harness: Harness) -> None:
    response = await harness.post_telegram({"update_id": 5, "message": {"text": "no chat, no date"}})
    assert response.status_code == 400


async def test_other_update_kinds_are_ignored_with_200(harness: Harness, fake_telegram: FakeTelegram) -> None:
    update = tg_update("edited")
    edited = {"update_id": update["update_id"], "edited_message": update["message"]}
    assert (await harness.post_telegram(edited)).status_code == 200
    assert fake_telegram.calls == []


async def test_group_chats_are_not_served(harness: Harness, fake_telegram: FakeTelegram) -> None:
    await harness.telegram(tg_update("hello", chat_type="group"))
    assert fake_telegram.calls == []


async def test_photo_gets_the_media_notice(harness: Harness, fake_telegram: FakeTelegram) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    await harness.telegram(tg_update(photo=photo))
    assert fake_telegram.sent_texts(TG_CHAT) == [text("utter_media_unsupported", "en")]


async def test_shared_contact_is_media_and_never_stored(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    contact = {"phone_number": "+79161234567", "first_name": "Boss"}
    await harness.telegram(tg_update(contact=contact))
    assert fake_telegram.sent_texts(TG_CHAT) == [text("utter_media_unsupported", "en")]
    assert "9161234567" not in str([redis_client.dump(key) for key in redis_client.keys("*")])


async def test_photo_with_caption_reads_the_caption(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    await harness.telegram(tg_update(photo=photo, caption="hello"))
    texts = fake_telegram.sent_texts(TG_CHAT)
    assert texts[0] == text("utter_media_unsupported", "en") and len(texts) >= 2
    assert user_texts(redis_client, harness.tg_conversation_id()) == ["hello"]


async def test_errors_inside_still_answer_200(harness: Harness, fake_telegram: FakeTelegram) -> None:
    fake_telegram.failures["sendMessage"] = (500, "Internal Server Error")
    response = await harness.post_telegram(tg_update("hello"))
    assert response.status_code == 200  # a 500 would make Telegram redeliver forever


# ------------------------------------------------------------------ dedupe, Unicode


async def test_redelivered_update_is_processed_once(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    update = tg_update("hello", update_id=424242)
    await harness.telegram(update)
    sent = fake_telegram.sent_texts(TG_CHAT)
    await harness.telegram(update)
    await asyncio.gather(*(harness.telegram(update) for _ in range(3)))
    assert fake_telegram.sent_texts(TG_CHAT) == sent
    assert user_texts(redis_client, harness.tg_conversation_id()) == ["hello"]


async def test_concurrent_messages_are_all_answered(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    words = ["hello", "مرحبا", "สวัสดี", "你好", "bye"]
    await asyncio.gather(*(harness.telegram(tg_update(word)) for word in words))
    assert len(fake_telegram.sent_texts(TG_CHAT)) >= len(words)
    assert sorted(user_texts(redis_client, harness.tg_conversation_id())) == sorted(words)


async def test_arabic_reply_is_sent_as_plain_text(harness: Harness, fake_telegram: FakeTelegram) -> None:
    await harness.telegram(tg_update("مرحبا احتاج مساعدة", language_code="ar"))
    intro, question = fake_telegram.calls_of("sendMessage")
    assert intro["text"] == text("utter_intro", "ar")
    assert question["text"] == text("utter_ask_safe_to_talk", "ar")
    assert "\u202b" not in intro["text"] and "\u200f" not in intro["text"]  # no bidi hacks


@pytest.mark.parametrize(("app_language", "expected"), [("ru", "ru"), ("pt-br", "pt"), ("de", "en")])
async def test_app_language_is_the_first_guess(
    harness: Harness, redis_client: redis.Redis, app_language: str, expected: str
) -> None:
    harness.use_agent(StubAgent(rasa_silent))
    await harness.telegram(tg_update("/start", language_code=app_language))
    assert redis_client.hget(redis_keys.session(harness.tg_conversation_id()), "language") == expected


# ------------------------------------------------------------------ buttons and commands


async def test_buttons_become_an_inline_keyboard_and_presses_reach_rasa(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    await harness.telegram(tg_update("hello"))
    _, with_buttons = fake_telegram.calls_of("sendMessage")
    keyboard = with_buttons["reply_markup"]["inline_keyboard"]
    buttons = [button for row in keyboard for button in row]
    assert [b["callback_data"] for b in buttons] == ["/affirm", "/deny"]
    assert [b["text"] for b in buttons] == [text("button_yes", "en"), text("button_no", "en")]
    bot_message_id = max(fake_telegram.chats[TG_CHAT])

    fake_telegram.calls.clear()
    await harness.telegram(tg_callback("/affirm", message_id=bot_message_id))
    (answered,) = fake_telegram.calls_of("answerCallbackQuery")
    assert answered["callback_query_id"].startswith("cbq-")
    assert text("utter_ask_need", "en") in fake_telegram.sent_texts(TG_CHAT)
    assert user_texts(redis_client, harness.tg_conversation_id()) == ["hello", "/affirm"]


async def test_start_greets_through_rasa(harness: Harness, redis_client: redis.Redis) -> None:
    await harness.telegram(tg_update("/start"))
    await harness.telegram(tg_update("/start some-deep-link-payload"))
    assert user_texts(redis_client, harness.tg_conversation_id()) == ["hi", "hi"]


async def test_help_shows_the_menu_with_a_helpline(harness: Harness, fake_telegram: FakeTelegram) -> None:
    await harness.telegram(tg_update("/help"))
    numbers = safety_numbers(None, "en")
    assert fake_telegram.sent_texts(TG_CHAT) == [text("utter_menu", "en", hotline=numbers.hotline)]


async def test_language_command_offers_every_language_and_switches(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    await harness.telegram(tg_update("/language"))
    (offer,) = fake_telegram.calls_of("sendMessage")
    names = [info.name for info in supported_languages().values()]
    assert offer["text"] == text("utter_choose_language", "en", language_list=", ".join(names))
    buttons = [row[0] for row in offer["reply_markup"]["inline_keyboard"]]
    assert [button["text"] for button in buttons] == names
    assert "/language ru" in [button["callback_data"] for button in buttons]

    await harness.telegram(tg_callback("/language ru", message_id=max(fake_telegram.chats[TG_CHAT])))
    assert fake_telegram.sent_texts(TG_CHAT)[-1] == text("utter_language_changed", "ru")
    assert redis_client.hget(redis_keys.session(harness.tg_conversation_id()), "language") == "ru"


# ------------------------------------------------------------------ erase


async def test_erase_deletes_keys_and_the_chat_history(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    conversation_id = harness.tg_conversation_id()
    for word in ("hello", "help", "bye"):
        message_id = fake_telegram.user_message(TG_CHAT, word)
        await harness.telegram(tg_update(word, message_id=message_id))
    redis_client.zadd(redis_keys.QUEUE, {conversation_id: 1.0})
    assert len(fake_telegram.chats[TG_CHAT]) >= 6

    erase_id = fake_telegram.user_message(TG_CHAT, "/erase")
    await harness.telegram(tg_update("/erase", message_id=erase_id))

    assert [key for key in redis_client.keys("*") if conversation_id in key] == []
    assert redis_client.zcard(redis_keys.QUEUE) == 0
    assert fake_telegram.calls_of("deleteMessages")
    # What is left in the chat: only the confirmation.
    assert list(fake_telegram.chats[TG_CHAT].values()) == [text("utter_erased", "en")]


async def test_erase_in_another_language(harness: Harness, fake_telegram: FakeTelegram) -> None:
    await harness.telegram(tg_update("Мне нужна помощь"))
    await harness.telegram(tg_update("удалить"))
    assert fake_telegram.sent_texts(TG_CHAT)[-1] == text("utter_erased", "ru")


async def test_first_message_erase_answers_in_the_apps_language(
    harness: Harness, fake_telegram: FakeTelegram
) -> None:
    await harness.telegram(tg_update("/erase", language_code="ru"))
    assert fake_telegram.sent_texts(TG_CHAT) == [text("utter_erased", "ru")]


async def test_erase_still_confirms_when_deleting_fails(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    await harness.telegram(tg_update("hello"))
    fake_telegram.failures["deleteMessages"] = (400, "Bad Request: message can't be deleted")
    await harness.telegram(tg_update("/erase"))
    assert fake_telegram.sent_texts(TG_CHAT)[-1] == text("utter_erased", "en")
    assert [key for key in redis_client.keys("*") if harness.tg_conversation_id() in key] == []


# ------------------------------------------------------------------ later messages


async def test_counselor_relay_reaches_the_chat_from_the_vault(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    await harness.telegram(tg_update("hello"))
    conversation_id = harness.tg_conversation_id()
    assert str(TG_CHAT) not in (redis_client.get(redis_keys.vault(conversation_id)) or "")
    chat_ids_before = redis_client.llen(redis_keys.sent(conversation_id))
    fake_telegram.calls.clear()

    response = await harness.relay(conversation_id, "Hi, I am a counselor.")
    assert response.status_code == 200, response.text
    (sent,) = fake_telegram.calls_of("sendMessage")
    assert (sent["chat_id"], sent["text"]) == (TG_CHAT, "Hi, I am a counselor.")
    # The relayed message is recorded, so erase deletes it with the rest.
    assert redis_client.llen(redis_keys.sent(conversation_id)) == chat_ids_before + 1


async def test_relay_failure_is_reported(harness: Harness, fake_telegram: FakeTelegram) -> None:
    await harness.telegram(tg_update("hello"))
    fake_telegram.failures["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    response = await harness.relay(harness.tg_conversation_id(), "Are you there?")
    assert response.status_code >= 400


# ------------------------------------------------------------------ never silent


async def test_rasa_down_gives_the_fallback_in_the_persons_language(
    harness: Harness, fake_telegram: FakeTelegram
) -> None:
    harness.use_agent(StubAgent(rasa_fails))
    await harness.telegram(tg_update("Мне нужна помощь"))
    assert fake_telegram.sent_texts(TG_CHAT) == [fallback_text("ru")]


async def test_rasa_timeout_gives_the_fallback(
    make_harness: HarnessFactory, fake_telegram: FakeTelegram
) -> None:
    harness = await make_harness(MARIGOLD_RASA_TIMEOUT_SECONDS="0.3")
    harness.use_agent(StubAgent(rasa_hangs))
    await harness.telegram(tg_update("مرحبا"))
    assert fake_telegram.sent_texts(TG_CHAT) == [fallback_text("ar")]


async def test_silent_rasa_outside_a_handoff_gives_the_fallback(
    harness: Harness, fake_telegram: FakeTelegram, redis_client: redis.Redis
) -> None:
    harness.use_agent(StubAgent(rasa_silent))
    await harness.telegram(tg_update("hello"))
    assert fake_telegram.sent_texts(TG_CHAT) == [fallback_text("en")]
    fake_telegram.calls.clear()
    redis_client.hset(redis_keys.handoff(harness.tg_conversation_id()), mapping={"status": "active"})
    await harness.telegram(tg_update("hello again"))
    assert fake_telegram.sent_texts(TG_CHAT) == []


# ------------------------------------------------------------------ webhook registration


async def test_set_webhook_registers_url_secret_and_update_kinds(
    harness: Harness, fake_telegram: FakeTelegram
) -> None:
    await set_webhook(harness.settings)
    (call,) = fake_telegram.calls_of("setWebhook")
    assert call["url"] == harness.settings.telegram_webhook_url
    assert call["secret_token"] == TELEGRAM_SECRET
    assert call["allowed_updates"] == ["message", "callback_query"]


async def test_set_webhook_names_the_missing_setting(harness: Harness) -> None:
    no_url = dataclasses.replace(harness.settings, telegram_webhook_url="")
    with pytest.raises(SettingsError, match="MARIGOLD_TELEGRAM_WEBHOOK_URL"):
        await set_webhook(no_url)
    bad_secret = dataclasses.replace(harness.settings, telegram_secret="has spaces!")
    with pytest.raises(SettingsError, match="MARIGOLD_TELEGRAM_SECRET"):
        await set_webhook(bad_secret)
