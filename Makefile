# Podscape: `make run` serves the app at http://127.0.0.1:8080; `make test` runs every suite.
# Both first make the machine ready (scripts/setup.sh), which costs seconds once it is.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Tools installed by the set-up: npm's wasm-opt and playwright, cargo's trunk and wasm-bindgen.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= $(shell command -v chromedriver 2>/dev/null || echo /usr/bin/chromedriver)

.PHONY: run test setup build lint test-native test-browser test-e2e bench bench-page clean

run: setup
	trunk serve --release

test: setup lint test-native test-browser build test-e2e

setup:
	@scripts/setup.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -p podscape-web --all-targets --quiet -- -D warnings

# core's and the CLI's tests, natively.
test-native:
	cargo test -p podscape-core -p podscape-cli --quiet

# Component tests in headless Chromium (wasm-bindgen-test).
test-browser:
	cargo test --target wasm32-unknown-unknown -p podscape-web

# The release build, which prints the bundle size.
build:
	trunk build --release

# End-to-end tests: Playwright driving Chromium against the release build on loopback.
test-e2e:
	node --test --test-concurrency=1 tests/e2e/

# The page's benchmark (frame times at 200 and 2,000 pods, click-to-effect latency): figures only.
bench-page: build
	node tests/bench/page.mjs

clean:
	cargo clean
	rm -rf dist node_modules
