"""Reply latency and memory of the whole bot, in-process, with the real stores.

Usage:
    .venv/bin/python bench/latency.py [--conversations 20]

Starts an embedded Redis and the action server on free ports, loads the current
model with Marigold's endpoints (Redis tracker and lock stores, catalogue NLG), then
plays short scripted conversations in several languages and prints p50/p95/max per
turn and the process's resident memory. Figures from a 2-core machine are in
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SCRIPTS = [
    ["hi", "yes", "i need a safe place to sleep", "I'm in Spain", "more"],
    ["hola", "si", "me quitaron el pasaporte", "estoy en mexico", "quiero hablar con una persona"],
    ["مرحبا احتاج مساعدة", "نعم", "انا في الامارات"],
    ["你好，我需要帮助", "是的", "我在泰国"],
    ["he is hitting me right now", "yes"],
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(conversations: int) -> None:
    """Play the scripts ``conversations`` times and print the figures."""
    import psutil
    import structlog

    var_dir = Path(tempfile.mkdtemp(prefix="marigold-bench-"))
    os.environ.update(
        {
            "MARIGOLD_VAR_DIR": str(var_dir),
            "MARIGOLD_EMBEDDED_REDIS_PORT": str(_free_port()),
            "MARIGOLD_ACTIONS_PORT": str(_free_port()),
        }
    )
    os.environ.pop("REDIS_URL", None)
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    from bot.embedded_redis import start_embedded_redis
    from bot.model_cache import ensure_model
    from bot.runner import ProcessGroup, action_server_command, child_environment, spawn_logged, wait_for_http
    from bot.settings import get_settings

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.ERROR)
    settings = get_settings()
    model = ensure_model()
    group = ProcessGroup()
    group.add("redis", start_embedded_redis(settings.embedded_redis_port, var_dir / "redis"))
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{settings.embedded_redis_port}/0"
    from bot.settings import reset_settings_cache

    reset_settings_cache()
    settings = get_settings()
    group.add(
        "actions",
        spawn_logged("actions", action_server_command(settings), child_environment(settings), var_dir),
    )
    try:
        wait_for_http(f"{settings.actions_url}/health", group, 120)
        started = time.perf_counter()
        endpoints = AvailableEndpoints.read_endpoints(str(REPO_ROOT / "config" / "endpoints.yml"))
        agent = await load_agent(str(model), endpoints=endpoints)
        load_seconds = time.perf_counter() - started
        await agent.handle_text("warm up", sender_id="bench-warmup")
        timings: list[float] = []
        for number in range(conversations):
            script = SCRIPTS[number % len(SCRIPTS)]
            for turn in script:
                begin = time.perf_counter()
                await agent.handle_text(turn, sender_id=f"bench-{number}")
                timings.append((time.perf_counter() - begin) * 1000)
        timings.sort()
        rss = psutil.Process().memory_info().rss / 2**20
        print(f"model: {model.name}")
        print(f"agent load: {load_seconds:.1f} s")
        print(f"turns: {len(timings)} in {conversations} conversations")
        print(
            f"reply latency ms: p50 {statistics.median(timings):.1f}  "
            f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f}  max {timings[-1]:.1f}"
        )
        print(f"Rasa process RSS: {rss:.0f} MB")
    finally:
        group.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=20)
    asyncio.run(run(parser.parse_args().conversations))


if __name__ == "__main__":
    main()
