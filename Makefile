# arena: common tasks. `make demo` runs the main job; `make test` runs the tests.
PYTHON ?= python3
export PYTHONUNBUFFERED := 1

.PHONY: install test lint format demo e2e images bench-seed bench-load clean

install: # system packages, pip -e .[test,mariadb], Docker and the stand-in images
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

bench-seed:
	$(PYTHON) benchmarks/seed.py

bench-load:
	$(PYTHON) benchmarks/load.py --duration 20

clean:
	-arena down --purge
	rm -rf .arena
