"""The Twilio SMS channel over real HTTP, with a real Rasa agent and a fake Twilio API."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis

from bot import redis_keys
from bot.directory import seed_directory
from bot.locales import text
from bot.resource_format import format_resource
from bot.sms_segments import fits_sms, segment_count
from channels.base import DeliveryError
from tests.channels.conftest import (
    OTHER_PHONE,
    PHONE,
    SMS_FROM,
    SMS_PUBLIC_URL,
    Harness,
    HarnessFactory,
    StubAgent,
    fallback_text,
    rasa_fails,
    rasa_hangs,
    rasa_silent,
    twiml_messages,
    user_texts,
)
from tests.conftest import free_port
from tests.fakes.fake_twilio import FakeTwilio

# ------------------------------------------------------------------ signatures


async def test_signed_message_gets_a_twiml_reply(harness: Harness, redis_client: redis.Redis) -> None:
    replies = await harness.sms("hello")
    assert replies[0] == text("utter_intro", "en")
    assert replies[-1] == text("utter_ask_safe_to_talk", "en")
    conversation_id = harness.sms_conversation_id()
    assert user_texts(redis_client, conversation_id) == ["hello"]
    # Rasa only ever saw the pseudonym.
    assert not redis_client.keys(f"*{PHONE}*") and not redis_client.keys("*5557654321*")


@pytest.mark.parametrize("signature", ["wrong-signature", "", None])
async def test_wrong_or_missing_signature_is_refused(
    harness: Harness, redis_client: redis.Redis, signature: str | None
) -> None:
    response = await harness.post_sms(harness.sms_form("hello"), signature=signature)
    assert response.status_code == 403
    assert redis_client.dbsize() == 0  # nothing processed, nothing stored


async def test_signature_over_other_fields_is_refused(harness: Harness, redis_client: redis.Redis) -> None:
    form = harness.sms_form("hello")
    signed = await harness.post_sms(form)
    assert signed.status_code == 200
    tampered = dict(form, Body="something else", MessageSid="SM" + "f" * 32)
    from twilio.request_validator import RequestValidator

    signature = RequestValidator("twilio-test-auth-token").compute_signature(SMS_PUBLIC_URL, form)
    response = await harness.post_sms(tampered, signature=signature)
    assert response.status_code == 403


async def test_local_mode_can_skip_signatures(make_harness: HarnessFactory) -> None:
    harness = await make_harness(MARIGOLD_TWILIO_VALIDATE_SIGNATURES="false")
    response = await harness.post_sms(harness.sms_form("hello"), signature=None)
    assert response.status_code == 200
    assert twiml_messages(response.text)


# ------------------------------------------------------------------ odd requests


async def test_missing_body_is_an_empty_message_not_an_error(harness: Harness) -> None:
    assert await harness.sms(None) == [text("utter_ask_rephrase", "en")]


async def test_media_without_text_gets_the_media_notice(harness: Harness, redis_client: redis.Redis) -> None:
    assert await harness.sms(None, num_media=1) == [text("utter_media_unsupported", "en")]
    assert user_texts(redis_client, harness.sms_conversation_id()) == []


async def test_media_with_a_caption_reads_the_caption(harness: Harness, redis_client: redis.Redis) -> None:
    replies = await harness.sms("hello", num_media=2)
    assert replies[0] == text("utter_media_unsupported", "en")
    assert len(replies) >= 2
    assert user_texts(redis_client, harness.sms_conversation_id()) == ["hello"]


async def test_malformed_bodies_never_give_a_500(make_harness: HarnessFactory) -> None:
    harness = await make_harness(MARIGOLD_TWILIO_VALIDATE_SIGNATURES="false")
    client = harness.client
    for kwargs in (
        {"content": b"{not a form", "headers": {"Content-Type": "application/json"}},
        {"content": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"data": {"Body": "hello"}},  # no From
        {"content": b""},
    ):
        response = await client.post("/webhooks/sms/webhook", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 400, response.text
        assert "error" in response.json()
    odd = harness.sms_form("hello")
    odd["NumMedia"] = "lots"
    response = await harness.post_sms(odd, signature=None)
    assert response.status_code == 200


async def test_malformed_body_with_signatures_on_is_refused(harness: Harness) -> None:
    response = await harness.client.post(
        "/webhooks/sms/webhook", content=b"{}", headers={"X-Twilio-Signature": "x"}
    )
    assert response.status_code == 403


async def test_oversize_message_is_cut_and_the_person_told(
    make_harness: HarnessFactory, redis_client: redis.Redis
) -> None:
    harness = await make_harness(MARIGOLD_MAX_MESSAGE_CHARS="100")
    long_text = "hello there. " + "I need help with many things " * 40
    replies = await harness.sms(long_text)
    assert replies[0] == text("utter_message_truncated", "en")
    assert len(replies) >= 2
    (seen,) = user_texts(redis_client, harness.sms_conversation_id())
    assert 0 < len(seen) <= 100 and long_text.startswith(seen)


# ------------------------------------------------------------------ dedupe, concurrency


async def test_retry_with_the_same_message_sid_gets_the_same_reply_once(
    harness: Harness, redis_client: redis.Redis
) -> None:
    form = harness.sms_form("hello", sid="SM" + "a" * 32)
    first = await harness.post_sms(form)
    second = await harness.post_sms(form)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text and twiml_messages(first.text)
    assert user_texts(redis_client, harness.sms_conversation_id()) == ["hello"]


async def test_simultaneous_retries_are_processed_once(harness: Harness, redis_client: redis.Redis) -> None:
    form = harness.sms_form("help", sid="SM" + "b" * 32)
    responses = await asyncio.gather(*(harness.post_sms(form) for _ in range(4)))
    assert {response.text for response in responses} == {responses[0].text}
    assert twiml_messages(responses[0].text)
    assert user_texts(redis_client, harness.sms_conversation_id()) == ["help"]


async def test_concurrent_messages_from_one_sender_are_all_answered(
    harness: Harness, redis_client: redis.Redis
) -> None:
    words = ["hello", "help", "bye", "hola", "привет"]
    results = await asyncio.gather(*(harness.sms(word) for word in words))
    assert all(replies for replies in results)
    assert sorted(user_texts(redis_client, harness.sms_conversation_id())) == sorted(words)


async def test_two_senders_get_two_conversations(harness: Harness, redis_client: redis.Redis) -> None:
    await harness.sms("hello")
    await harness.sms("hello", sender=OTHER_PHONE)
    assert harness.sms_conversation_id() != harness.sms_conversation_id(OTHER_PHONE)
    assert user_texts(redis_client, harness.sms_conversation_id(OTHER_PHONE)) == ["hello"]


# ------------------------------------------------------------------ Unicode


@pytest.mark.parametrize(
    ("message", "language"),
    [("مرحبا", "ar"), ("สวัสดีครับ", "th"), ("Мне нужна помощь", "ru"), ("hello 👋🏽", "en")],
)
async def test_unicode_messages(
    harness: Harness, redis_client: redis.Redis, message: str, language: str
) -> None:
    replies = await harness.sms(message)
    assert replies and all(fits_sms(reply) for reply in replies)
    conversation_id = harness.sms_conversation_id()
    assert user_texts(redis_client, conversation_id) == [message]
    assert redis_client.hget(redis_keys.session(conversation_id), "language") == language


async def test_long_arabic_reply_is_split_into_ucs2_sized_messages(harness: Harness) -> None:
    await harness.sms("مرحبا احتاج مساعدة")
    await harness.sms("نعم")
    await harness.sms("احتاج مكان امن للنوم")
    replies = await harness.sms("انا في امريكا")
    listing = "\n\n".join(
        format_resource(resource, "ar") for resource in seed_directory().find("US", "shelter", "ar")[:3]
    )
    assert segment_count(listing) > 3, "the Arabic list of services is longer than one SMS"
    assert all(fits_sms(reply) for reply in replies)
    # Nothing lost or reordered by the split.
    assert listing.replace(" ", "").replace("\n", "") in "".join(replies).replace(" ", "").replace("\n", "")


# ------------------------------------------------------------------ STOP / START / HELP


async def test_stop_start_and_help(
    harness: Harness, redis_client: redis.Redis, fake_twilio: FakeTwilio
) -> None:
    await harness.sms("hello")
    conversation_id = harness.sms_conversation_id()

    assert await harness.sms("STOP") == [text("utter_sms_stopped", "en")]
    assert await harness.sms("stop") == []  # one confirmation only
    assert await harness.sms("hello") == []  # nothing at all while opted out
    assert user_texts(redis_client, conversation_id) == ["hello"]

    relay = await harness.relay(conversation_id, "A counselor writes")
    assert relay.status_code >= 400  # the console learns the message was not sent
    assert fake_twilio.sent == []

    assert await harness.sms("HELP") == [text("utter_sms_help", "en")]  # carriers require it
    assert await harness.sms("Start") == [text("utter_sms_started", "en")]
    assert await harness.sms("hello")
    assert user_texts(redis_client, conversation_id) == ["hello", "hello"]


async def test_yes_opts_back_in_only_after_stop(harness: Harness, redis_client: redis.Redis) -> None:
    assert text("utter_sms_started", "en") not in await harness.sms("yes")
    await harness.sms("unsubscribe")
    assert await harness.sms("YES") == [text("utter_sms_started", "en")]


async def test_help_is_answered_and_also_reaches_rasa(harness: Harness, redis_client: redis.Redis) -> None:
    replies = await harness.sms("help")
    assert replies[0] == text("utter_sms_help", "en")
    assert len(replies) >= 2
    assert user_texts(redis_client, harness.sms_conversation_id()) == ["help"]


# ------------------------------------------------------------------ ERASE


async def test_erase_removes_every_key_and_the_vault(harness: Harness, redis_client: redis.Redis) -> None:
    await harness.sms("hello")
    await harness.sms("help")
    conversation_id = harness.sms_conversation_id()
    redis_client.zadd(redis_keys.QUEUE, {conversation_id: 1.0, "tg:someone-else": 2.0})
    redis_client.hset(redis_keys.handoff(conversation_id), mapping={"status": "closed"})
    assert redis_client.exists(redis_keys.vault(conversation_id))

    assert await harness.sms("ERASE") == [text("utter_erased", "en")]

    assert [key for key in redis_client.keys("*") if conversation_id in key] == []
    assert redis_client.zrange(redis_keys.QUEUE, 0, -1) == ["tg:someone-else"]
    assert await harness.sms_channel.get_output_channel().state.address(conversation_id) is None  # type: ignore[union-attr]


async def test_erase_answers_in_the_persons_language(harness: Harness) -> None:
    await harness.sms("Мне нужна помощь")
    assert await harness.sms("Удалить!") == [text("utter_erased", "ru")]


async def test_erase_keyword_of_any_language_works_first_thing(harness: Harness) -> None:
    assert await harness.sms("удалить") == [text("utter_erased", "ru")]


async def test_erase_while_opted_out_erases_silently_and_keeps_the_opt_out(
    harness: Harness, redis_client: redis.Redis
) -> None:
    await harness.sms("hello")
    await harness.sms("STOP")
    assert await harness.sms("erase") == []
    conversation_id = harness.sms_conversation_id()
    assert not redis_client.exists(redis_keys.tracker(conversation_id), redis_keys.vault(conversation_id))
    assert redis_client.hgetall(redis_keys.session(conversation_id)) == {"sms_opt_out": "1"}


# ------------------------------------------------------------------ rate limit


async def test_rate_limit_with_one_polite_notice(
    make_harness: HarnessFactory, redis_client: redis.Redis
) -> None:
    harness = await make_harness(MARIGOLD_RATE_LIMIT_PER_MINUTE="3")
    for _ in range(3):
        assert await harness.sms("hello")
    assert await harness.sms("hello") == [text("utter_rate_limited", "en")]
    assert await harness.sms("hello") == []
    assert len(user_texts(redis_client, harness.sms_conversation_id())) == 3
    assert await harness.sms("erase") == [text("utter_erased", "en")]  # never rate limited


# ------------------------------------------------------------------ later messages


async def test_counselor_relay_reaches_twilio_with_the_vaulted_number(
    harness: Harness, redis_client: redis.Redis, fake_twilio: FakeTwilio
) -> None:
    await harness.sms("hello")
    conversation_id = harness.sms_conversation_id()
    stored = redis_client.get(redis_keys.vault(conversation_id))
    assert stored and PHONE not in stored

    response = await harness.relay(conversation_id, "Hi, I am a counselor. I am here with you.")
    assert response.status_code == 200, response.text

    (sent,) = fake_twilio.sent
    assert (sent.to, sent.from_) == (PHONE, SMS_FROM)
    assert sent.body == "Hi, I am a counselor. I am here with you."
    assert sent.status_callback == SMS_PUBLIC_URL.removesuffix("webhook") + "status"
    assert redis_client.hgetall(redis_keys.delivery(sent.sid)) == {"status": "queued", "error_code": ""}


async def test_long_relay_is_sent_as_several_messages(harness: Harness, fake_twilio: FakeTwilio) -> None:
    await harness.sms("привет")
    text_ = "Я здесь, чтобы помочь вам. " * 20
    response = await harness.relay(harness.sms_conversation_id(), text_)
    assert response.status_code == 200
    assert len(fake_twilio.sent) >= 2
    assert all(fits_sms(sms.body) for sms in fake_twilio.sent)


async def test_nothing_reaches_a_phone_after_erase(harness: Harness, fake_twilio: FakeTwilio) -> None:
    await harness.sms("hello")
    await harness.sms("erase")
    # Through Rasa: the erased tracker has no channel any more, so nothing is sent.
    await harness.relay(harness.sms_conversation_id(), "Are you there?")
    # Through the output channel itself: the vault is empty, the sender learns it.
    output = harness.sms_channel.get_output_channel()
    assert output is not None
    with pytest.raises(DeliveryError, match="no reply address"):
        await output.send_text_message(harness.sms_conversation_id(), "Are you there?")
    assert fake_twilio.sent == []


async def test_relay_refused_by_twilio_is_reported_without_the_number(
    harness: Harness, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.sms("hello")
    fake_twilio.failure = (400, 21610)
    caplog.set_level("DEBUG")
    response = await harness.relay(harness.sms_conversation_id(), "Are you there?")
    assert response.status_code >= 400
    assert "5557654321" not in response.text
    assert "5557654321" not in caplog.text


async def test_status_callback_records_the_status_not_the_number(
    harness: Harness, redis_client: redis.Redis
) -> None:
    form = {
        "MessageSid": "SM" + "c" * 32,
        "MessageStatus": "delivered",
        "AccountSid": "AC" + "0" * 31 + "1",
        "To": PHONE,
        "From": SMS_FROM,
        "ApiVersion": "2010-04-01",
    }
    path = "/webhooks/sms/status"
    assert (await harness.post_sms(form, signature="bad", path=path)).status_code == 403
    assert (await harness.post_sms(form, signature=None, path=path)).status_code == 403
    response = await harness.post_sms(form, path=path)
    assert response.status_code == 204
    stored = redis_client.hgetall(redis_keys.delivery(form["MessageSid"]))
    assert stored == {"status": "delivered", "error_code": ""}
    assert not any(
        PHONE in json.dumps(redis_client.hgetall(key)) for key in redis_client.keys("mg:delivery:*")
    )


# ------------------------------------------------------------------ never silent


async def test_rasa_down_gives_the_fallback_in_the_persons_language(harness: Harness) -> None:
    harness.use_agent(StubAgent(rasa_fails))
    replies = await harness.sms("Мне нужна помощь, меня не отпускают")
    assert replies == [fallback_text("ru")]
    assert "112" in replies[0]


async def test_rasa_timeout_gives_the_fallback(make_harness: HarnessFactory) -> None:
    harness = await make_harness(MARIGOLD_RASA_TIMEOUT_SECONDS="0.3")
    harness.use_agent(StubAgent(rasa_hangs))
    started = asyncio.get_running_loop().time()
    assert await harness.sms("hello") == [fallback_text("en")]
    assert asyncio.get_running_loop().time() - started < 5


async def test_fallback_uses_the_country_when_known(harness: Harness, redis_client: redis.Redis) -> None:
    redis_client.hset(redis_keys.session(harness.sms_conversation_id()), mapping={"country": "GB"})
    harness.use_agent(StubAgent(rasa_fails))
    (reply,) = await harness.sms("hello")
    assert reply == fallback_text("en", "GB")
    assert "999" in reply


async def test_silent_rasa_gives_the_fallback(harness: Harness) -> None:
    harness.use_agent(StubAgent(rasa_silent))
    assert await harness.sms("hello") == [fallback_text("en")]


@pytest.mark.parametrize("status", ["waiting", "active"])
async def test_silence_is_expected_during_a_handoff(
    harness: Harness, redis_client: redis.Redis, status: str
) -> None:
    redis_client.hset(redis_keys.handoff(harness.sms_conversation_id()), mapping={"status": status})
    harness.use_agent(StubAgent(rasa_silent))
    assert await harness.sms("hello") == []


async def test_metadata_carries_the_language_and_only_the_pseudonym(harness: Harness) -> None:
    stub = StubAgent(rasa_silent)
    harness.use_agent(stub)
    await harness.sms("Necesito ayuda")
    (message,) = stub.messages
    assert message.metadata == {"language": "es"}
    assert message.sender_id == harness.sms_conversation_id()
    assert message.input_channel == "sms"


async def test_redis_down_still_answers(make_harness: HarnessFactory) -> None:
    harness = await make_harness(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    harness.use_agent(StubAgent(rasa_fails))
    started = asyncio.get_running_loop().time()
    replies = await harness.sms("Мне нужна помощь")
    assert replies == [fallback_text("ru")]
    assert asyncio.get_running_loop().time() - started < 10


async def test_redis_down_for_the_channel_keeps_the_conversation_going(make_harness: HarnessFactory) -> None:
    # The channel's Redis is gone; Rasa's stores (created earlier) still work.
    harness = await make_harness(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    replies = await harness.sms("hello")
    assert replies and replies != [fallback_text("en")]
