# Thin wrapper around CMake. `make run` and `make test` are the whole quick start.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PORT    ?= 8080
DB      ?= var/lastmile.db
DEBUG   := build/debug
RELEASE := build/release
SOURCES  = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all deps run test test-web build-debug build-release bench fuzz format format-check clean

all: build-release

deps:
	@scripts/install-deps.sh

build-debug: deps
	@cmake -S . -B $(DEBUG) -DCMAKE_BUILD_TYPE=Debug -DLASTMILE_SANITIZE=ON >/dev/null
	@cmake --build $(DEBUG) -j $(JOBS)

build-release: deps
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DLASTMILE_TESTS=OFF -DLASTMILE_WERROR=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

# Starts the server on $(PORT) with its embedded SQLite store and the demo day, planned and
# committed, and the simulator driving the routes (SIM=0: no simulator).
run: build-release
	@mkdir -p var
	@scripts/demo-run.sh $(RELEASE)/cli/lastmile $(PORT) $(DB)

# Sanitized debug build, formatting check, then every test suite.
test: build-debug format-check
	@cd $(DEBUG) && ctest --output-on-failure -j $(JOBS)

# Long runs: solver quality tables and HTTP load; results land in bench/results/.
bench: build-release
	@scripts/install-deps.sh --bench
	@bench/run.sh $(RELEASE)

# Browser test of the dashboard (web/): Debian's chromium + playwright-core (npm, into
# tests/web/node_modules), the real server on a free 127.0.0.1 port with --demo. Not in `make test`.
test-web: build-release
	@scripts/install-deps.sh --web
	@cd tests/web && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --ignore-scripts --silent; }
	@LASTMILE_BIN=$(RELEASE)/cli/lastmile node tests/web/dashboard.spec.mjs

fuzz:
	@scripts/fuzz.sh

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

clean:
	@rm -rf build
