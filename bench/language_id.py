"""Language identification on short texts: langdetect, lingua and Marigold side by side.

For each labelled file it prints, per language and overall, the share of texts each
detector gets right:

- ``langdetect``: raw langdetect 1.0.9, all its 55 languages, ``DetectorFactory.seed = 0``
  (what one gets by calling ``langdetect.detect``);
- ``lingua``: lingua restricted to the configured languages, high-accuracy mode;
- ``marigold``: ``bot.language.LanguageDetector.detect`` without a previous language.

Marigold's naive Bayes is trained on ``data/nlu`` only; nothing here is trained or tuned
on these files.

Usage:
    .venv/bin/python bench/language_id.py                 # default files (below)
    .venv/bin/python bench/language_id.py FILE.tsv ...    # your own files
    .venv/bin/python bench/language_id.py --errors 5      # also show 5 misses per file

Files are tab-separated with a header line and columns ``lang`` (ISO 639-1) and
``text``. The defaults are the public sets in ``../shared/reference/lid/``
(single-words, word-pairs, sentences-le15w; resolved from the repository root and
skipped if absent) and Marigold's own SMS-style sets in ``bench/data/lid/``
(short.tsv, long.tsv; romanised.tsv: Russian, Ukrainian and Arabic typed in Latin
letters without digits; latin_lookalikes.tsv: Latin-script messages with words such
as "da", "ne", "ya", the control for romanised.tsv; arabizi.tsv: 90 Arabic messages in
Latin letters across dialects, 60 without digits). The last three were written by a
helper who never saw the detector.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bot.language import LanguageDetector  # noqa: E402
from bot.language_config import supported_languages  # noqa: E402

PUBLIC_DIR = REPO_ROOT.parent / "shared" / "reference" / "lid"
OWN_DIR = REPO_ROOT / "bench" / "data" / "lid"
DEFAULT_FILES = [
    PUBLIC_DIR / "single-words.tsv",
    PUBLIC_DIR / "word-pairs.tsv",
    PUBLIC_DIR / "sentences-le15w.tsv",
    OWN_DIR / "short.tsv",
    OWN_DIR / "long.tsv",
    OWN_DIR / "romanised.tsv",
    OWN_DIR / "latin_lookalikes.tsv",
    OWN_DIR / "arabizi.tsv",
]

Detector = Callable[[str], "str | None"]


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(lang, text) rows of a labelled file, header skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader, None)
        return [(row[0].strip(), row[1]) for row in reader if len(row) >= 2 and row[1].strip()]


def langdetect_detector() -> Detector:
    """Raw langdetect: every profile it ships, seeded for repeatable results."""
    from langdetect import DetectorFactory, LangDetectException
    from langdetect import detect as ld_detect

    DetectorFactory.seed = 0

    def run(text: str) -> str | None:
        try:
            return str(ld_detect(text)).split("-", 1)[0]
        except LangDetectException:
            return None

    return run


def lingua_detector(codes: Sequence[str]) -> Detector:
    """lingua restricted to ``codes``, high-accuracy mode."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in codes]
    lingua = LanguageDetectorBuilder.from_languages(*languages).build()

    def run(text: str) -> str | None:
        result = lingua.detect_language_of(text)
        return result.iso_code_639_1.name.lower() if result is not None else None

    return run


def marigold_detector() -> Detector:
    """Marigold's detector with no conversation history."""
    detector = LanguageDetector.from_config()
    return lambda text: detector.detect(text).language


def evaluate(
    rows: list[tuple[str, str]], detectors: dict[str, Detector]
) -> tuple[dict[str, Counter[str]], Counter[str], dict[str, list[float]], dict[str, list[str]]]:
    """Hits per detector and language, totals per language, timings and misses."""
    hits: dict[str, Counter[str]] = {name: Counter() for name in detectors}
    totals: Counter[str] = Counter()
    timings: dict[str, list[float]] = {name: [] for name in detectors}
    misses: dict[str, list[str]] = {name: [] for name in detectors}
    for lang, text in rows:
        totals[lang] += 1
        for name, detector in detectors.items():
            start = time.perf_counter()
            guess = detector(text)
            timings[name].append(time.perf_counter() - start)
            if guess == lang:
                hits[name][lang] += 1
            else:
                misses[name].append(f"{lang}->{guess}: {text}")
    return hits, totals, timings, misses


def print_table(
    path: Path,
    hits: dict[str, Counter[str]],
    totals: Counter[str],
    timings: dict[str, list[float]],
    order: Sequence[str],
) -> None:
    """One compact table: languages as rows, detectors as columns (accuracy %)."""
    names = list(hits)
    print(f"\n{path.name}  ({sum(totals.values())} texts)")
    print("lang  n    " + "".join(f"{name:>12}" for name in names))
    langs = [c for c in order if c in totals] + sorted(set(totals) - set(order))
    for lang in langs:
        cells = "".join(f"{100 * hits[n][lang] / totals[lang]:>11.1f}%" for n in names)
        print(f"{lang:<5} {totals[lang]:<4} {cells}")
    overall = "".join(f"{100 * sum(hits[n].values()) / max(1, sum(totals.values())):>11.1f}%" for n in names)
    worst = "".join(f"{min(100 * hits[n][c] / totals[c] for c in langs):>11.1f}%" for n in names)
    p50 = "".join(f"{1000 * statistics.median(timings[n]):>9.2f} ms" for n in names)
    print(f"{'all':<10} {overall}")
    print(f"{'worst':<10} {worst}")
    print(f"{'p50':<10} {p50}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison on the given (or default) files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled TSV files")
    parser.add_argument("--errors", type=int, default=0, help="misses to show per detector")
    args = parser.parse_args(argv)
    files = [Path(f) for f in args.files] or [f for f in DEFAULT_FILES if f.is_file()]
    codes = list(supported_languages())
    detectors = {
        "langdetect": langdetect_detector(),
        "lingua": lingua_detector(codes),
        "marigold": marigold_detector(),
    }
    for detector in detectors.values():  # load models outside the timings
        detector("warm up")
    for path in files:
        if not path.is_file():
            print(f"\n{path}: not found, skipped")
            continue
        hits, totals, timings, misses = evaluate(read_tsv(path), detectors)
        print_table(path, hits, totals, timings, codes)
        for name in detectors if args.errors else []:
            for line in misses[name][: args.errors]:
                print(f"  {name} miss {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
