"""Fixtures for the channel tests: real Redis, real Rasa agent, fake provider APIs.

The channels run inside Rasa's own Sanic app (``rasa.server.create_app`` plus
``register``), served on a free port on 127.0.0.1 and driven over real HTTP with
httpx, while the real twilio and python-telegram-bot clients talk to fake APIs that
record what would have reached a phone. Redis and the private ``var/`` come from the
session fixtures in ``tests/conftest.py``.

The Rasa agent is Marigold's trained model with its action server (from
``tests/conftest.py``); ``StubAgent`` stands in for Rasa only where a test needs
Rasa itself to fail, hang or stay silent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import httpx  # noqa: E402
import pytest  # noqa: E402
import redis  # noqa: E402
import structlog  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402
from rasa.core.channels.channel import UserMessage, register  # noqa: E402
from rasa.server import create_app  # noqa: E402
from sanic import Sanic  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bot.locales import text  # noqa: E402
from bot.privacy import pseudonymise  # noqa: E402
from bot.safety_net import safety_numbers  # noqa: E402
from bot.settings import Settings, get_settings, reset_settings_cache  # noqa: E402
from channels.sms import SmsInput  # noqa: E402
from channels.telegram import TelegramInput  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.fakes.fake_telegram import FakeTelegram  # noqa: E402
from tests.fakes.fake_twilio import FakeTwilio  # noqa: E402

# Rasa logs through structlog, which prints everything to stdout unless configured.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
Sanic.test_mode = True  # one app per test, all named "rasa_server"


PHONE = "+15557654321"
OTHER_PHONE = "+447700900123"
TG_CHAT = 918273645
TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "twilio-test-auth-token"
TELEGRAM_TOKEN = "123456789:AAF-test-telegram-token_xyz"
TELEGRAM_SECRET = "tg-webhook-secret_0123456789"
SMS_PUBLIC_URL = "https://marigold.example.org/webhooks/sms/webhook"
SMS_FROM = "+15550001111"


# ------------------------------------------------------------------ servers


@pytest.fixture(scope="package")
def fake_twilio() -> Iterator[FakeTwilio]:
    """Twilio's Messages API on 127.0.0.1."""
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="package")
def fake_telegram() -> Iterator[FakeTelegram]:
    """Telegram's Bot API on 127.0.0.1."""
    fake = FakeTelegram(TELEGRAM_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="package")
