# Thin wrapper around CMake. `make run` and `make test` are the whole quick start.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PORT    ?= 8080
DB      ?= var/lastmile.db
# WERROR=OFF lets a compiler newer than the one the tree is kept warning-free with still build
# `make run`; the tree itself must stay warning-free in Release as in Debug.
WERROR  ?= ON
DEBUG   := build/debug
RELEASE := build/release
SOURCES  = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all deps web-deps run test test-web build-debug build-release bench fuzz format format-check clean

all: build-release

deps:
	@scripts/install-deps.sh

build-debug: deps
	@cmake -S . -B $(DEBUG) -DCMAKE_BUILD_TYPE=Debug -DLASTMILE_SANITIZE=ON >/dev/null
	@cmake --build $(DEBUG) -j $(JOBS)

build-release: deps
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DLASTMILE_TESTS=OFF -DLASTMILE_WERROR=$(WERROR) >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

# Starts the server on $(PORT) with its embedded SQLite store and the demo day, planned and
# committed, and the simulator driving the routes (SIM=0: no simulator).
run: build-release web-deps
	@mkdir -p var
	@scripts/demo-run.sh $(RELEASE)/cli/lastmile $(PORT) $(DB)

# Browser libraries the pages use (Leaflet, Chart.js: vendor/web, copied into web/vendor/ and
# served by the server itself) and, for tests/web, playwright-core (browser tests) and the
# OpenAPI 3.1 schema validator, from npm; npm ci again whenever a lock file changes.
web-deps: deps
	@scripts/web-vendor.sh
	@cd tests/web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --ignore-scripts --silent; }

# Sanitized debug build, formatting check, then every test suite (the browser test included).
test: build-debug format-check web-deps
	@cd $(DEBUG) && ctest --output-on-failure -j $(JOBS)

# Long runs: solver quality tables and HTTP load; results land in bench/results/.
bench: build-release
	@scripts/install-deps.sh --bench
	@bench/run.sh $(RELEASE)

# The browser test alone (also part of `make test`): Debian's chromium + playwright-core, the
# real server on a free 127.0.0.1 port with --demo.
test-web: build-debug web-deps
	@cd $(DEBUG) && ctest --output-on-failure -R test_web_dashboard

fuzz:
	@scripts/fuzz.sh

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

clean:
	@rm -rf build
