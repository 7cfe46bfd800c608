"""The examples of a Rasa NLU training file, read without Rasa.

Three things learn from ``data/nlu/<code>.yml``: the intent classifier (through Rasa),
the language detector (how people here write each language) and the risk classifier
(what ordinary conversation looks like). The last two need only the text, fast and
without importing Rasa, so they read it here.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

#: ``[text](entity)`` or ``[text]{"entity": ...}``: the text is what people wrote.
_ENTITY_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def intent_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text) for every example of every intent block of ``path``.

    Raises:
        OSError, yaml.YAMLError: The file cannot be read or parsed; callers decide
            whether that is fatal (the detectors skip the file with a warning).
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    blocks = document.get("nlu") if isinstance(document, dict) else None
    pairs: list[tuple[str, str]] = []
    # A file of another shape (``nlu: 5``, a plain list) holds no examples, not an error.
    for block in blocks if isinstance(blocks, list) else []:
        if not (isinstance(block, dict) and "intent" in block and isinstance(block.get("examples"), str)):
            continue
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                pairs.append((str(block["intent"]), _ENTITY_ANNOTATION.sub(r"\1", line.strip()[2:])))
    return pairs