def base_env(
    marigold_env: dict[str, str], fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> Iterator[dict[str, str]]:
    """The environment of every channel test (tests override single values).

    Layered on the session's (Redis, var dir) and undone when the channel tests end.
    """
    env = {
        "MARIGOLD_PSEUDONYM_KEY": "test-pseudonym-key-" + "p" * 24,
        "MARIGOLD_VAULT_KEY": "test-vault-key-" + "v" * 28,
        "MARIGOLD_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "MARIGOLD_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "MARIGOLD_TWILIO_API_BASE": fake_twilio.url,
        "MARIGOLD_TWILIO_VALIDATE_SIGNATURES": "true",
        "MARIGOLD_SMS_PUBLIC_URL": SMS_PUBLIC_URL,
        "MARIGOLD_SMS_FROM_NUMBER": SMS_FROM,
        "MARIGOLD_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "MARIGOLD_TELEGRAM_SECRET": TELEGRAM_SECRET,
        "MARIGOLD_TELEGRAM_API_BASE": fake_telegram.base_url,
        "MARIGOLD_TELEGRAM_WEBHOOK_URL": "https://marigold.example.org/webhooks/telegram/webhook",
        "MARIGOLD_RATE_LIMIT_PER_MINUTE": "20",
        "MARIGOLD_MAX_MESSAGE_CHARS": "2000",
        "MARIGOLD_RASA_TIMEOUT_SECONDS": "20",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        reset_settings_cache()
        yield {**marigold_env, **env}
    reset_settings_cache()


@pytest.fixture(autouse=True)
def clean_state(
    base_env: dict[str, str], fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> Iterator[None]:
    """Every test starts with an empty Redis, fresh fakes and fresh settings."""
    redis.Redis.from_url(base_env["REDIS_URL"]).flushdb()
    fake_twilio.reset()
    fake_telegram.reset()
    reset_settings_cache()
    yield
    reset_settings_cache()


# ------------------------------------------------------------------ Rasa


@pytest.fixture(scope="package")
def rasa_agent(base_env: dict[str, str], request: pytest.FixtureRequest) -> Agent:
    """Marigold's trained model with its action server and endpoints (tests/conftest.py)."""
    agent: Agent = request.getfixturevalue("agent")
    return agent


# ------------------------------------------------------------------ the app


class StubAgent:
    """Stands in for Rasa's agent when a test needs Rasa to fail or stay silent."""

    def __init__(self, handle: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.handle = handle
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> Any:
        self.messages.append(message)
        return await self.handle(message)


async def rasa_fails(_: UserMessage) -> Any:
    """Rasa down: the agent raises (with a careless error text quoting a number)."""
    raise RuntimeError(f"rasa is down (while handling {PHONE})")


async def rasa_hangs(_: UserMessage) -> Any:
    """Rasa stuck: longer than any timeout in these tests."""
    await asyncio.sleep(30)


async def rasa_silent(_: UserMessage) -> Any:
    """Rasa answers nothing (as while paused for a counselor)."""
    return None


def fallback_text(language: str, country: str | None = None) -> str:
    """The technical fallback as a person in ``language`` (and ``country``) gets it."""
    numbers = safety_numbers(country, language)
    return text("utter_technical_fallback", language, emergency=numbers.emergency, hotline=numbers.hotline)


@dataclass
class Harness:
    """A served Rasa app with both channels, and helpers to talk to it like providers."""

    app: Sanic
    client: httpx.AsyncClient
    settings: Settings
    agent: Agent
    sms_channel: SmsInput
    telegram_channel: TelegramInput

    # -- Rasa ------------------------------------------------------------------

    def use_agent(self, agent: Any) -> None:
        """Swap the agent behind the webhooks (Rasa's handler looks it up per message)."""
        self.app.ctx.agent = agent

    # -- SMS ---------------------------------------------------------------------

    def sms_form(
        self, body: str | None, sender: str = PHONE, sid: str | None = None, num_media: int = 0
    ) -> dict[str, str]:
        form = {
            "AccountSid": TWILIO_SID,
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "From": sender,
            "To": SMS_FROM,
            "NumMedia": str(num_media),
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        if body is not None:
            form["Body"] = body
        if num_media:
            form["MediaUrl0"] = "https://api.twilio.com/media/ME" + "1" * 32
            form["MediaContentType0"] = "image/jpeg"
        return form

    async def post_sms(
        self, form: dict[str, str], signature: str | None = "valid", path: str = "/webhooks/sms/webhook"
    ) -> httpx.Response:
        headers = {}
        if signature == "valid":
            url = (
                SMS_PUBLIC_URL if path.endswith("/webhook") else SMS_PUBLIC_URL[: -len("webhook")] + "status"
            )
            headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, data=form, headers=headers)

    async def sms(self, body: str | None, **kwargs: Any) -> list[str]:
        """Send a signed SMS; return the texts of the TwiML reply."""
        response = await self.post_sms(self.sms_form(body, **kwargs))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return twiml_messages(response.text)

    def sms_conversation_id(self, sender: str = PHONE) -> str:
        return pseudonymise("sms", sender, self.settings.secret("MARIGOLD_PSEUDONYM_KEY"))

    # -- Telegram ------------------------------------------------------------------

    async def post_telegram(self, update: Any, secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        if isinstance(update, (bytes, str)):
            return await self.client.post(
                "/webhooks/telegram/webhook",
                content=update,
                headers={**headers, "Content-Type": "application/json"},
            )
        return await self.client.post("/webhooks/telegram/webhook", json=update, headers=headers)

    async def telegram(self, update: dict[str, Any]) -> httpx.Response:
        response = await self.post_telegram(update)
        assert response.status_code == 200, response.text
        return response

    def tg_conversation_id(self, chat_id: int = TG_CHAT) -> str:
        return pseudonymise("tg", str(chat_id), self.settings.secret("MARIGOLD_PSEUDONYM_KEY"))

    # -- Rasa HTTP API -------------------------------------------------------------

    async def relay(self, conversation_id: str, text: str) -> httpx.Response:
        """What the console does to send a counselor's message: a bot event through
        the conversation's latest channel."""
        return await self.client.post(
            f"/conversations/{conversation_id}/tracker/events",
            params={"output_channel": "latest", "execute_side_effects": "true"},
            json={"event": "bot", "text": text},
        )


def twiml_messages(xml: str) -> list[str]:
    """Texts of the ``<Message>`` elements of a TwiML document."""
    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return [element.text or "" for element in root.iter("Message")]


_tg_counter = iter(range(10_000, 10**9))


def tg_update(
    text: str | None = None,
    chat_id: int = TG_CHAT,
    update_id: int | None = None,
    message_id: int | None = None,
    language_code: str = "en",
    chat_type: str = "private",
    **message_fields: Any,
) -> dict[str, Any]:
    """A Telegram ``Update`` with a message, as Telegram posts it."""
    user = {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Amira",
        "username": "amira_private_handle",
        "language_code": language_code,
    }
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat.update(first_name="Amira", username="amira_private_handle")
    else:
        chat.update(id=-100123456, title="Some group")
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_tg_counter),
        "date": 1_760_000_000,
        "chat": chat,
        "from": user,
        **message_fields,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id if update_id is not None else next(_tg_counter), "message": message}


def tg_callback(
    data: str, message_id: int, chat_id: int = TG_CHAT, update_id: int | None = None
) -> dict[str, Any]:
    """A Telegram ``Update`` for a press on an inline button of the bot's message."""
    return {
        "update_id": update_id if update_id is not None else next(_tg_counter),
        "callback_query": {
            "id": f"cbq-{uuid.uuid4().hex[:12]}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Amira", "language_code": "en"},
            "chat_instance": "-123456789",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_760_000_000,
                "chat": {"id": chat_id, "type": "private", "first_name": "Amira"},
                "from": {"id": 777000111, "is_bot": True, "first_name": "Marigold"},
                "text": "(the bot's message with buttons)",
            },
        },
    }


HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(rasa_agent: Agent, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[HarnessFactory]:
    """Build and serve the app; keyword arguments override environment variables."""
    started: list[tuple[Any, Harness]] = []

    async def build(**env: str) -> Harness:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings_cache()
        settings = get_settings()
        app = create_app(agent=rasa_agent)
        sms, telegram = SmsInput.from_credentials({}), TelegramInput.from_credentials({})
        register([sms, telegram], app, route="/webhooks/")
        port = free_port()
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.after_start()
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
        harness = Harness(app, client, settings, rasa_agent, sms, telegram)
        started.append((server, harness))
        return harness

    yield build

    for server, harness in started:
        await harness.client.aclose()
        await harness.sms_channel.aclose()
        await harness.telegram_channel.aclose()
        await server.before_stop()
        await server.close()
        await server.wait_closed()
        await server.after_stop()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> Harness:
    """The app with default settings."""
    return await make_harness()


def dump_redis(client: redis.Redis) -> dict[str, Any]:
    """Every key and its value, whatever its type."""
    dump: dict[str, Any] = {}
    for key in client.scan_iter("*"):
        kind = client.type(key)
        if kind == "string":
            dump[key] = client.get(key)
        elif kind == "hash":
            dump[key] = client.hgetall(key)
        elif kind == "list":
            dump[key] = client.lrange(key, 0, -1)
        elif kind == "set":
            dump[key] = sorted(client.smembers(key))
        elif kind == "zset":
            dump[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            dump[key] = client.xrange(key)
        else:
            dump[key] = f"<{kind}>"
    return dump


def user_texts(client: redis.Redis, conversation_id: str) -> list[str]:
    """What Rasa's tracker recorded the person saying, in order."""
    import json

    raw = client.get(f"mg:tracker:{conversation_id}")
    if raw is None:
        return []
    return [event.get("text") or "" for event in json.loads(raw)["events"] if event["event"] == "user"]
