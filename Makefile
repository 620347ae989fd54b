# Two commands do all set-up: `make run` (the whole system) and `make test` (the suite).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install run test test-sqlite test-postgresql bench demo-data topology clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(VENV)/bin/niot run

# The suite against SQLite, then again against PostgreSQL, on the real RabbitMQ.
test: install
	scripts/ensure-backing-services
	scripts/ensure-browser
	NIOT_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)
	NIOT_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install
	scripts/ensure-backing-services
	scripts/ensure-browser
	NIOT_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgresql: install
	scripts/ensure-backing-services
	scripts/ensure-browser
	NIOT_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS)

demo-data: install
	$(VENV)/bin/niot demo-data

topology: install
	$(VENV)/bin/niot topology

clean:
	rm -rf var/
