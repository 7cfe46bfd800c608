"""A fake Telegram Bot API on 127.0.0.1, for python-telegram-bot to talk to.

Implements ``POST /bot{token}/{method}`` for getMe, sendMessage, deleteMessage,
deleteMessages, answerCallbackQuery and setWebhook, answers like Telegram and keeps
what each chat would show, so a test can check that erase really empties the chat.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.loopback import JsonHandler, LoopbackServer

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Marigold", "username": "marigold_test_bot"}
#: Parameters that PTB sends as plain strings (everything else is JSON-encoded).
_STRING_PARAMS = {"text", "url", "secret_token", "callback_query_id"}


@dataclass
class FakeTelegram(LoopbackServer):
    """Telegram's Bot API, in a thread."""

    token: str
    #: (method, parameters) of every call, in order.
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: What each chat shows: chat id -> {message id: text}.
    chats: dict[int, dict[int, str]] = field(default_factory=dict)
    #: Methods that answer with this error (status, description).
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """Value for ``MARIGOLD_TELEGRAM_API_BASE`` (PTB appends the token)."""
        return f"{self.origin}/bot"

    def user_message(self, chat_id: int, text: str) -> int:
        """Put a message from the person into a chat; returns its message id."""
        with self._lock:
            self._next_id += 1
            self.chats.setdefault(chat_id, {})[self._next_id] = text
            return self._next_id

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of sendMessage calls (to one chat if given)."""
        return [
            params["text"]
            for method, params in self.calls
            if method == "sendMessage" and (chat_id is None or params["chat_id"] == chat_id)
        ]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call to ``method``."""
        return [params for name, params in self.calls if name == method]

    def _handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, params))
            if method in self.failures:
                status, description = self.failures[method]
                return status, {"ok": False, "error_code": status, "description": description}
            if method == "getMe":
                return 200, {"ok": True, "result": BOT_USER}
            if method == "sendMessage":
                self._next_id += 1
                chat_id = int(params["chat_id"])
                self.chats.setdefault(chat_id, {})[self._next_id] = params["text"]
                result: dict[str, Any] = {
                    "message_id": self._next_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
                    "from": BOT_USER,
                    "text": params["text"],
                }
                if "reply_markup" in params:
                    result["reply_markup"] = params["reply_markup"]
                return 200, {"ok": True, "result": result}
            if method in {"deleteMessage", "deleteMessages"}:
                chat = self.chats.get(int(params["chat_id"]), {})
                ids = params.get("message_ids") or [params.get("message_id")]
                for message_id in ids:
                    chat.pop(int(message_id), None)
                return 200, {"ok": True, "result": True}
            if method in {"answerCallbackQuery", "setWebhook"}:
                return 200, {"ok": True, "result": True}
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def start(self) -> FakeTelegram:
        """Serve on a free port."""
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                token, _, method = self.path.removeprefix("/bot").partition("/")
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if token != fake.token:
                    status, payload = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                else:
                    status, payload = fake._handle(method, _parse(self.headers.get("Content-Type", ""), raw))
                self._reply(status, payload)

        self._serve(Handler)
        return self

    def reset(self) -> None:
        """Forget calls, chats and injected failures."""
        with self._lock:
            self.calls.clear()
            self.chats.clear()
            self.failures.clear()


def _parse(content_type: str, raw: str) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return dict(json.loads(raw or "{}"))
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw).items():
        value = values[0]
        if key not in _STRING_PARAMS:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    return params
