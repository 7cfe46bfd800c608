#!/usr/bin/env bash
# Set up everything Marigold needs on a fresh machine, and nothing twice:
# finds Python 3.10, creates .venv, installs the project when pyproject.toml changed.
# Used by `make run` and `make test`; safe to run again (it takes a second then).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    if prefix=$(pyenv prefix 3.10 2>/dev/null) && [ -x "$prefix/bin/python3.10" ]; then
      echo "$prefix/bin/python3.10"; return
    fi
    for candidate in "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10; do
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
  fi
  if command -v uv >/dev/null 2>&1; then
    uv python install 3.10 >&2 || true
    local found
    if found=$(uv python find 3.10 2>/dev/null); then echo "$found"; return; fi
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  if ! PY=$(find_python310); then
    echo "error: Marigold needs Python 3.10 (Rasa 3.6 supports no newer Python)." >&2
    echo "       Looked for it on PATH (python3.10), through pyenv (pyenv install 3.10)," >&2
    echo "       and through uv (uv python install 3.10). Install one of them and retry." >&2
    exit 1
  fi
  echo "==> creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=".venv/.marigold-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing Marigold and its dependencies into .venv (first time: a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip wheel
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.marigold-installed-*
  touch "$stamp"
fi
