# Shared helpers of scripts/setup, scripts/build, scripts/test, scripts/serve and scripts/bench.
# Source it: `. "$(dirname "$0")/lib.sh"`. It cds to the repository root and sets ROOT.
#
# Habits: every step is idempotent and silent when there is nothing to do; a step that runs prints
# one line, sends the tool's chatter to target/logs/<name>.log and shows the log's tail on failure.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
LOG_DIR="$ROOT/target/logs"
mkdir -p "$LOG_DIR"

# The wasm-bindgen CLI must match the crate's version exactly (Cargo.toml pins it with `=`).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)
# wasm-opt comes from the npm package `binaryen`, never from Debian (its 108 breaks the module).
WASM_OPT="$ROOT/node_modules/.bin/wasm-opt"
# The widget's build goes through wasm-opt -Oz (smallest). The dashboard's does not: measured on
# 24 Nov 2026 (README, "Benchmarks"), its views ran 10-25 % slower in V8 after wasm-opt, -Oz or
# -O3, for about the same transfer size (brotli) as the module with its name section stripped.
WASM_OPT_FLAGS=${WASM_OPT_FLAGS:--Oz}
DASHBOARD_WASM_OPT_FLAGS=${DASHBOARD_WASM_OPT_FLAGS:-none}
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}
CHROMEDRIVER_BIN=${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}
HUBECON_CLI="$ROOT/target/release/hubecon"

if [ -t 1 ]; then B=$'\e[1m'; R=$'\e[31m'; G=$'\e[32m'; N=$'\e[0m'; else B= R= G= N=; fi
say() { printf '%s\n' "$*"; }
step() { printf '%s==>%s %s\n' "$B" "$N" "$*"; }
warn() { printf '%swarning:%s %s\n' "$R" "$N" "$*" >&2; }
die() { printf '%serror:%s %s\n' "$R" "$N" "$*" >&2; exit 1; }

# logged NAME CMD...: runs CMD with its output in target/logs/NAME.log; on failure prints the tail.
logged() {
  local name=$1; shift
  local log="$LOG_DIR/$name.log"
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && return 0
  printf '%sfailed:%s %s (exit %s; full log: %s)\n' "$R" "$N" "$*" "$rc" "${log#"$ROOT/"}" >&2
  tail -n 40 "$log" >&2
  return "$rc"
}

# as_root CMD...: runs CMD as root (directly, or through sudo when it exists).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install it, or run as root)"; fi
}

# ensure_apt_packages PKG...: installs the Debian packages that are missing (one apt-get update).
ensure_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get here: install them by hand"
  step "apt-get install ${missing[*]}"
  logged apt-update as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  logged apt-install as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ensure_toolchain: everything setup, build, test and bench need, installed only when missing.
ensure_toolchain() {
  command -v cargo >/dev/null && command -v rustup >/dev/null ||
    die "Rust is missing: install rustup (https://rustup.rs), then run this again"
  local pkgs=(clang chromium chromium-driver)
  command -v node >/dev/null || pkgs+=(nodejs)
  command -v npm >/dev/null || pkgs+=(npm)
  command -v python3 >/dev/null || pkgs+=(python3)
  ensure_apt_packages "${pkgs[@]}"

  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "rustup target add wasm32-unknown-unknown"
    logged rustup-target rustup target add wasm32-unknown-unknown
  fi
  # rustfmt and clippy come with the default rustup profile; add them if a minimal one was used.
  if ! cargo fmt --version >/dev/null 2>&1; then logged rustup-fmt rustup component add rustfmt; fi

  [ -n "$WASM_BINDGEN_VERSION" ] || die "cannot read the wasm-bindgen version pinned in Cargo.toml"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] ||
    ! command -v wasm-bindgen-test-runner >/dev/null; then
    step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2.5 minutes)"
    # Without --locked: its lock file pins a crate version some registries lack.
    logged wasm-bindgen-cli cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi

  # npm ci only when node_modules does not match package-lock.json.
  if [ ! -x "$WASM_OPT" ] || [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "npm ci (node dev tools: binaryen, playwright-core, ...)"
    logged npm-ci npm ci --no-audit --no-fund
    touch node_modules/.package-lock.json
  fi
}

# free_port [FIRST]: prints a TCP port on 127.0.0.1 nobody listens on, trying FIRST.. first.
free_port() {
  python3 - "${1:-8765}" <<'PY'
import socket, sys
first = int(sys.argv[1])
for port in list(range(first, first + 50)) + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(s.getsockname()[1])
    s.close()
    break
PY
}

# same_file_served URL FILE: whether URL answers with exactly FILE's bytes (our server, our www/).
same_file_served() {
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.read() == open(sys.argv[2], "rb").read() else 1)
except Exception:
    sys.exit(1)
PY
}
