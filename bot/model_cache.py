"""Train the Rasa model only when its inputs changed.

The model is named by a fingerprint of everything that shapes it (pipeline, domain,
training data, our NLU components' code, the Rasa version). A fingerprint that was
trained before, here or in the shared cache (``~/.cache/marigold/models``, which
survives fresh clones on the same machine, such as CI runs), is reused as it is: a
second ``make run`` or ``make test`` does not spend minutes retraining.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from bot.settings import REPO_ROOT

MODELS_DIR = REPO_ROOT / "models"

#: Files and folders whose content decides the trained model.
TRAINING_INPUTS = (
    "config/config.yml",
    "domain.yml",
    "data/nlu",
    "data/rules.yml",
    "data/stories.yml",
    "bot/nlu",
    # What the intent classifier's features are made of, outside bot/nlu.
    "bot/ngram_features.py",
    "bot/text_folding.py",
)


def cache_root() -> Path:
    """Marigold's folder in the user's cache (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "marigold"


def shared_cache_dir() -> Path:
    """Where trained models are kept across clones of the repository."""
    return cache_root() / "models"


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for item in TRAINING_INPUTS:
        path = root / item
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            files.append(path)
    return files


def fingerprint(root: Path = REPO_ROOT) -> str:
    """A short hash of every training input's path and content, and Rasa's version."""
    digest = hashlib.sha256(f"rasa={version('rasa')}".encode())
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = REPO_ROOT) -> Path:
    """Where the model for the current inputs lives (it may not exist yet)."""
    return root / "models" / f"marigold-{fingerprint(root)}.tar.gz"


def ensure_model(root: Path = REPO_ROOT) -> Path:
    """Return a model trained on the current inputs, training only if none exists."""
    target = model_path(root)
    if target.exists():
        return target
    cached = shared_cache_dir() / target.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if cached.exists():
        shutil.copy2(cached, target)
        print(f"==> reusing cached model {target.name}", file=sys.stderr, flush=True)
        return target
    print(
        f"==> training the Rasa model ({target.name}); this takes a few minutes", file=sys.stderr, flush=True
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--config",
            "config/config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            "models",
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=root,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target, cached)
    return target
