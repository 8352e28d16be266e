# The two commands of the README. Everything else is plumbing for them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install bench clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# axe-core for the accessibility checks of the browser walk (tests/walk), pinned by package-lock.json;
# only `make test` needs it, so `make run` works on a machine without npm.
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -f node_modules/.installed-*
	touch $(NODE_STAMP)

install: $(STAMP)

## make run: install, initialise instance/ with the demo province, serve on :5000
run: install
	$(BIN)/baocao init --province $${PROVINCE:-cao_bang} --demo
	$(BIN)/baocao run --host 127.0.0.1 --port 5000

## make test: install with test extras and run the whole suite
test: install $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
