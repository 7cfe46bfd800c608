"""Turn a response name into the message a person receives, in their language.

Shared by the Rasa NLG plug-in and the custom actions, so a response looks the same
whichever of them sends it: text from the catalogue, buttons from
``config/response_buttons.yml`` with titles in the same language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.locales import text
from bot.settings import REPO_ROOT

BUTTONS_FILE = REPO_ROOT / "config" / "response_buttons.yml"


@lru_cache(maxsize=1)
def _button_specs() -> dict[str, list[dict[str, str]]]:
    return yaml.safe_load(BUTTONS_FILE.read_text(encoding="utf-8")) or {}


def buttons(response: str, language: str | None) -> list[dict[str, str]]:
    """The quick replies of ``response``, titled in ``language``."""
    return [
        {"title": text(spec["title"], language), "payload": spec["payload"]}
        for spec in _button_specs().get(response, [])
    ]


def render(response: str, language: str | None, **values: Any) -> dict[str, Any]:
    """A Rasa-style message dict (``text`` and ``buttons``) for ``response``."""
    return {
        "text": text(response, language, **values),
        "buttons": buttons(response, language),
        "image": None,
        "elements": [],
        "attachments": [],
        "custom": {},
    }
