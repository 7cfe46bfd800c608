# Marigold: `make run` starts everything, `make test` tests everything.
# Both set up a fresh machine on their own (Python 3.10 venv, dependencies, model).
.PHONY: help run test bench lint train chat clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: ## install, train if data changed, start Redis + actions + Rasa (Ctrl-C stops)
	@scripts/bootstrap.sh
	@.venv/bin/marigold run

test: ## install, train if needed, validate data, run pytest and Rasa story tests
	@scripts/test.sh

bench: ## print the benchmark figures (language id, risk, intents, latency)
	@scripts/bootstrap.sh
	@.venv/bin/python bench/language_id.py
	@.venv/bin/python bench/risk.py
	@.venv/bin/python bench/risk.py --holdout 1
	@.venv/bin/python bench/risk.py --holdout 2
	@.venv/bin/python bench/risk.py --holdout 3
	@.venv/bin/python bench/risk.py --holdout 7
	@.venv/bin/python bench/risk.py --holdout 8
	@.venv/bin/python bench/risk.py --holdout 9
	@.venv/bin/python bench/risk.py --conversation
	@.venv/bin/python bench/risk_batches.py
	@.venv/bin/python bench/nlu_heldout.py
	@.venv/bin/python bench/latency.py

lint: ## ruff and mypy
	@scripts/bootstrap.sh
	@.venv/bin/ruff check bot actions channels tests bench
	@.venv/bin/mypy bot actions channels

train: ## train the model and the risk classifier if their inputs changed
	@scripts/bootstrap.sh
	@.venv/bin/marigold train

chat: ## talk to the running bot in this terminal
	@.venv/bin/marigold chat

clean: ## remove local state (models, var/, caches); keeps .venv
	rm -rf models var .rasa results
