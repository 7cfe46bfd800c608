"""Intent F1 per language on the held-out NLU sets, through the trained model.

Usage:
    .venv/bin/python bench/nlu_heldout.py [--model models/marigold-….tar.gz]

Each example of ``tests/nlu/heldout/<lang>.yml`` (written apart from the training
data) is parsed by the full NLU pipeline, exactly as the bot runs it, including the
keyword and danger overrides and the fallback classifier (an ``nlu_fallback`` counts
as a miss). Prints macro F1 and accuracy per language and overall, plus the most
frequent confusions.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(str(m.get("text")), str(m.get("intent"))) for m in data.intent_examples]


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold intents of (gold, predicted) pairs."""
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="model archive (default: the current fingerprint's)")
    args = parser.parse_args()

    from bot.model_cache import ensure_model
    from bot.nlu.parser import ModelParser

    model = args.model or ensure_model()
    parse = ModelParser(model)
    overall: list[tuple[str, str]] = []
    confusions: collections.Counter[tuple[str, str, str]] = collections.Counter()
    print(f"model: {model.name}\n")
    print(f"{'lang':<6}{'examples':>9}{'accuracy':>10}{'macro F1':>10}")
    for path in sorted((REPO_ROOT / "tests" / "nlu" / "heldout").glob("*.yml")):
        pairs = []
        for text, gold in load_examples(path):
            parsed = await parse.parse(text)
            predicted = str((parsed.get("intent") or {}).get("name"))
            pairs.append((gold, predicted))
            if predicted != gold:
                confusions[(path.stem, gold, predicted)] += 1
        overall.extend(pairs)
        accuracy = sum(g == p for g, p in pairs) / len(pairs)
        print(f"{path.stem:<6}{len(pairs):>9}{accuracy:>10.3f}{macro_f1(pairs):>10.3f}")
    accuracy = sum(g == p for g, p in overall) / len(overall)
    print(f"{'all':<6}{len(overall):>9}{accuracy:>10.3f}{macro_f1(overall):>10.3f}")
    print("\nmost frequent confusions (language, gold -> predicted):")
    for (language, gold, predicted), count in confusions.most_common(15):
        print(f"  {language}  {gold} -> {predicted}  x{count}")


if __name__ == "__main__":
    asyncio.run(main())
