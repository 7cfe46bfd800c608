"""Benchmark the risk lexicons on the labelled evaluation sets.

Each ``bench/data/risk/<lang>.tsv`` (header ``level<TAB>text``) holds realistic messages
labelled none / elevated / high / imminent, written by someone other than the author
of that language's lexicon. Every message is assessed by ``bot.distress.assess`` with
the lexicon and the learned classifier (no intents; ``--lexicon-only`` drops the
classifier, ``--with-model`` adds the intents of the trained Rasa model), in its
labelled language, and the script prints per language and overall:

* imminent recall   imminent rows rated imminent (missing one costs a life: >= 0.98)
* high+ recall      high and imminent rows rated high or above (>= 0.95)
* false alarms      none and elevated rows rated high or above (<= 0.03)
* elevated recall   elevated rows rated elevated or above (extra information)

Usage:
    .venv/bin/python bench/risk.py                  # table for every language
    .venv/bin/python bench/risk.py --show-errors    # ... and every miss / false alarm
    .venv/bin/python bench/risk.py -l es -l fr      # only these languages
    .venv/bin/python bench/risk.py --check          # exit 1 when a target is missed
    .venv/bin/python bench/risk.py --holdout        # the first blind hold-out set
    .venv/bin/python bench/risk.py --holdout 9      # blind set 2 to 9 (9: the honest figure now)
    .venv/bin/python bench/risk.py --conversation   # everyday replies: false alarms only
    .venv/bin/python bench/risk.py --data DIR       # any folder of <code>.tsv (a new training
                                                    # batch, rated blind before it joins)
    .venv/bin/python bench/risk.py --data bench/data/risk_holdout_romanised  # Russian and
                                                    # Ukrainian typed in Latin letters
    .venv/bin/python bench/risk.py --holdout --with-model   # ... as the running bot rates them
    .venv/bin/python bench/risk.py --holdout --lexicon-only # ... by the lexicon alone
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.distress import RiskLevel, assess, available_languages  # noqa: E402
from bot.nlu_examples import intent_examples  # noqa: E402
from bot.risk_model import CONVERSATION_INTENTS  # noqa: E402

DATA_DIR = ROOT / "bench" / "data" / "risk"
#: The blind hold-out sets, by number. Each was written by authors who never saw the
#: lexicons or the training data, and each set's story is in bench/RESULTS.md.
HOLDOUT_ROOT = ROOT / "bench" / "data"
HOLDOUT_DIRS = {
    # Written later than the dev set, blind to the lexicons, never used to tune them.
    1: HOLDOUT_ROOT / "risk_holdout",
    # 40 imminent, 40 high, 20 elevated, 30 none per language, indirect wording; written
    # after the classifier's training data and blind to the third round of lexicon cues.
    2: HOLDOUT_ROOT / "risk_holdout_2",
    # 20 imminent, 20 high, 15 elevated, 25 none per language, direct and indirect
    # wording, hard negatives; written at the start of the session that measured it,
    # before any change, and measured at its end. Later it helped choose the weight of
    # the sentence-embedding model, with sets 1 and 2. Sets 4 to 9 follow its brief,
    # each written at the start of a later session and measured before and after it.
    3: HOLDOUT_ROOT / "risk_holdout_3",
    4: HOLDOUT_ROOT / "risk_holdout_4",
    5: HOLDOUT_ROOT / "risk_holdout_5",
    6: HOLDOUT_ROOT / "risk_holdout_6",
    7: HOLDOUT_ROOT / "risk_holdout_7",
    8: HOLDOUT_ROOT / "risk_holdout_8",
    9: HOLDOUT_ROOT / "risk_holdout_9",
}
CONVERSATION_DIR = ROOT / "tests" / "nlu" / "heldout"

TARGET_IMMINENT = 0.98
TARGET_HIGH = 0.95
TARGET_FALSE_ALARM = 0.03


@dataclass(frozen=True)
class Row:
    """One labelled message and how it was rated."""

    language: str
    expected: RiskLevel
    text: str
    got: RiskLevel
    signals: tuple[str, ...]


@dataclass
class Tally:
    """Counts for one language (or all of them)."""

    imminent: list[bool] = field(default_factory=list)
    high: list[bool] = field(default_factory=list)
    false_alarm: list[bool] = field(default_factory=list)
    elevated: list[bool] = field(default_factory=list)
    rows: int = 0

    def add(self, row: Row) -> None:
        """Count ``row`` under every figure it belongs to."""
        self.rows += 1
        if row.expected is RiskLevel.IMMINENT:
            self.imminent.append(row.got is RiskLevel.IMMINENT)
        if row.expected.at_least(RiskLevel.HIGH):
            self.high.append(row.got.at_least(RiskLevel.HIGH))
        else:
            self.false_alarm.append(row.got.at_least(RiskLevel.HIGH))
        if row.expected is RiskLevel.ELEVATED:
            self.elevated.append(row.got.at_least(RiskLevel.ELEVATED))

    def figures(self) -> tuple[float | None, float | None, float | None, float | None]:
        """(imminent recall, high+ recall, false-alarm rate, elevated recall)."""
        return tuple(_rate(values) for values in (self.imminent, self.high, self.false_alarm, self.elevated))  # type: ignore[return-value]

    def meets_targets(self) -> bool:
        """True when every target holds (an empty figure holds trivially)."""
        imminent, high, false_alarm, _ = self.figures()
        return (
            (imminent is None or imminent >= TARGET_IMMINENT)
            and (high is None or high >= TARGET_HIGH)
            and (false_alarm is None or false_alarm <= TARGET_FALSE_ALARM)
        )


def _rate(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def read_rows(path: Path) -> Iterable[tuple[RiskLevel, str]]:
    """Yield (label, text) from one evaluation TSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for record in reader:
            text = (record.get("text") or "").strip()
            if text:
                yield RiskLevel(record["level"].strip()), text


