"""`marigold run`'s processes, started with their exact commands, over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from bot.runner import ProcessGroup, start_all
from bot.settings import load_settings
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

TWILIO_TOKEN = "e2e-twilio-auth-token"


@dataclass(frozen=True)
class RunningMarigold:
    """Where the started processes answer and keep their state."""

    url: str
    var_dir: Path
    redis_port: int


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[RunningMarigold]:
    """Embedded Redis + action server + Rasa on free ports; everything stopped after."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    rasa_port = free_port()
    env = {
        "MARIGOLD_VAR_DIR": str(var_dir),
        "MARIGOLD_EMBEDDED_REDIS_PORT": str(free_port()),
        "MARIGOLD_RASA_PORT": str(rasa_port),
        "MARIGOLD_ACTIONS_PORT": str(free_port()),
        "MARIGOLD_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "MARIGOLD_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "MARIGOLD_SMS_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}/webhooks/sms/webhook",
    }
    settings = load_settings(env)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("REDIS_URL", raising=False)
        group: ProcessGroup = start_all(settings, trained_model)
    try:
        yield RunningMarigold(settings.rasa_url, var_dir, settings.embedded_redis_port)
    finally:
        group.stop()
        for _, process in group.processes:
            assert process.poll() is not None, "a child outlived the stop"


def test_rest_channel_conversation(running: RunningMarigold) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=running.url, timeout=30) as client:
        first = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hola"}).json()
        assert "Marigold" in first[0]["text"]
        assert "BORRAR" in first[0]["text"], "the Spanish introduction names the Spanish erase word"
        assert [b["payload"] for b in first[1]["buttons"]] == ["/affirm", "/deny"]
        second = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "si"}).json()
        assert len(second) >= 2


def test_http_api_needs_the_token(running: RunningMarigold) -> None:
    assert httpx.get(f"{running.url}/status", timeout=10).status_code == 401


def test_marigold_chat_talks_to_the_running_bot(running: RunningMarigold) -> None:
    import subprocess
    import sys

    from bot.locales import text
    from bot.settings import REPO_ROOT

    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--url", f"{running.url}/webhooks/rest/webhook"],
        cwd=REPO_ROOT,
        input="привет, мне нужна помощь\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"bot> {text('utter_intro', 'ru')}" in completed.stdout
    assert "-> /affirm" in completed.stdout


def test_signed_sms_webhook_on_the_running_server(running: RunningMarigold) -> None:
    from twilio.request_validator import RequestValidator

    from bot.locales import text

    url = f"{running.url}/webhooks/sms/webhook"
    form = {"From": "+15550001111", "To": "+15550002222", "Body": "hola", "MessageSid": "SM" + "1" * 32}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    with httpx.Client(timeout=30) as client:
        answered = client.post(url, data=form, headers={"X-Twilio-Signature": signature})
        refused = client.post(url, data=form, headers={"X-Twilio-Signature": "forged"})
    assert answered.status_code == 200
    assert answered.headers["content-type"].startswith("application/xml")
    assert "Marigold" in answered.text and "BORRAR" in answered.text
    assert text("utter_ask_safe_to_talk", "es") in answered.text
    assert refused.status_code == 403

    # The phone number reached no process's log and no Redis key or value in clear.
    log_files = list((running.var_dir / "log").glob("*.log"))
    assert {path.name for path in log_files} >= {"rasa.log", "actions.log"}
    for path in log_files:
        assert "15550001111" not in path.read_text(errors="replace"), path.name
    client = redis.Redis(port=running.redis_port, decode_responses=True)
    keys = client.keys("*")
    assert any(key.startswith("mg:vault:sms:") for key in keys)
    for key in keys:
        kind = client.type(key)
        value = {
            "string": lambda k: client.get(k) or "",
            "hash": lambda k: str(client.hgetall(k)),
            "zset": lambda k: str(client.zrange(k, 0, -1)),
            "list": lambda k: str(client.lrange(k, 0, -1)),
            "set": lambda k: str(client.smembers(k)),
        }.get(kind, lambda k: "")(key)
        assert "15550001111" not in key + value, key
