"""`marigold directory export/import`: the directory an admin edits is the one the bot reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis
import yaml

from bot.directory import load_directory, seed_directory
from bot.settings import REPO_ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "directory", *args],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_export_edit_import_round_trip(redis_client: redis.Redis, tmp_path: Path) -> None:
    exported = tmp_path / "directory.yml"
    assert "exported" in _cli("export", str(exported)).stdout
    document = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert len(document["resources"]) == len(seed_directory().resources)

    document["countries"]["ES"]["emergency"] = "112 (edited)"
    exported.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert "imported" in _cli("import", str(exported)).stdout

    assert load_directory(redis_client).emergency_number("ES") == "112 (edited)"


def test_import_refuses_a_file_that_is_not_a_directory(redis_client: redis.Redis, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yml"
    wrong.write_text("hello: world\n", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "directory", "import", str(wrong)],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert "is not a Marigold directory" in completed.stderr
    assert load_directory(redis_client).emergency_number("ES") == seed_directory().emergency_number("ES")
