# The two set-up commands (see README): `make run` starts the platform, `make test` runs every test.
# Both create the project's virtual environment on first use and install what is missing.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run lab test lint bench clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,lab]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ponstack up $(ARGS)

lab: $(STAMP)
	$(VENV)/bin/ponstack up --lab $(ARGS)

test: $(STAMP)
	# the console's browser tests drive Debian's chromium; they skip (saying so) where it cannot be installed
	command -v chromium >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -q chromium >/dev/null) || true
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -n 2 $(ARGS)

bench: $(STAMP)
	# net-snmp's snmpbulkwalk is the reference the SNMP benchmark compares against
	command -v snmpbulkwalk >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -q snmp) || true
	$(VENV)/bin/python -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .ponstack