Assessor = Callable[[str, str], tuple[RiskLevel, tuple[str, ...]]]


def lexicon_only(text: str, language: str) -> tuple[RiskLevel, tuple[str, ...]]:
    """The lexicon of the labelled language (plus English), no classifier, no intents."""
    result = assess(text, language, learned=False)
    return result.level, result.signals


def lexicon_and_classifier(text: str, language: str) -> tuple[RiskLevel, tuple[str, ...]]:
    """The lexicon and the learned classifier (``bot/risk_model.py``), no intents."""
    result = assess(text, language)
    return result.level, result.signals


def with_model() -> Assessor:
    """What the running bot decides: the trained model's whole NLU pipeline.

    That adds the intent ranking (``danger_now`` and the trafficking needs raise the
    level) and uses the detected language, as in a real conversation.
    """
    import asyncio

    from bot.model_cache import ensure_model
    from bot.nlu.parser import ModelParser

    parser = ModelParser(ensure_model())
    loop = asyncio.new_event_loop()

    def assess_with_model(text: str, language: str) -> tuple[RiskLevel, tuple[str, ...]]:
        risk = loop.run_until_complete(parser.parse(text)).get("risk") or {}
        return RiskLevel(risk.get("level", "none")), tuple(risk.get("signals", ()))

    return assess_with_model


Labelled = Iterable[tuple[str, RiskLevel, str]]  # (language, label, text)


def tsv_rows(data_dir: Path) -> Labelled:
    """(language, label, text) from every ``<code>.tsv`` of ``data_dir``."""
    for path in sorted(data_dir.glob("*.tsv")):
        for expected, text in read_rows(path):
            yield path.stem, expected, text


def conversation_rows(directory: Path = CONVERSATION_DIR) -> Labelled:
    """Everyday replies, labelled none: the held-out NLU examples of the conversational
    intents ("yes", "bye", "i am in qatar"), which neither classifier trained on.

    Most of what a person writes in a conversation looks like this, so a false alarm
    here (the danger path for "ok bye") is the commonest kind in real use.
    """
    for path in sorted(directory.glob("*.yml")):
        for intent, text in intent_examples(path):
            if intent in CONVERSATION_INTENTS:
                yield path.stem, RiskLevel.NONE, text


def evaluate(
    languages: Sequence[str] | None = None,
    source: Labelled | None = None,
    assessor: Assessor = lexicon_only,
) -> list[Row]:
    """Assess every row of ``source`` (default: the dev sets) in the selected languages."""
    rows: list[Row] = []
    for language, expected, text in tsv_rows(DATA_DIR) if source is None else source:
        if languages and language not in languages:
            continue
        level, signals = assessor(text, language)
        rows.append(Row(language, expected, text, level, signals))
    return rows


