#!/usr/bin/env bash
# The whole test suite, from a fresh clone: what `make test` and CI run.
# Order: set-up, lint, data validation, the model (trained only if inputs changed),
# pytest (unit, integration with real Redis + model, end-to-end processes), then
# Rasa's own story tests. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3

scripts/bootstrap.sh

echo "==> ruff, mypy"
.venv/bin/ruff check bot actions channels tests bench
.venv/bin/ruff format --check --quiet bot actions channels tests bench
.venv/bin/mypy bot actions channels

echo "==> rasa data validate"
.venv/bin/rasa data validate --config config/config.yml --domain domain.yml --data data

echo "==> model"
MODEL=$(.venv/bin/marigold train | tail -n 1)

echo "==> pytest"
.venv/bin/python -m pytest -q "$@"

echo "==> rasa test (stories)"
# endpoints.yml reads the actions port; story tests call no action, but need a valid URL.
MARIGOLD_ACTIONS_PORT="${MARIGOLD_ACTIONS_PORT:-5055}" .venv/bin/rasa test core --model "$MODEL" --stories tests/stories --endpoints config/endpoints.yml \
  --fail-on-prediction-errors --out var/results/core
