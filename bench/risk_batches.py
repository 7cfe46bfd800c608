"""Held-out batches: how the risk rules do on training wording their models have not seen.

The training messages (``data/risk/training/<code>.tsv``) arrived in batches, each
written blind to the others with a different brief (indirect danger, hard negatives,
scenarios from other languages, unusual voices...; ``tools/training_batches.py``).
Rating a batch with models that never saw it is the closest thing to a fresh blind set
that can be measured again and again, so this is where the thresholds of
``data/risk/signals.yml`` are chosen; the blind hold-out sets under ``bench/data/``
then only confirm them.

Two ways, because the meaning model (``bot/meaning_model.py``) is fine-tuned ahead of
time, in about half an hour, and cannot be refitted per batch:

- By default, leave-one-batch-out with the n-grams alone: each batch from 2 on is rated
  by an n-gram model trained on all the others. The first batch is left out of the
  figures: the lexicon's third round of cues was written from its misses.
- ``--meaning FILE``: a tuning written by ``tools/finetune_meaning.sh
  --hold-out-batches N --out FILE``. Its held-out batches are rated by the blend the bot
  uses, the n-grams trained without those batches.

Prints imminent recall, high+ recall and false alarms (as ``bench/risk.py``) for the
rules in signals.yml and for a grid of classifier thresholds and benign caps.
``--intents`` adds the intent rules, reading each message's intent ranking from the
trained model (the intent classifier never saw these messages).

Usage:
    .venv/bin/python bench/risk_batches.py [--meaning FILE] [--intents] [--grid]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.distress import (  # noqa: E402
    Catalogue,
    RiskLevel,
    lexicon_signals,
    load_catalogue,
    normalise,
    weigh,
)
from bot.meaning_model import MeaningModel  # noqa: E402
from bot.risk_model import RiskClassifier, conversation_examples  # noqa: E402
from tools.training_batches import training_lines  # noqa: E402


@dataclass
class Message:
    """One training message, with what the lexicon and the intents made of it."""

    language: str
    batch: str
    label: RiskLevel
    text: str
    normalised: str
    lexicon: dict[str, RiskLevel]
    intents: tuple[tuple[str, float], ...] = ()
    probabilities: dict[str, float] = field(default_factory=dict)  # from a model that did not see it

    def level(self, rules: Catalogue) -> RiskLevel:
        """What ``bot.distress.assess`` decides with ``rules`` (the same code: ``weigh``)."""
        return RiskLevel.max(
            *weigh(self.lexicon, self.normalised, self.probabilities, self.intents, rules).values()
        )


def variant(catalogue: Catalogue, imminent: float, high: float, cap: float | None) -> Catalogue:
    """signals.yml's rules with other classifier thresholds and benign cap (None: no cap)."""
    raising = tuple(
        replace(rule, min_probability=imminent if rule.level is RiskLevel.IMMINENT else high)
        for rule in catalogue.classifier
    )
    benign = replace(catalogue.benign, min_probability=cap) if catalogue.benign and cap is not None else None
    return replace(catalogue, classifier=raising, benign=benign)


def load_messages() -> list[Message]:
    """Every training message with its batch and its lexicon level."""
    catalogue = load_catalogue()
    messages: list[Message] = []
    for line in training_lines():
        normalised = normalise(line.text)
        messages.append(
            Message(
                language=line.language,
                batch=line.batch,
                label=RiskLevel(line.level),
                text=line.text,
                normalised=normalised,
                lexicon=lexicon_signals(normalised, line.language, catalogue),
            )
        )
    return messages


def rate_blind(
    messages: Sequence[Message],
    held_out: Collection[str],
    meaning: MeaningModel | None,
    conversation: Sequence[tuple[str, str]],
) -> None:
    """Fill ``probabilities`` of the ``held_out`` batches' messages from n-grams trained on
    the rest (and, as the bot's are, on the ``conversation`` examples), blended with
    ``meaning`` when given (it must not have seen those batches either)."""
    print(f"  training without {', '.join(sorted(held_out))} ...", file=sys.stderr, flush=True)
    others = [(m.text, m.label.value) for m in messages if m.batch not in held_out]
    classifier = RiskClassifier(normalise, meaning=meaning).fit([*others, *conversation])
    for message in messages:
        if message.batch in held_out:
            message.probabilities = classifier.probabilities(message.text)


