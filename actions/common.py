"""What every Marigold action needs: the person's language, replies, Redis, directory.

Kept free of ``Action`` subclasses: rasa-sdk registers every concrete ``Action`` it
finds under ``actions/``, so shared code lives in plain functions.
"""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.directory import Directory, emergency_summary, load_directory
from bot.distress import RiskLevel
from bot.language_config import normalize_language
from bot.redis_connection import async_client, sync_client
from bot.replies import render
from bot.resource_format import hotline_text

_redis: aioredis.Redis | None = None
_directory_redis: redis.Redis | None = None


def redis_client() -> aioredis.Redis:
    """The action server's Redis client, created on first use (not at import)."""
    global _redis
    if _redis is None:
        _redis = async_client()
    return _redis


def directory() -> Directory:
    """The current resource directory (Redis if imported, else the seed).

    Read on every use, so an admin's import reaches the next reply; one short GET.
    """
    global _directory_redis
    if _directory_redis is None:
        _directory_redis = sync_client()
    return load_directory(_directory_redis)


def language_of(tracker: Tracker) -> str:
    """The conversation's language, or the default one."""
    return normalize_language(tracker.get_slot("language"))


def country_of(tracker: Tracker) -> str | None:
    """The ISO code of the person's country, if they told us."""
    country = tracker.get_slot("country")
    return None if country in (None, "", "none") else str(country)


def risk_of(tracker: Tracker) -> RiskLevel:
    """The conversation's highest risk level so far."""
    try:
        return RiskLevel(tracker.get_slot("risk_level") or RiskLevel.NONE.value)
    except ValueError:
        return RiskLevel.NONE


def safety_values(tracker: Tracker) -> dict[str, str]:
    """``emergency`` and ``hotline`` for the person's country (or general ones)."""
    found = directory()
    country = country_of(tracker)
    return {
        "emergency": emergency_summary(found, country),
        "hotline": hotline_text(found, country, language_of(tracker)),
    }


def say(dispatcher: CollectingDispatcher, response: str, language: str, **values: Any) -> None:
    """Send a catalogue response (text plus its buttons) in ``language``."""
    message = render(response, language, **values)
    dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)
