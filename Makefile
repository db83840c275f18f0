# The two commands a newcomer needs:
#   make demo   install, then ingest → validate → check → build the site for the demo office
#   make test   install (Python and Debian packages), then lint and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chromium demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium; it never downloads one).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

demo: install
	$(BIN)/python demo/run.py

lint: install
	$(BIN)/ruff check scripts tests bench demo

test: install chromium lint
	@$(BIN)/pytest -n 2 -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "错误：没有运行任何测试 (pytest exit 5) — this must not pass" >&2; fi; \
	exit $$rc

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf build site .pytest_cache