def _cell(value: float | None, ok: bool) -> str:
    if value is None:
        return "     -"
    return f"{value:6.3f}{'' if ok else '!'}"


def format_table(rows: Sequence[Row]) -> tuple[str, bool]:
    """The per-language table and whether every language meets the targets."""
    tallies: dict[str, Tally] = {}
    overall = Tally()
    for row in rows:
        tallies.setdefault(row.language, Tally()).add(row)
        overall.add(row)
    with_lexicon = set(available_languages())
    lines = [
        "lang  rows  imminent_recall  high+_recall  false_alarms  elevated_recall  lexicon",
        f"targets     >= {TARGET_IMMINENT:.2f}          >= {TARGET_HIGH:.2f}"
        f"       <= {TARGET_FALSE_ALARM:.2f}",
    ]
    all_ok = True
    for name, tally in [*sorted(tallies.items()), ("ALL", overall)]:
        imminent, high, false_alarm, elevated = tally.figures()
        ok = tally.meets_targets()
        all_ok = all_ok and ok
        lexicon = "" if name == "ALL" else ("yes" if name in with_lexicon else "MISSING (en only)")
        lines.append(
            f"{name:<5}{tally.rows:>5}  "
            f"{_cell(imminent, imminent is None or imminent >= TARGET_IMMINENT):>15}  "
            f"{_cell(high, high is None or high >= TARGET_HIGH):>12}  "
            f"{_cell(false_alarm, false_alarm is None or false_alarm <= TARGET_FALSE_ALARM):>12}  "
            f"{_cell(elevated, True):>15}  {lexicon}"
        )
    lines.append("(! = target missed)")
    return "\n".join(lines), all_ok


def format_errors(rows: Sequence[Row]) -> str:
    """Every row rated below its label, or rated high+ when it is not."""
    out: list[str] = []
    for row in rows:
        missed = row.got.rank < row.expected.rank
        alarm = not row.expected.at_least(RiskLevel.HIGH) and row.got.at_least(RiskLevel.HIGH)
        if missed or alarm:
            kind = "FALSE ALARM" if alarm else "MISS"
            signals = ",".join(row.signals) or "-"
            out.append(
                f"{row.language}\t{kind}\t{row.expected.value}->{row.got.value}\t[{signals}]\t{row.text}"
            )
    return "\n".join(out) if out else "(no errors)"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table (and errors); return 1 under --check when a target is missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    parser.add_argument("-l", "--language", action="append", help="only this language (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 when any target is missed")
    parser.add_argument(
        "--holdout",
        nargs="?",
        const=1,
        type=int,
        choices=sorted(HOLDOUT_DIRS),
        help="use blind hold-out set 1 (bench/data/risk_holdout, the default) or 2 to 8 "
        "(bench/data/risk_holdout_2 ... _8) instead of the dev sets",
    )
    parser.add_argument("--data", type=Path, help="rate the <code>.tsv files of this folder instead")
    parser.add_argument(
        "--conversation",
        action="store_true",
        help="rate everyday replies (held-out NLU examples of conversational intents): false alarms only",
    )
    raters = parser.add_mutually_exclusive_group()
    raters.add_argument(
        "--with-model",
        action="store_true",
        help="rate with the trained model's NLU pipeline (lexicon + classifier + intents), as the bot does",
    )
    raters.add_argument("--lexicon-only", action="store_true", help="rate with the lexicon alone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    data_dir = args.data.resolve() if args.data else HOLDOUT_DIRS[args.holdout] if args.holdout else DATA_DIR
    if args.conversation:
        data_dir = CONVERSATION_DIR
    if args.with_model:
        rater, mode = with_model(), "lexicon + classifier + intents (trained model)"
    elif args.lexicon_only:
        rater, mode = lexicon_only, "lexicon only"
    else:
        rater, mode = lexicon_and_classifier, "lexicon + classifier"
    source = conversation_rows() if args.conversation else tsv_rows(data_dir)
    rows = evaluate(args.language, source, rater)
    if not rows:
        print(f"No evaluation rows under {data_dir}", file=sys.stderr)
        return 1
    shown = data_dir.relative_to(ROOT) if data_dir.is_relative_to(ROOT) else data_dir
    print(f"evaluation sets: {shown}; rated by: {mode}")
    table, all_ok = format_table(rows)
    print(table)
    if args.show_errors:
        print()
        print(format_errors(rows))
    return 0 if (all_ok or not args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
