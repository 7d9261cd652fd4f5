#!/usr/bin/env bash
# Installs the Debian packages that lastmile's build, tests and benchmarks need.
# Idempotent and quiet: runs apt-get (and its update) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  libglpk-dev libcurl4-openssl-dev libcjson-dev libproj-dev proj-data
  libmicrohttpd-dev libsqlite3-dev libcmocka-dev
  libpq-dev postgresql    # store/db_pg.c; make test runs the store suite on a throwaway cluster
  libssl-dev              # events/: AES-256-GCM for webhook secrets at rest
  sqlite3 curl            # tests inspect the store and talk HTTP from scripts
  python3 tzdata          # make run's demo script reads JSON; --timezone reads the zone files
  chromium                # make test: the dashboard in a headless browser (tests/web)
  python3-aiosmtpd        # make test: the real SMTP server notify/'s suite sends to (tests/notify)
)
# playwright-core comes from npm; a node from elsewhere (nodesource) brings its own npm
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk nginx-light)   # HTTP load generator and the nginx yardstick
fi
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-dev)   # make fuzz: clang and its libFuzzer / sanitizer runtimes
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
