"""The ``marigold`` command.

Usage:
    marigold run                          start Redis, actions, Rasa; Ctrl-C stops all
    marigold chat [--url URL]             talk to the running bot in a terminal
    marigold analyze "text" [--language xx]
    echo '{"text": "..."}' | marigold analyze
                                          language, risk and intents as JSON lines
    marigold train                        train the model if its inputs changed
    marigold directory import FILE.yml    make FILE the current resource directory
    marigold directory export FILE.yml    write the current directory to FILE
    marigold telegram set-webhook         register the Telegram webhook
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Iterator, Sequence
from typing import Any


def _cmd_run(_: argparse.Namespace) -> int:
    from bot.runner import run_forever

    return run_forever()


def _cmd_train(_: argparse.Namespace) -> int:
    """Train (or find) the Rasa model and the risk classifier; print the model's path last."""
    from bot.distress import normalise
    from bot.model_cache import ensure_model
    from bot.risk_model import default_classifier

    # The risk classifier trains in about 2 minutes when its data changed; doing it here
    # keeps that out of the first start and out of the tests' timing.
    default_classifier(normalise)
    print(ensure_model())
    return 0


def _chat_url(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    from bot.settings import get_settings

    return f"{get_settings().rasa_url}/webhooks/rest/webhook"


def _cmd_chat(args: argparse.Namespace) -> int:
    import httpx

    url = _chat_url(args)
    sender = f"local-{uuid.uuid4().hex[:12]}"
    print("Marigold chat. Write in any language; Ctrl-D to leave.\n")
    with httpx.Client(timeout=30) as client:
        while True:
            try:
                line = input("you> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not line.strip():
                continue
            try:
                response = client.post(url, json={"sender": sender, "message": line})
                response.raise_for_status()
            except httpx.HTTPError as exc:
                print(f"(could not reach Marigold at {url}: {exc}. Is `make run` running?)")
                continue
            for message in response.json():
                if message.get("text"):
                    print(f"bot> {message['text']}")
                for button in message.get("buttons") or []:
                    print(f"     [{button.get('title')}] -> {button.get('payload')}")


def _analyze_inputs(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    if args.text:
        yield {"text": " ".join(args.text), "language": args.language}
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"stdin line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise SystemExit(f'stdin line {number}: expected {{"text": "...", "language": optional}}')
        yield item


def _cmd_analyze(args: argparse.Namespace) -> int:
    from bot.analysis import Analyzer

    analyzer = Analyzer.create(use_model=not args.no_model)
    for item in _analyze_inputs(args):
        result = asyncio.run(analyzer.analyze(item["text"], item.get("language")))
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def _cmd_directory(args: argparse.Namespace) -> int:
    from pathlib import Path

    import redis
    import yaml

    from bot.directory import CURRENT_KEY, SEED_FILE, read_directory_file, store_directory
    from bot.redis_connection import redis_url, sync_client

    client = sync_client()
    try:
        if args.action == "import":
            try:
                document = read_directory_file(Path(args.file))
            except (OSError, ValueError, yaml.YAMLError) as exc:
                raise SystemExit(f"error: {exc}") from exc
            store_directory(client, document)
            print(f"imported {len(document['resources'])} resources from {args.file}")
            return 0
        stored = client.get(CURRENT_KEY)
    except redis.RedisError as exc:
        raise SystemExit(
            f"error: cannot reach Redis at {redis_url()} ({type(exc).__name__}); "
            "start Marigold with `make run` or set REDIS_URL"
        ) from exc
    document = json.loads(stored) if stored else read_directory_file(SEED_FILE)
    source = "Redis" if stored else f"the seed ({SEED_FILE.name})"
    Path(args.file).write_text(
        yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    print(f"exported {len(document['resources'])} resources from {source} to {args.file}")
    return 0


def _cmd_telegram(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from channels.telegram_webhook import set_webhook

    asyncio.run(set_webhook(get_settings()))
    print("Telegram webhook registered")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (separate so tests can inspect it)."""
    parser = argparse.ArgumentParser(
        prog="marigold", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start everything").set_defaults(handler=_cmd_run)
    commands.add_parser("train", help="train the model and risk classifier if inputs changed").set_defaults(
        handler=_cmd_train
    )

    chat = commands.add_parser("chat", help="talk to the running bot")
    chat.add_argument("--url", help="REST webhook URL (default: the local Rasa server)")
    chat.set_defaults(handler=_cmd_chat)

    analyze = commands.add_parser("analyze", help="explain language and risk decisions")
    analyze.add_argument("text", nargs="*", help="text to analyse (default: JSON lines on stdin)")
    analyze.add_argument("--language", help="language code, if known")
    analyze.add_argument("--no-model", action="store_true", help="skip the Rasa model (no intents)")
    analyze.set_defaults(handler=_cmd_analyze)

    directory = commands.add_parser("directory", help="import or export the resource directory")
    directory.add_argument("action", choices=["import", "export"])
    directory.add_argument("file")
    directory.set_defaults(handler=_cmd_directory)

    telegram = commands.add_parser("telegram", help="Telegram set-up")
    telegram.add_argument("action", choices=["set-webhook"])
    telegram.set_defaults(handler=_cmd_telegram)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marigold`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
