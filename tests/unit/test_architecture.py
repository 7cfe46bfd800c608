"""Imports go one way: channels/ and actions/ use bot/; only bot/nlu/ imports Rasa."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT

BOT_MODULES = sorted(
    p for p in (REPO_ROOT / "bot").rglob("*.py") if "nlu" not in p.relative_to(REPO_ROOT / "bot").parts
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", BOT_MODULES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_bot_outside_nlu_imports_neither_rasa_nor_actions_nor_channels(path: Path) -> None:
    forbidden = {"rasa", "rasa_sdk", "actions"}
    # The CLI may start the channels' Telegram set-up; nothing else in bot/ may.
    if path.name != "cli.py":
        forbidden.add("channels")
    assert not (_imports(path) & forbidden)
