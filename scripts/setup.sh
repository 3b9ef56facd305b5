#!/usr/bin/env bash
# Makes this machine ready to build, run and test Podscape, installing only what is missing, so a
# second run costs seconds. Installs come from package registries only (crates.io, npm, Debian),
# in versions that work together (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly, or Trunk tries to
# download its own copy.
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
NODE_MIN=20

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and sudo is missing: install sudo, or run as root"
  sudo_cmd=(sudo)
fi
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }
apt_updated=0
apt_install() {
  is_debian || die "this machine is not Debian: install $* with your package manager (Chromium and a ChromeDriver of the same version), then run make again"
  if [ "$apt_updated" = 0 ]; then
    "${sudo_cmd[@]}" apt-get update -qq
    apt_updated=1
  fi
  say "installing $* (apt)"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null
}

# Rust and the wasm target.
command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs), then run make again"
command -v rustup >/dev/null || die "rustup is missing: the wasm32 target is installed through rustup (https://rustup.rs)"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Trunk (0.22 needs a newer rustc than this project pins).
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
  say "installing trunk $TRUNK_VERSION (takes several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen CLI (without --locked: its lock file names a crate version the registry lacks).
[ -n "$BINDGEN_VERSION" ] || die "cannot read the wasm-bindgen version from Cargo.lock"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
  say "installing wasm-bindgen-cli $BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

# Chromium and ChromeDriver, for the browser tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_install chromium chromium-driver
fi

# Node.js (playwright-core 1.65 needs 20 or newer) and the npm tools from the lock file.
if ! command -v node >/dev/null; then
  if is_debian; then apt_install nodejs npm; fi
fi
command -v node >/dev/null || die "Node.js is missing: install Node.js $NODE_MIN or newer, then run make again"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge "$NODE_MIN" ] || die "Node.js $(node --version) is too old: install Node.js $NODE_MIN or newer (Debian 12's own package is 18; use NodeSource or nvm), then run make again"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi
