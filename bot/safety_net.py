"""The numbers a person gets when everything else has failed.

When Rasa is down, times out or stays silent, the channels still answer with an
emergency number and a helpline (``utter_technical_fallback``). This runs on the
failure path, so it reads only the seed directory file shipped with the code (no
Redis, no network) and never raises: a broken or missing directory still yields
the common emergency numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.directory import emergency_summary, seed_directory
from bot.resource_format import hotline_text

logger = logging.getLogger(__name__)

#: Used only if the directory file cannot be read at all. 112 reaches emergency
#: services across the EU and on most GSM networks; 911 across North America.
_LAST_RESORT_EMERGENCY = "112 / 911"


@dataclass(frozen=True)
class SafetyNumbers:
    """What fills ``{emergency}`` and ``{hotline}`` in the fallback reply."""

    emergency: str
    hotline: str


def safety_numbers(country: str | None, language: str | None = None) -> SafetyNumbers:
    """Emergency number and helpline for ``country`` (ISO code), or general ones.

    Args:
        country: The person's country if the conversation established it.
        language: The person's language, to prefer a line that speaks it.

    Returns:
        The country's emergency number and best anti-trafficking line; without a
        known country, the directory's list of common emergency numbers and its
        best international line.
    """
    try:
        directory = seed_directory()
        emergency = emergency_summary(directory, country) or _LAST_RESORT_EMERGENCY
        return SafetyNumbers(emergency=emergency, hotline=hotline_text(directory, country, language))
    except Exception:  # noqa: BLE001 - the safety net must not fail, whatever broke
        logger.exception("safety net: resource directory unreadable, using last-resort numbers")
        return SafetyNumbers(emergency=_LAST_RESORT_EMERGENCY, hotline=_LAST_RESORT_EMERGENCY)
