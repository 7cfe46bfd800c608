"""Reading NLU examples without Rasa: what the language detector and the risk classifier see."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu_examples import intent_examples


def test_examples_come_with_their_intent_and_without_entity_markup(tmp_path: Path) -> None:
    path = tmp_path / "xx.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: inform_location\n  examples: |\n    - i am in [qatar](country)\n    - hola\n"
        "- synonym: usa\n  examples: |\n    - america\n",
        encoding="utf-8",
    )
    assert intent_examples(path) == [("inform_location", "i am in qatar"), ("inform_location", "hola")]


@pytest.mark.parametrize("content", ["nlu: 5\n", "- a\n- b\n", "nlu:\n  greet: hi\n", ""])
def test_a_file_of_another_shape_has_no_examples(tmp_path: Path, content: str) -> None:
    path = tmp_path / "xx.yml"
    path.write_text(content, encoding="utf-8")
    assert intent_examples(path) == []
