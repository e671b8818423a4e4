# The two commands a newcomer needs: `make run` (local stack) and `make test` (the suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test unit venv clean

# The venv is refreshed whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m jobledger serve --host $(HOST) --port $(PORT)

test: venv
	$(PY) -m pytest -q

unit: venv
	$(PY) -m pytest -q tests/unit

clean:
	rm -rf $(VENV) .pytest_cache
