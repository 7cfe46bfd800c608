"""Which batch each risk training message came in: the commit that added its line.

The training messages (``data/risk/training/<code>.tsv``) arrived in batches, each
written blind to the others with a different brief. A batch the models never saw is
the closest thing to a fresh blind set that can be measured again and again, so both
``bench/risk_batches.py`` and ``tools/finetune_meaning.py`` hold batches out by these
names. They need the repository's history (not a shallow clone).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import NamedTuple

from bot.risk_model import TRAINING_DIR

ROOT = Path(__file__).resolve().parent.parent
#: Length of a batch's name: the abbreviated commit hash.
NAME_LENGTH = 7


class TrainingLine(NamedTuple):
    """One line of a training file, as written, with the batch it came in."""

    language: str
    batch: str
    level: str
    text: str


def training_lines(directory: Path = TRAINING_DIR) -> list[TrainingLine]:
    """Every data line of ``directory``'s ``<code>.tsv`` files, in file order."""
    lines: list[TrainingLine] = []
    for path in sorted(directory.glob("*.tsv")):
        rows = path.read_text(encoding="utf-8").splitlines()[1:]
        for batch, row in zip(batches_by_line(path), rows, strict=True):
            level, _, text = row.partition("\t")
            lines.append(TrainingLine(path.stem, batch, level, text))
    return lines


def batches_by_line(path: Path) -> list[str]:
    """The commit that added each data line of ``path`` (header excluded)."""
    out = subprocess.run(
        ["git", "blame", "--line-porcelain", str(path)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    commits: list[str] = []
    commit = ""
    for line in out.splitlines():
        head = line.split(" ", 1)[0]
        if len(head) == 40 and not line.startswith("\t"):
            commit = head[:NAME_LENGTH]
        elif line.startswith("\t"):
            commits.append(commit)
    return commits[1:]


def oldest_first(batches: set[str]) -> list[str]:
    """``batches`` in the order they were committed (uncommitted lines last)."""
    log = subprocess.run(
        ["git", "log", "--reverse", "--format=%H"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    position = {commit[:NAME_LENGTH]: index for index, commit in enumerate(log)}
    return sorted(batches, key=lambda batch: position.get(batch, len(position)))
