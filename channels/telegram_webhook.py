"""Register Marigold's webhook with Telegram (``marigold telegram set-webhook``).

Telegram then posts updates to ``MARIGOLD_TELEGRAM_WEBHOOK_URL`` with our secret in
the ``X-Telegram-Bot-Api-Secret-Token`` header, and only the update kinds the bot
handles, so edited messages, channel posts and group events never arrive.

Usage:
    from channels.telegram_webhook import set_webhook
    asyncio.run(set_webhook(get_settings()))
"""

from __future__ import annotations

import logging
import re

from bot.settings import Settings, SettingsError
from channels.telegram import make_bot

logger = logging.getLogger(__name__)

#: Update kinds the channel handles.
ALLOWED_UPDATES = ["message", "callback_query"]
#: Telegram accepts 1-256 characters from this alphabet as a secret token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


async def set_webhook(settings: Settings) -> None:
    """Point the bot's webhook at this deployment.

    Raises:
        SettingsError: a needed setting is missing or the secret has characters
            Telegram refuses (the variable is named).
        telegram.error.TelegramError: Telegram refused the call.
    """
    for name, value in (
        ("MARIGOLD_TELEGRAM_TOKEN", settings.telegram_token),
        ("MARIGOLD_TELEGRAM_SECRET", settings.telegram_secret),
        ("MARIGOLD_TELEGRAM_WEBHOOK_URL", settings.telegram_webhook_url),
    ):
        if not value:
            raise SettingsError(f"{name} must be set to register the Telegram webhook")
    if not _SECRET_TOKEN.match(settings.telegram_secret):
        raise SettingsError("MARIGOLD_TELEGRAM_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    async with make_bot(settings) as bot:
        await bot.set_webhook(
            url=settings.telegram_webhook_url,
            secret_token=settings.telegram_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    logger.info("telegram: webhook registered")
