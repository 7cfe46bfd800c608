"""One pipeline for every messaging channel, so safety rules are written once.

Each webhook request runs the same steps, in this order:

1. **verify** the provider's signature or secret (403 otherwise);
2. **parse** it into a neutral :class:`IncomingMessage` (400 if malformed);
3. **dedupe** by the provider's message id: a retry gets the first outcome, and the
   person never gets two answers to one message;
4. **pseudonymise** the sender (HMAC); from here on only the pseudonym is used, in
   Rasa, in Redis keys and in logs;
5. **vault** the real reply address, encrypted, with the retention TTL;
6. **rate limit** per sender, with one polite notice per window;
7. **size cap** and **media**: long texts are cut (and the person told), pictures and
   voice notes get a notice that only text is read;
8. channel **commands** (SMS STOP/START/HELP, Telegram /start /help /language);
9. **ERASE** in any language, before Rasa ever sees the message;
10. **language** of the message, kept in the session and passed to Rasa;
11. **Rasa**, under a timeout;
12. **never silent**: if Rasa fails, times out, or says nothing while no counselor
    has the conversation, the person gets the technical fallback with an emergency
    number and a helpline.

Channels implement only the provider-specific parts: verify, parse, how replies
travel back (in the HTTP response for Twilio, by API call for Telegram), and their
own commands.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import redis.asyncio as aioredis
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import redis_keys
from bot.language import detect
from bot.language_config import default_language, normalize_language
from bot.locales import KeywordMatch, match_keyword, text
from bot.privacy import pseudonymise
from bot.redis_connection import async_client
from bot.safety_net import safety_numbers
from bot.settings import Settings, get_settings
from bot.sms_segments import split_text
from channels.state import ChannelState

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

#: Session hash fields written by the channels (``mg:session:<id>``).
SESSION_LANGUAGE = "language"
SESSION_COUNTRY = "country"


class MalformedRequestError(ValueError):
    """The request is not what the provider sends; the message says what is wrong.

    The message is returned to the caller, so it must never contain request data.
    """


class DeliveryError(RuntimeError):
    """A message could not be handed to the provider.

    Raised for later messages (counselor relays) so the sender learns it failed;
    the message names the reason only, never an address or a provider's error text
    (Twilio's error texts quote the phone number).
    """


def describe_error(exc: BaseException) -> str:
    """Type and place of an exception, for logs.

    Exception messages can carry what we must not log (Twilio quotes the phone
    number, httpx the URL with the bot token), so logs get this instead.
    """
    where = ""
    traceback = exc.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is not None:
        where = f" at {Path(traceback.tb_frame.f_code.co_filename).name}:{traceback.tb_lineno}"
    return f"{type(exc).__name__}{where}"


def erase_keyword(message: str) -> KeywordMatch | None:
    """The match if ``message`` is an ERASE keyword of any language (or ``/erase``)."""
    keyword = match_keyword(message)
    return keyword if keyword is not None and keyword.command == "erase" else None


@dataclass(frozen=True)
class IncomingMessage:
    """A provider's message, reduced to what the pipeline needs.

    Attributes:
        provider_id: The provider's id of this delivery (Twilio ``MessageSid``,
            Telegram ``update_id``), for dedupe; None if the provider gave none.
        address: Where replies go (phone number, chat id). Never logged, never
            stored outside the vault.
        text: What the person wrote (or the payload of a button they pressed).
        has_media: The message carried a picture, voice note, file, contact...
        message_id: The provider's id of the person's message, for channels that
            can delete it from the chat on erase.
        callback_id: A button press the provider wants acknowledged.
        language_hint: The language the person's app is set to, if the provider
            tells (Telegram), used before the conversation has a language.
    """

    provider_id: str | None
    address: str = field(repr=False)
    text: str = field(default="", repr=False)
    has_media: bool = False
    message_id: str | None = None
    callback_id: str | None = None
    language_hint: str | None = None


class MarigoldOutputChannel(OutputChannel, ABC):
    """Sends replies to one conversation, resolving its address from the vault.

    Created per webhook request with the address at hand (the immediate reply), or
    by ``get_output_channel()`` without one (later messages, such as a counselor's
    relay through Rasa's HTTP API), in which case the address is decrypted from the
    vault. Text only: Rasa's custom JSON payloads are never shown to a person.
    """

    def __init__(self, settings: Settings, state: ChannelState, address: str | None = None) -> None:
        """Create an output.

        Args:
            settings: Marigold settings.
            state: Redis state (vault, opt-out, sent ids).
            address: The reply address, when replying to a message just received.
        """
        self.settings = settings
        self.state = state
        self._address = address
        #: Messages handed to the provider so far (the never-silent check reads it).
        self.sent = 0
        #: Replies that travel back in the HTTP response (Twilio TwiML).
        self.collected: list[str] = []
        #: True while nothing may be sent (SMS opt-out).
        self.muted = False
        #: False once the conversation is erased, so no new trace is recorded.
        self.keep_history = True

    @property
    def immediate(self) -> bool:
        """True when answering a message just received (not a later message)."""
        return self._address is not None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a plain text."""
        await self._send(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text with quick-reply buttons (rendered by the channel)."""
        await self._send(recipient_id, text, buttons)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Ignore custom payloads: raw JSON must never reach a person's phone."""
        logger.debug("%s: dropped a custom payload for %s", self.name(), recipient_id)

    async def _send(self, recipient_id: str, text: str, buttons: list[dict[str, Any]]) -> None:
        if self.muted:
            logger.info("%s: %s has opted out; message not sent", self.name(), recipient_id)
            return
        if not text.strip():
            return
        address = self._address or await self.state.address(recipient_id)
        if address is None:
            raise DeliveryError("no reply address for this conversation (erased or expired)")
        if not self.immediate and not await self.may_send(recipient_id):
            raise DeliveryError("the person has opted out of messages from this channel")
        try:
            await self.deliver(recipient_id, address, text, buttons)
        except Exception as exc:  # noqa: BLE001 - reported below without the provider's text
            logger.error("%s: delivery to %s failed (%s)", self.name(), recipient_id, describe_error(exc))
            if self.immediate:
                return  # the pipeline goes on; the fallback gets its own attempt
            raise DeliveryError(f"the provider did not accept the message ({type(exc).__name__})") from None
        self.sent += 1

    async def may_send(self, conversation_id: str) -> bool:
        """Whether a later message may be sent to this conversation (SMS: opt-out)."""
        return True

    @abstractmethod
    async def deliver(
        self, conversation_id: str, address: str, text: str, buttons: list[dict[str, Any]]
    ) -> None:
        """Hand one reply to the provider (or collect it for the HTTP response)."""


@dataclass
class Turn:
    """One incoming message on its way through the pipeline."""

    message: IncomingMessage
    conversation_id: str
    state: ChannelState
    output: MarigoldOutputChannel
    text: str = field(default="", repr=False)
    language: str = field(default_factory=default_language)
    session: dict[str, str] = field(default_factory=dict)


class MarigoldInputChannel(InputChannel, ABC):
    """The shared webhook pipeline; subclasses add a provider."""

    #: Prefix of the pseudonyms of this channel (``sms``, ``tg``).
    pseudonym_prefix: ClassVar[str]
    #: How long a provider message id is remembered for dedupe.
    dedupe_seconds: ClassVar[int] = 24 * 3600

    def __init__(self, settings: Settings) -> None:
        """Create the channel (no I/O: Rasa builds channels before its loop runs)."""
        self.settings = settings
        self._redis: aioredis.Redis | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MarigoldInputChannel:
        """Build from settings; ``credentials.yml`` must not hold secrets.

        Raises:
            ValueError: the credentials file has entries for this channel, which
                would be ignored (secrets come from the environment only).
        """
        if credentials:
            raise ValueError(
                f"{cls.name()} takes no entries in credentials.yml ({', '.join(sorted(credentials))});"
                " set the MARIGOLD_* environment variables instead (see .env.example)"
            )
        return cls(get_settings())

    # -- parts a channel provides ---------------------------------------------------

    @abstractmethod
    def verify(self, request: Request) -> bool:
        """True if the request provably comes from the provider."""

    @abstractmethod
    def parse(self, request: Request) -> IncomingMessage | None:
        """The message in a verified request, or None if there is nothing to answer.

        Raises:
            MalformedRequestError: the request is not a provider message.
        """

    @abstractmethod
    def make_output(self, state: ChannelState, address: str | None) -> MarigoldOutputChannel:
        """An output channel bound to a turn's state (and address, if known)."""

    @abstractmethod
    def respond(self, replies: list[str]) -> HTTPResponse:
        """The HTTP answer to the provider, carrying ``replies`` if it can."""

    def add_routes(self, blueprint: Blueprint) -> None:
        """Extra routes of the channel (Twilio's status callback)."""

    def mutes(self, session: dict[str, str]) -> bool:
        """True if nothing may be sent to this conversation (SMS opt-out)."""
        return False

    def is_priority(self, text_: str) -> bool:
        """Commands that bypass the rate limit (a panicking person must be able to erase)."""
        return erase_keyword(text_) is not None

    async def acknowledge(self, turn: Turn) -> None:
        """Provider housekeeping on arrival (Telegram: answer a button press)."""

    async def intercept(self, turn: Turn) -> bool:
        """Handle a channel command; True if the turn is complete."""
        return False

    async def on_erased(self, turn: Turn, chat_message_ids: list[str]) -> None:
        """After an erase: clean the chat itself where the provider allows it."""

    # -- Rasa's interface -------------------------------------------------------------

    def get_output_channel(self) -> OutputChannel | None:
        """Output for later messages (counselor relays); the address comes from the vault."""
        return self.make_output(self.new_state(), None)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: ``GET /`` (health), ``POST /webhook`` and the channel's extras."""
        blueprint = Blueprint(f"marigold_{self.name()}", __name__)

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        blueprint.add_route(health, "/", methods=["GET"])
        blueprint.add_route(webhook, "/webhook", methods=["POST"])
        self.add_routes(blueprint)
        return blueprint

    # -- the pipeline -----------------------------------------------------------------

    def redis(self) -> aioredis.Redis:
        """The channel's Redis client, created on first use inside the server's loop."""
        if self._redis is None:
            self._redis = async_client(self.settings)
        return self._redis

    async def aclose(self) -> None:
        """Close the Redis client (tests and orderly shutdowns)."""
        if self._redis is not None:
            await self._redis.close()
            self._redis = None

    def new_state(self) -> ChannelState:
        """Redis state for one turn."""
        return ChannelState(self.redis(), self.settings)

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """Run the pipeline for one webhook request."""
        if not self.verify(request):
            logger.warning("%s: rejected a webhook with a missing or wrong signature", self.name())
            return response.text("forbidden", status=403)
        try:
            message = self.parse(request)
        except MalformedRequestError as exc:
            logger.warning("%s: malformed webhook (%s)", self.name(), exc)
            return response.json({"error": str(exc)}, status=400)
        if message is None:
            return self.respond([])
        try:
            replies = await self._once(message, on_new_message)
        except Exception as exc:  # noqa: BLE001 - a 500 only makes the provider retry
            logger.error("%s: webhook failed (%s)", self.name(), describe_error(exc))
            replies = []
        return self.respond(replies)

    async def _once(self, message: IncomingMessage, on_new_message: OnNewMessage) -> list[str]:
        """Process a provider message once; a retry gets the first outcome."""
        state = self.new_state()
        if message.provider_id is None:
            return await self._process(message, state, on_new_message)
        key = redis_keys.dedupe(self.name(), message.provider_id)
        earlier = await state.claim(key, pending_seconds=self.settings.rasa_timeout_seconds + 5)
        if earlier is not None:
            logger.info("%s: repeated delivery of a message; answering as the first time", self.name())
            return earlier
        replies = await self._process(message, state, on_new_message)
        await state.finish(key, replies, self.dedupe_seconds)
        return replies

    async def _process(
        self, message: IncomingMessage, state: ChannelState, on_new_message: OnNewMessage
    ) -> list[str]:
        conversation_id = pseudonymise(
            self.pseudonym_prefix, message.address, self.settings.secret("MARIGOLD_PSEUDONYM_KEY")
        )
        turn = Turn(
            message=message,
            conversation_id=conversation_id,
            state=state,
            output=self.make_output(state, message.address),
            text=message.text,
        )
        try:
            await self._run(turn, on_new_message)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the person gets an answer
            logger.error("%s: turn of %s failed (%s)", self.name(), conversation_id, describe_error(exc))
            await self._fallback(turn)
        return turn.output.collected

    async def _run(self, turn: Turn, on_new_message: OnNewMessage) -> None:
        state, conversation_id = turn.state, turn.conversation_id
        turn.session = await state.load_session(conversation_id)
        turn.output.muted = self.mutes(turn.session)
        await state.remember_address(conversation_id, turn.message.address)
        previous = turn.session.get(SESSION_LANGUAGE) or self._hint(turn.message)
        turn.language = normalize_language(previous)
        await self.acknowledge(turn)

        if not self.is_priority(turn.text):
            count = await state.count_message(conversation_id)
            if count > self.settings.rate_limit_per_minute:
                logger.info("%s: %s is over the rate limit", self.name(), conversation_id)
                if count == self.settings.rate_limit_per_minute + 1:
                    await self.say(turn, "utter_rate_limited")
                return

        turn.text, truncated = self._cap(turn.text)
        if turn.text.strip() and not turn.text.startswith("/"):
            # "/..." is a command or a button payload: no evidence of a language.
            turn.language = detect(turn.text, previous=previous).language
        if truncated:
            await self.say(turn, "utter_message_truncated")
        if turn.message.has_media:
            await self.say(turn, "utter_media_unsupported")
        if not turn.text.strip():
            if not turn.message.has_media:
                await self.say(turn, "utter_ask_rephrase")
            return

        if await self.intercept(turn):
            return
        keyword = erase_keyword(turn.text)
        if keyword is not None:
            await self._erase(turn, keyword)
            return

        await state.update_session(conversation_id, **{SESSION_LANGUAGE: turn.language})
        await self._ask_rasa(turn, on_new_message)

    def _hint(self, message: IncomingMessage) -> str | None:
        """The app's language if we speak it (Telegram sends codes like ``pt-br``)."""
        code = (message.language_hint or "").split("-")[0].lower()
        return code if code and normalize_language(code) == code else None

    def _cap(self, text_: str) -> tuple[str, bool]:
        """The first part of an oversize text (cut at a sentence or word end)."""
        limit = self.settings.max_message_chars
        if len(text_) <= limit:
            return text_, False
        parts = split_text(text_, lambda part: len(part) <= limit)
        return (parts[0] if parts else ""), True

    async def _erase(self, turn: Turn, keyword: KeywordMatch) -> None:
        """Delete the conversation everywhere we can, then confirm in the person's language."""
        # "/erase" says nothing about a language; "удалить" says Russian.
        typed_language = None if turn.text.startswith("/") else keyword.language
        turn.language = normalize_language(
            turn.session.get(SESSION_LANGUAGE) or typed_language or self._hint(turn.message)
        )
        chat_message_ids = await turn.state.chat_messages(turn.conversation_id)
        if not await turn.state.erase(turn.conversation_id):
            # Saying "deleted" when nothing was deleted would be a lie that matters.
            logger.error("%s: erase of %s failed (Redis down)", self.name(), turn.conversation_id)
            await self._fallback(turn)
            return
        logger.info("%s: erased %s", self.name(), turn.conversation_id)
        turn.output.keep_history = False
        await self.on_erased(turn, chat_message_ids)
        await self.say(turn, "utter_erased")

    async def _ask_rasa(self, turn: Turn, on_new_message: OnNewMessage) -> None:
        """Hand the message to Rasa; make sure the person is never left without a reply."""
        before = turn.output.sent
        user_message = UserMessage(
            turn.text,
            turn.output,
            sender_id=turn.conversation_id,
            input_channel=self.name(),
            metadata={"language": turn.language},
        )
        try:
            await asyncio.wait_for(on_new_message(user_message), timeout=self.settings.rasa_timeout_seconds)
        except asyncio.TimeoutError:
            logger.error(
                "%s: Rasa did not answer %s within %.1fs",
                self.name(),
                turn.conversation_id,
                self.settings.rasa_timeout_seconds,
            )
            await self._fallback(turn)
            return
        except Exception as exc:  # noqa: BLE001 - Rasa down must not mean a silent bot
            logger.error(
                "%s: Rasa failed for %s (%s)", self.name(), turn.conversation_id, describe_error(exc)
            )
            await self._fallback(turn)
            return
        if turn.output.sent > before or turn.output.muted:
            return
        if await turn.state.in_handoff(turn.conversation_id):
            return  # a counselor has the conversation: silence from the bot is expected
        logger.warning("%s: Rasa sent nothing to %s", self.name(), turn.conversation_id)
        await self._fallback(turn)

    async def _fallback(self, turn: Turn) -> None:
        """The technical fallback, with an emergency number and a helpline."""
        numbers = safety_numbers(turn.session.get(SESSION_COUNTRY), turn.language)
        await self.say(turn, "utter_technical_fallback", emergency=numbers.emergency, hotline=numbers.hotline)

    async def say(self, turn: Turn, key: str, buttons: Iterable[dict[str, Any]] = (), **values: Any) -> None:
        """Send a catalogue text to the person in the turn's language."""
        message = text(key, turn.language, **values)
        await turn.output.send_text_with_buttons(turn.conversation_id, message, list(buttons))
