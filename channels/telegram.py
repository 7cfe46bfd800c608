"""Telegram: webhook updates in, Bot API calls out (python-telegram-bot 22).

Mounted at ``/webhooks/telegram/webhook``. Telegram proves a request is its own with
the ``X-Telegram-Bot-Api-Secret-Token`` header (the ``secret_token`` given to
``setWebhook``, see :mod:`channels.telegram_webhook`); anything else gets 403.
Verified updates always get 200, even when processing fails, because any other
answer makes Telegram deliver the same update again and again.

Only private chats are served: in a group, everything the bot and the person write
would be read by others.

Usage:
    MARIGOLD_TELEGRAM_TOKEN=... MARIGOLD_TELEGRAM_SECRET=... rasa run --credentials config/credentials.yml
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sanic import response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.language_config import supported_languages
from bot.safety_net import safety_numbers
from bot.settings import Settings
from bot.sms_segments import split_text
from channels.base import (
    SESSION_COUNTRY,
    SESSION_LANGUAGE,
    IncomingMessage,
    MalformedRequestError,
    MarigoldInputChannel,
    MarigoldOutputChannel,
    Turn,
    describe_error,
)
from channels.state import ChannelState

# Bot API URLs contain the bot token, and these libraries log URLs (httpx at INFO,
# PTB at DEBUG, including the chat ids it sends to). Silenced before any Bot exists.
for _noisy in ("httpx", "httpcore", "telegram"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: What ``/start`` becomes: a greeting Rasa understands in any configuration.
START_TEXT = "hi"
#: Telegram's limits: message length (UTF-16 units) and callback data (bytes).
MAX_MESSAGE_UNITS = 4096
MAX_CALLBACK_BYTES = 64
#: ``deleteMessages`` takes at most this many ids per call.
DELETE_BATCH = 100


def make_bot(settings: Settings) -> Bot:
    """A Bot for the configured token and API base (no network I/O)."""
    return Bot(settings.telegram_token, base_url=settings.telegram_api_base)


def _fits_message(part: str) -> bool:
    return len(part.encode("utf-16-le")) // 2 <= MAX_MESSAGE_UNITS


def inline_keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard, one button per row.

    A payload longer than Telegram's 64-byte callback limit is replaced by the
    button's title, which Rasa's NLU understands as if the person had typed it.
    """
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        url = button.get("url")
        if url:
            rows.append([InlineKeyboardButton(title, url=str(url))])
            continue
        payload = str(button.get("payload") or title)
        if len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
            payload = title
        if len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
            logger.warning("telegram: button dropped, its payload and title exceed 64 bytes")
            continue
        rows.append([InlineKeyboardButton(title, callback_data=payload)])
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramOutput(MarigoldOutputChannel):
    """Sends with ``sendMessage`` (plain text: Arabic and other RTL scripts render
    correctly without markup) and remembers message ids so erase can delete them."""

    def __init__(self, settings: Settings, state: ChannelState, address: str | None, bot: Bot) -> None:
        """Create an output bound to a Bot."""
        super().__init__(settings, state, address)
        self._bot = bot

    @classmethod
    def name(cls) -> str:
        """Same name as the input channel, as Rasa expects."""
        return "telegram"

    async def deliver(
        self, conversation_id: str, address: str, text: str, buttons: list[dict[str, Any]]
    ) -> None:
        """Send the text (split at 4096 units), buttons under the last part."""
        parts = split_text(text, _fits_message)
        keyboard = inline_keyboard(buttons)
        sent_ids: list[str] = []
        for index, part in enumerate(parts):
            markup = keyboard if index == len(parts) - 1 else None
            sent = await self._bot.send_message(chat_id=address, text=part, reply_markup=markup)
            sent_ids.append(str(sent.message_id))
        if self.keep_history:
            await self.state.record_chat_messages(conversation_id, sent_ids)


