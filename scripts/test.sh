#!/usr/bin/env bash
# Runs every test: formatting, lints, Rust unit/property/integration tests,
# the TypeScript drift check, the web client's type check and unit tests,
# and the browser tests in Debian's Chromium. Installs what is missing
# (npm packages, chromium) so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo test (unit, property, integration; protocol.d.ts drift)"
# The crash tests run the real binary as a child process.
cargo build --workspace --bins
cargo test --workspace --all-features

if [ -f web-client/package.json ]; then
  step "web client: dependencies"
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "chromium is missing: install Debian's chromium package (sudo apt-get install chromium)" >&2
      exit 1
    fi
  fi
  (cd web-client && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

  step "web client: type check (tsc --checkJs)"
  (cd web-client && npm run --silent check)

  step "web client: unit tests"
  (cd web-client && npm run --silent test:unit)

  step "web client: browser tests (Chromium)"
  (cd web-client && npm run --silent test:e2e)
fi
step "benchmark smoke"
cargo build --release -p hoidap-server -p hoidap-bench
./target/release/hoidap-bench smoke
# RSS must not grow with stalled readers (issue 9, item 9); the full run is
# `hoidap-bench stalls --episodes 50` (docs/performance.md).
./target/release/hoidap-bench --no-pin stalls --episodes 10 --max-kib-per-episode 1024
step "all tests passed"