def add_intents(messages: Sequence[Message]) -> None:
    """The trained model's intent ranking of each message, before any override."""
    import asyncio

    from bot.model_cache import ensure_model
    from bot.nlu.parser import ModelParser

    parser = ModelParser(ensure_model())
    loop = asyncio.new_event_loop()
    for message in messages:
        result = loop.run_until_complete(parser.parse(message.text))
        override = result.get("intent_override") or {}
        ranking = override.get("original_ranking") or result.get("intent_ranking") or []
        message.intents = tuple((str(r["name"]), float(r["confidence"])) for r in ranking)


def figures(messages: Sequence[Message], rules: Catalogue) -> str:
    """'imminent / high+ / false alarms' overall, then the weakest language of each."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for message in messages:
        if not message.probabilities:
            continue
        level = message.level(rules)
        for key in (message.language, "all"):
            c = counts[key]
            if message.label is RiskLevel.IMMINENT:
                c[0] += level is RiskLevel.IMMINENT
                c[1] += 1
            if message.label.at_least(RiskLevel.HIGH):
                c[2] += level.at_least(RiskLevel.HIGH)
                c[3] += 1
            else:
                c[4] += level.at_least(RiskLevel.HIGH)
                c[5] += 1
    a = counts.pop("all")
    worst_imminent = min(counts, key=lambda k: counts[k][0] / counts[k][1])
    worst_alarm = max(counts, key=lambda k: counts[k][4] / counts[k][5])
    return (
        f"{a[0] / a[1]:.3f} / {a[2] / a[3]:.3f} / {a[4] / a[5]:.3f}   "
        f"(weakest imminent {worst_imminent} {counts[worst_imminent][0] / counts[worst_imminent][1]:.2f}, "
        f"most false alarms {worst_alarm} {counts[worst_alarm][4] / counts[worst_alarm][5]:.2f})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Rate every batch blind, then print the figures of each rule set."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meaning", type=Path, help="a tuning with held-out batches (see above)")
    parser.add_argument("--intents", action="store_true", help="add the trained model's intent rules")
    parser.add_argument("--grid", action="store_true", help="also try other thresholds and caps")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    messages = load_messages()
    batches = list(dict.fromkeys(m.batch for m in messages))  # in file order: the first batch first
    if args.meaning:
        meaning = MeaningModel(args.meaning)
        if not meaning.held_out_batches:
            parser.error(f"{args.meaning} was tuned on every batch: none can be rated blind")
        print(f"{len(messages)} messages; rating batches {', '.join(sorted(meaning.held_out_batches))} blind")
        rate_blind(messages, meaning.held_out_batches, meaning, conversation_examples())
    else:
        print(f"{len(messages)} messages in {len(batches)} batches; rating batches 2..{len(batches)} blind")
        print("(n-grams only: the meaning model cannot be refitted per batch; see --meaning)")
        conversation = conversation_examples()
        for batch in batches[1:]:
            rate_blind(messages, {batch}, None, conversation)
    if args.intents:
        add_intents(messages)

    catalogue = load_catalogue()  # without --intents the messages carry none
    print("rules                                    imminent / high+ / false alarms")
    print(f"{'signals.yml':40s} {figures(messages, catalogue)}")
    if args.grid:
        for imminent in (0.65, 0.55, 0.5, 0.45, 0.4):
            for high in (0.92, 0.85, 0.8):
                for cap in (None, 0.7):
                    name = f"imminent {imminent} high {high} cap {cap}"
                    print(f"{name:40s} {figures(messages, variant(catalogue, imminent, high, cap))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