class TelegramInput(MarigoldInputChannel):
    """Telegram Bot API webhook."""

    pseudonym_prefix = "tg"

    def __init__(self, settings: Settings) -> None:
        """Create the channel and its Bot (no network I/O here)."""
        super().__init__(settings)
        self.bot: Bot | None = make_bot(settings) if settings.telegram_token else None
        if self.bot is None:
            logger.warning("telegram: MARIGOLD_TELEGRAM_TOKEN unset; the webhook refuses every request")

    @classmethod
    def name(cls) -> str:
        """Mounted at ``/webhooks/telegram/``."""
        return "telegram"

    def verify(self, request: Request) -> bool:
        """Compare the secret-token header in constant time."""
        secret = self.settings.telegram_secret
        if self.bot is None or not secret:
            logger.error("telegram: MARIGOLD_TELEGRAM_TOKEN or MARIGOLD_TELEGRAM_SECRET unset")
            return False
        given = request.headers.get(SECRET_HEADER) or ""
        return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))

    def parse(self, request: Request) -> IncomingMessage | None:
        """A private-chat message or button press; other updates are ignored."""
        try:
            data = request.json
        except SanicException:
            raise MalformedRequestError("the body is not valid JSON") from None
        if not isinstance(data, dict) or "update_id" not in data:
            raise MalformedRequestError("the body is not a Telegram Update (no update_id)")
        try:
            update = Update.de_json(data, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise MalformedRequestError("the body is not a well-formed Telegram Update") from None
        provider_id = str(update.update_id)
        query = update.callback_query
        if query is not None:
            if query.message is None or query.message.chat.type != ChatType.PRIVATE:
                return None
            return IncomingMessage(
                provider_id=provider_id,
                address=str(query.message.chat.id),
                text=query.data or "",
                callback_id=query.id,
                language_hint=query.from_user.language_code,
            )
        message = update.message
        if message is None:
            return None
        if message.chat.type != ChatType.PRIVATE:
            logger.info("telegram: ignored an update from a non-private chat")
            return None
        text = message.text or message.caption or ""
        has_media = message.effective_attachment is not None
        if not text and not has_media:
            return None  # service messages (pins, timers...) need no answer
        return IncomingMessage(
            provider_id=provider_id,
            address=str(message.chat.id),
            text=text,
            has_media=has_media,
            message_id=str(message.message_id),
            language_hint=message.from_user.language_code if message.from_user else None,
        )

    def make_output(self, state: ChannelState, address: str | None) -> TelegramOutput:
        """A Telegram output for this turn or for later messages."""
        if self.bot is None:
            raise RuntimeError("Telegram is not configured (MARIGOLD_TELEGRAM_TOKEN)")
        return TelegramOutput(self.settings, state, address, self.bot)

    def get_output_channel(self) -> TelegramOutput | None:
        """Output for later messages, or None when Telegram is not configured."""
        if self.bot is None:
            return None
        return self.make_output(self.new_state(), None)

    def respond(self, replies: list[str]) -> HTTPResponse:
        """Always 200: replies already went out through the Bot API."""
        return response.json({"ok": True})

    async def acknowledge(self, turn: Turn) -> None:
        """Remember the person's message id (erase deletes it too) and stop the
        button's loading spinner."""
        message = turn.message
        if message.message_id is not None:
            await turn.state.record_chat_messages(turn.conversation_id, [message.message_id])
        if message.callback_id is not None and self.bot is not None:
            try:
                await self.bot.answer_callback_query(message.callback_id)
            except Exception as exc:  # noqa: BLE001 - a spinner is not worth a lost turn
                logger.warning("telegram: answerCallbackQuery failed (%s)", describe_error(exc))

    async def intercept(self, turn: Turn) -> bool:
        """``/start``, ``/help`` and ``/language``; ``/erase`` is the shared ERASE."""
        command, _, argument = turn.text.strip().partition(" ")
        command = command.lower().split("@", 1)[0]
        if command == "/start":
            turn.text = START_TEXT  # deep-link payloads are ignored: they could identify
            return False
        if command == "/help":
            numbers = safety_numbers(turn.session.get(SESSION_COUNTRY), turn.language)
            await self.say(turn, "utter_menu", hotline=numbers.hotline)
            return True
        if command == "/language":
            await self._choose_language(turn, argument.strip().lower())
            return True
        return False

    async def _choose_language(self, turn: Turn, code: str) -> None:
        languages = supported_languages()
        if code in languages:
            turn.language = code
            await turn.state.update_session(turn.conversation_id, **{SESSION_LANGUAGE: code})
            await self.say(turn, "utter_language_changed")
            return
        buttons = [
            {"title": info.name, "payload": f"/language {language}"} for language, info in languages.items()
        ]
        names = ", ".join(info.name for info in languages.values())
        await self.say(turn, "utter_choose_language", buttons=buttons, language_list=names)

    async def on_erased(self, turn: Turn, chat_message_ids: list[str]) -> None:
        """Delete the conversation's messages from the chat where Telegram allows it
        (private chats, messages younger than 48 hours)."""
        if self.bot is None:
            return
        ids = sorted({int(message_id) for message_id in chat_message_ids if message_id.isdigit()})
        for start in range(0, len(ids), DELETE_BATCH):
            try:
                await self.bot.delete_messages(
                    chat_id=turn.message.address, message_ids=ids[start : start + DELETE_BATCH]
                )
            except Exception as exc:  # noqa: BLE001 - best effort; the data is gone already
                logger.warning("telegram: deleting chat messages failed (%s)", describe_error(exc))
