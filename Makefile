# The two commands a newcomer needs: `make run` (local stack) and `make test` (the suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test unit lint venv clean

# The venv is refreshed whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# DATA_DIR=dir keeps jobs across restarts and crashes (serve --data-dir); without it they live in memory.
# ALLOW_UNSIGNED=1 answers unsigned requests as the admin (serve --allow-unsigned: the documentation's session).
run: venv
	$(PY) -m jobledger serve --host $(HOST) --port $(PORT)$(SERVE_OPTIONS)

SERVE_OPTIONS = $(if $(DATA_DIR), --data-dir $(DATA_DIR))$(if $(filter 1 yes true,$(ALLOW_UNSIGNED)), --allow-unsigned)

test: venv
	$(PY) -m pytest -q

unit: venv
	$(PY) -m pytest -q tests/unit

lint: venv
	$(VENV)/bin/ruff check chalicelib jobledger app.py tests bench infra
	$(VENV)/bin/mypy --ignore-missing-imports --python-version 3.11 app.py chalicelib jobledger

clean:
	rm -rf $(VENV) .pytest_cache

# Deployment (docs/DEPLOY.md): `make package` writes build/package/ (sam.yaml + deployment.zip) and
# build/resources.yaml (the tables and queues alone, for `chalice deploy`); `make lint-template` validates
# both with cfn-lint and checks what the merge template must have done.
STAGE ?= dev
PACKAGE_DIR := build/package

.PHONY: package lint-template bench

package: venv
	rm -rf $(PACKAGE_DIR)
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +  # bytecode of this machine (and of moved modules) stays out of the zip
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package --stage $(STAGE) \
		--merge-template infra/merge.yaml $(PACKAGE_DIR)
	$(PY) infra/resources_only.py infra/merge.yaml build/resources.yaml

lint-template: venv
	$(VENV)/bin/cfn-lint $(PACKAGE_DIR)/sam.yaml build/resources.yaml
	$(PY) infra/check_package.py $(PACKAGE_DIR)/sam.yaml

# Benchmarks (not tests): writes bench/RESULTS.md.
bench: venv
	$(PY) -m bench.run_all

# Soak (not CI): the randomized fault test at 1,000 jobs for several seeds, each with a one-hour timeout
# (CI's is 120 s per test). SOAK_JOBS=… SOAK_SEEDS=3,7,… to change.
SOAK_JOBS ?= 1000
SOAK_SEEDS ?= 3,7,11,20261127

.PHONY: soak

soak: venv
	$(PY) -m bench.soak --jobs $(SOAK_JOBS) --seeds $(SOAK_SEEDS) --timeout 3600
