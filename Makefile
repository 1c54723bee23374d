# arena: common tasks. `make demo` runs the main job; `make test` runs the tests.
PYTHON ?= python3
export PYTHONUNBUFFERED := 1

.PHONY: install test lint format demo e2e images clean

install:
	bash scripts/install-deps.sh

test: lint
	$(PYTHON) -m pytest -q

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

demo:
	bash scripts/demo.sh

e2e:
	bash scripts/e2e.sh

images:
	bash scripts/docker-ci.sh --images-only

clean:
	-arena down --purge
	rm -rf .arena
