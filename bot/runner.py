"""Start every Marigold process, wait until each is healthy, stop them all together.

``marigold run`` (what ``make run`` calls) is for a laptop or a single server: the
embedded Redis (unless ``REDIS_URL`` is set), the action server and the Rasa server
with the SMS, Telegram and REST channels and the HTTP API (token-protected). Each
child gets its own process group so Ctrl-C stops them all and nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bot.embedded_redis import redis_is_up, start_embedded_redis
from bot.model_cache import ensure_model
from bot.redis_connection import redis_url
from bot.settings import REPO_ROOT, Settings, get_settings


@dataclass
class ProcessGroup:
    """The children started by one ``marigold run``, stopped in reverse order."""

    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    log_dir: Path | None = None  # where each child's <name>.log is

    def add(self, name: str, process: subprocess.Popen[bytes]) -> None:
        """Remember a child to stop later."""
        self.processes.append((name, process))

    def check_alive(self) -> None:
        """Raise if a child died, quoting the end of its log.

        The log lives in the run's var directory, which a CI run or a test's temporary
        directory removes; the error itself must say why the child died.
        """
        for name, process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {process.returncode}; the end of its log:\n"
                    + self.log_tail(name)
                )

    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last ``lines`` lines of a child's log, or a note that there is none."""
        if self.log_dir is None or not (self.log_dir / f"{name}.log").exists():
            return "(no log)"
        text = (self.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM each child's group, then SIGKILL what did not stop in time."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, process in reversed(self.processes):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        # Not a group leader (started elsewhere): signal the process itself.
        if process.poll() is None:
            process.send_signal(sig)


def child_environment(settings: Settings) -> dict[str, str]:
    """Environment for children: the settings they must agree on, made explicit."""
    env = dict(os.environ)
    env.update(
        {
            "MARIGOLD_ACTIONS_PORT": str(settings.actions_port),
            "MARIGOLD_VAR_DIR": str(settings.var_dir),
            "REDIS_URL": redis_url(settings),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONUNBUFFERED": "1",
        }
    )
    # Children read the same secrets (generated once into var/ in local mode).
    env.update(settings.secrets)
    return env


def action_server_command(settings: Settings) -> list[str]:
    """The exact command that serves the custom actions."""
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port)]


def credentials_file(settings: Settings) -> Path:
    """The channels to mount: all of ``config/credentials.yml`` locally; no REST in production.

    Rasa's REST channel trusts any sender id it is given, so in production it would let
    anyone write into (and read the replies of) a person's conversation.
    """
    source = REPO_ROOT / "config" / "credentials.yml"
    if not settings.production:
        return source
    channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    channels.pop("rest", None)
    target = settings.var_dir / "credentials.production.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(channels), encoding="utf-8")
    return target


def rasa_server_command(settings: Settings, model: Path) -> list[str]:
    """The exact command that serves the model, the channels and the HTTP API."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "run",
        "--model",
        str(model),
        "--port",
        str(settings.rasa_port),
        "--interface",
        "127.0.0.1" if not settings.production else "0.0.0.0",
        "--endpoints",
        "config/endpoints.yml",
        "--credentials",
        str(credentials_file(settings)),
        "--enable-api",
        # One argument, "--name=value": a generated token may begin with "-", which
        # argparse would take for an option and exit with code 2.
        f"--auth-token={settings.secret('MARIGOLD_RASA_TOKEN')}",
    ]


def spawn_logged(
    name: str, command: list[str], env: dict[str, str], log_dir: Path
) -> subprocess.Popen[bytes]:
    """Start a child in its own session, its output appended to ``log_dir/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child for its life
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_for_http(url: str, group: ProcessGroup, timeout: float) -> None:
    """Poll ``url`` until it answers 200, a child dies, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        group.check_alive()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f}s")


def start_all(settings: Settings | None = None, model: Path | None = None) -> ProcessGroup:
    """Start Redis (if embedded), the action server and Rasa; wait for health."""
    settings = settings or get_settings()
    model = model or ensure_model()
    log_dir = settings.var_dir / "log"
    group = ProcessGroup(log_dir=log_dir)
    try:
        if not settings.redis_url and not redis_is_up(settings.embedded_redis_port):
            group.add(
                "redis",
                start_embedded_redis(
                    settings.embedded_redis_port, settings.var_dir / "redis", log_dir / "redis.log"
                ),
            )
        env = child_environment(settings)
        group.add("actions", spawn_logged("actions", action_server_command(settings), env, log_dir))
        group.add("rasa", spawn_logged("rasa", rasa_server_command(settings, model), env, log_dir))
        wait_for_http(f"{settings.actions_url}/health", group, timeout=120)
        wait_for_http(
            f"{settings.rasa_url}/status?token={settings.secret('MARIGOLD_RASA_TOKEN')}", group, 300
        )
    except BaseException:
        group.stop()
        raise
    return group


def run_forever() -> int:
    """``marigold run``: start everything, print where it is, stop on Ctrl-C."""
    settings = get_settings()
    print("==> starting Marigold (first start trains the model; later ones take seconds)", flush=True)
    group = start_all(settings)
    print(
        "\nMarigold is running:\n"
        f"  Rasa server + channels  {settings.rasa_url}\n"
        f"    SMS webhook           {settings.rasa_url}/webhooks/sms/webhook\n"
        f"    Telegram webhook      {settings.rasa_url}/webhooks/telegram/webhook\n"
        f"    REST (local chat)     {settings.rasa_url}/webhooks/rest/webhook\n"
        f"  Action server           {settings.actions_url}\n"
        f"  Redis                   {redis_url(settings)}\n"
        f"  Logs                    {settings.var_dir / 'log'}\n"
        "\nTalk to it:  .venv/bin/marigold chat      Stop: Ctrl-C\n",
        flush=True,
    )
    stop = False

    def _request_stop(*_: object) -> None:
        nonlocal stop
        stop = True

    # Both set explicitly: a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        while not stop:
            group.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        group.stop()
        return 1
    print("\n==> stopping Marigold", flush=True)
    group.stop()
    return 0
