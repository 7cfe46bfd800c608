"""`marigold run`'s processes, started with their exact commands, over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.runner import ProcessGroup, start_all
from bot.settings import load_settings
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[str]:
    """Embedded Redis + action server + Rasa on free ports; everything stopped after."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = {
        "MARIGOLD_VAR_DIR": str(var_dir),
        "MARIGOLD_EMBEDDED_REDIS_PORT": str(free_port()),
        "MARIGOLD_RASA_PORT": str(free_port()),
        "MARIGOLD_ACTIONS_PORT": str(free_port()),
    }
    settings = load_settings(env)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("REDIS_URL", raising=False)
        group: ProcessGroup = start_all(settings, trained_model)
    try:
        yield settings.rasa_url
    finally:
        group.stop()
        for _, process in group.processes:
            assert process.poll() is not None, "a child outlived the stop"


def test_rest_channel_conversation(running: str) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=running, timeout=30) as client:
        first = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hola"}).json()
        assert "Marigold" in first[0]["text"]
        assert "BORRAR" in first[0]["text"], "the Spanish introduction names the Spanish erase word"
        assert [b["payload"] for b in first[1]["buttons"]] == ["/affirm", "/deny"]
        second = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "si"}).json()
        assert len(second) >= 2


def test_http_api_needs_the_token(running: str) -> None:
    assert httpx.get(f"{running}/status", timeout=10).status_code == 401


def test_marigold_chat_talks_to_the_running_bot(running: str) -> None:
    import subprocess
    import sys

    from bot.locales import text
    from bot.settings import REPO_ROOT

    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--url", f"{running}/webhooks/rest/webhook"],
        cwd=REPO_ROOT,
        input="привет, мне нужна помощь\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"bot> {text('utter_intro', 'ru')}" in completed.stdout
    assert "-> /affirm" in completed.stdout
