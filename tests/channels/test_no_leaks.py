"""After real conversations on both channels, no log line and no Redis value outside
the encrypted vault holds a phone number, a Telegram id or username, or a secret."""

from __future__ import annotations

import json
import logging

import pytest
import redis

from bot import redis_keys
from bot.privacy import AddressVault
from tests.channels.conftest import (
    PHONE,
    SMS_FROM,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TG_CHAT,
    TWILIO_TOKEN,
    Harness,
    StubAgent,
    dump_redis,
    rasa_fails,
    tg_callback,
    tg_update,
)
from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_twilio import FakeTwilio

SECRETS = {
    "phone number": [PHONE, PHONE.lstrip("+"), PHONE[2:]],
    "telegram id": [str(TG_CHAT)],
    "telegram username": ["amira_private_handle"],
    "telegram bot token": [TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1]],
    "telegram webhook secret": [TELEGRAM_SECRET],
    "twilio auth token": [TWILIO_TOKEN],
}


def leaks(haystack: str) -> list[str]:
    return [what for what, needles in SECRETS.items() if any(needle in haystack for needle in needles)]


async def _converse(harness: Harness, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram) -> None:
    sms_id, tg_id = harness.sms_conversation_id(), harness.tg_conversation_id()

    for words in ("hello", "help", "Мне нужна помощь", "مرحبا"):
        assert await harness.sms(words)
    await harness.post_sms(
        {"MessageSid": "SM" + "d" * 32, "MessageStatus": "delivered", "To": PHONE, "From": SMS_FROM},
        path="/webhooks/sms/status",
    )
    assert (await harness.relay(sms_id, "A counselor writes")).status_code == 200
    fake_twilio.failure = (400, 21610)  # Twilio's error text quotes the number
    assert (await harness.relay(sms_id, "Are you there?")).status_code >= 400
    fake_twilio.failure = None
    await harness.sms("STOP")
    await harness.sms("START")
    await harness.post_sms(harness.sms_form("hello", sender=PHONE), signature="forged")

    await harness.telegram(tg_update("hello"))
    await harness.telegram(tg_update("help"))
    await harness.telegram(tg_callback("/greet", message_id=max(fake_telegram.chats[TG_CHAT])))
    await harness.telegram(tg_update("/language"))
    await harness.post_telegram(tg_update("hello"), secret="forged")
    assert (await harness.relay(tg_id, "A counselor writes")).status_code == 200
    fake_telegram.failures["sendMessage"] = (403, f"Forbidden: chat {TG_CHAT} blocked the bot")
    assert (await harness.relay(tg_id, "Are you there?")).status_code >= 400
    fake_telegram.failures.clear()

    harness.use_agent(StubAgent(rasa_fails))
    await harness.sms("Мне нужна помощь")
    await harness.telegram(tg_update("Мне нужна помощь"))
    harness.use_agent(harness.agent)


async def test_no_identifier_in_logs_or_redis(
    harness: Harness,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    await _converse(harness, fake_twilio, fake_telegram)

    # The conversations really happened, and reached the fakes with the real addresses.
    assert fake_twilio.sent and fake_twilio.sent[0].to == PHONE
    assert fake_telegram.sent_texts(TG_CHAT)

    # Logs: every record (message and arguments), and whatever went to stdout/stderr.
    log_text = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert caplog.records, "expected some logging at DEBUG"
    captured = capsys.readouterr()
    assert leaks(log_text) == []
    assert leaks(captured.out + captured.err) == []

    # Redis: every key and value. The vault holds the addresses, encrypted only.
    dump = dump_redis(redis_client)
    vault_keys = [key for key in dump if key.startswith(redis_keys.VAULT)]
    assert len(vault_keys) == 2
    for key, value in dump.items():
        assert leaks(key) == [], key
        assert leaks(json.dumps(value, ensure_ascii=False)) == [], key
    vault = AddressVault(redis_client, harness.settings.secret("MARIGOLD_VAULT_KEY"), 60)  # type: ignore[arg-type]
    sms_id, tg_id = harness.sms_conversation_id(), harness.tg_conversation_id()
    assert vault.decrypt(sms_id, dump[redis_keys.vault(sms_id)]) == PHONE
    assert vault.decrypt(tg_id, dump[redis_keys.vault(tg_id)]) == str(TG_CHAT)
    # Every conversation key carries a TTL (retention), none lives forever.
    for key in dump:
        if key.startswith(("mg:tracker:", "mg:vault:", "mg:session:", "mg:sent:", "mg:rate:", "mg:dedupe:")):
            assert redis_client.ttl(key) > 0, key
