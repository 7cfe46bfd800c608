"""The set-up helpers: model fingerprint, embedded Redis, the run commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import redis
from rasa.__main__ import create_argument_parser

from bot.embedded_redis import redis_is_up, start_embedded_redis
from bot.model_cache import TRAINING_INPUTS, fingerprint
from bot.runner import (
    ProcessGroup,
    action_server_command,
    child_environment,
    rasa_server_command,
    spawn_logged,
)
from bot.settings import REPO_ROOT, load_settings
from tests.conftest import free_port


def _copy_inputs(target: Path) -> None:
    for item in TRAINING_INPUTS:
        source = REPO_ROOT / item
        destination = target / item
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def test_fingerprint_changes_only_with_training_inputs(tmp_path: Path) -> None:
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before
    (tmp_path / "README.md").write_text("not a training input")
    assert fingerprint(tmp_path) == before
    with (tmp_path / "data" / "nlu" / "en.yml").open("a") as handle:
        handle.write("\n# a change\n")
    assert fingerprint(tmp_path) != before


def test_embedded_redis_starts_persists_and_stops(tmp_path: Path) -> None:
    port = free_port()
    process = start_embedded_redis(port, tmp_path / "redis")
    try:
        client = redis.Redis(port=port)
        client.set("k", "v")
        assert redis_is_up(port)
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("bind")["bind"] == "127.0.0.1"
    finally:
        process.terminate()
        process.wait(10)
    assert not redis_is_up(port)
    assert any((tmp_path / "redis").rglob("*.aof"))


def test_commands_use_the_configured_ports_and_token(tmp_path: Path) -> None:
    settings = load_settings(
        {"MARIGOLD_VAR_DIR": str(tmp_path), "MARIGOLD_RASA_PORT": "6001", "MARIGOLD_ACTIONS_PORT": "6002"}
    )
    rasa = rasa_server_command(settings, Path("models/m.tar.gz"))
    assert rasa[rasa.index("--port") + 1] == "6001"
    assert f"--auth-token={settings.secret('MARIGOLD_RASA_TOKEN')}" in rasa
    assert "--enable-api" in rasa and rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    actions = action_server_command(settings)
    assert actions[actions.index("--port") + 1] == "6002"
    env = child_environment(settings)
    assert env["MARIGOLD_ACTIONS_PORT"] == "6002"
    assert env["REDIS_URL"] == f"redis://127.0.0.1:{settings.embedded_redis_port}/0"


def test_rasa_accepts_a_token_that_begins_with_a_dash(tmp_path: Path) -> None:
    """token_urlsafe begins with "-" once in 64 tokens; "--auth-token -x" made Rasa exit 2."""
    (tmp_path / "secrets.json").write_text('{"MARIGOLD_RASA_TOKEN": "-starts-with-a-dash"}')
    settings = load_settings({"MARIGOLD_VAR_DIR": str(tmp_path)})
    command = rasa_server_command(settings, Path("models/m.tar.gz"))
    arguments = create_argument_parser().parse_args(command[3:])
    assert arguments.auth_token == "-starts-with-a-dash"


def test_a_dead_child_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    """CI removes the run's var directory, so the error must carry the reason itself."""
    command = ["python3", "-c", "import sys; print('first'); print('the reason'); sys.exit(2)"]
    process = spawn_logged("child", command, {}, tmp_path)
    process.wait(10)
    group = ProcessGroup([("child", process)], log_dir=tmp_path)
    with pytest.raises(RuntimeError, match="child exited with code 2") as raised:
        group.check_alive()
    assert "the reason" in str(raised.value)
