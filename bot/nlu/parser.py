"""Run the trained model's NLU pipeline on a text, outside any conversation.

Used by ``marigold analyze`` to show exactly what the running bot would see: the
same components, in the same order, as the Rasa server.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class ModelParser:
    """Wraps ``rasa.core.agent.Agent`` for NLU-only parsing."""

    def __init__(self, model_path: Path) -> None:
        import structlog
        from rasa.core.agent import Agent

        # Rasa logs each parsed message, text included, at DEBUG through structlog;
        # unconfigured, structlog prints that to stdout, into our JSON lines.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        logging.getLogger("rasa").setLevel(logging.WARNING)
        self._agent = Agent.load(str(model_path))

    async def parse(self, text: str, language: str | None = None) -> dict[str, Any]:
        """The model's parse of ``text``; ``language`` acts as the previous language."""
        from rasa.core.channels.channel import UserMessage

        metadata = {"language": language} if language else None
        message = UserMessage(text, sender_id="analyze", metadata=metadata)
        processor = self._agent.processor
        assert processor is not None
        return await processor.parse_message(message)
