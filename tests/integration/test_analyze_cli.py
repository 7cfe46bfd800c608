"""`marigold analyze` explains language and risk decisions as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.settings import REPO_ROOT


def _analyze(*args: str, stdin: str | None = None) -> list[dict[str, object]]:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "analyze", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


def test_text_argument_without_model() -> None:
    [result] = _analyze("--no-model", "my boss took my passport and I cannot leave")
    assert result["language"] == "en"
    risk = result["risk"]
    assert isinstance(risk, dict) and risk["level"] == "high"
    assert "documents_confiscated" in risk["signals"]


def test_a_romanised_message_shows_how_it_was_read() -> None:
    [result] = _analyze("--no-model", "pomogite on menya bet")
    assert result["language"] == "ru"
    assert result["read_as"] == "помогите он меня бьет"
    risk = result["risk"]
    assert isinstance(risk, dict) and risk["level"] == "imminent"
    [plain] = _analyze("--no-model", "he is hitting me")
    assert "read_as" not in plain


def test_json_lines_on_stdin_with_the_model(trained_model) -> None:  # type: ignore[no-untyped-def]
    lines = "\n".join(
        json.dumps(item, ensure_ascii=False)
        for item in [
            {"text": "me van a matar"},
            {"text": "hola", "language": "es"},
            {"text": "我想知道我的权利"},
        ]
    )
    danger, greeting, chinese = _analyze(stdin=lines)
    assert danger["language"] == "es" and danger["risk"]["level"] == "imminent"  # type: ignore[index]
    assert greeting["intents"][0]["name"] == "greet"  # type: ignore[index]
    assert chinese["language"] == "zh"
    for result in (danger, greeting, chinese):
        assert set(result) >= {"language", "language_confidence", "risk", "classifier", "intents"}


def test_bad_stdin_line_is_a_clear_error() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "analyze", "--no-model"],
        cwd=REPO_ROOT,
        input="not json\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert "stdin line 1: not JSON" in completed.stderr
