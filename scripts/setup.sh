#!/usr/bin/env bash
# Idempotent set-up: installs only what is missing, so a second run takes seconds.
# Used by `npm run demo` and `npm test`; safe to run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else log "need root for: $*; rerun as root or install sudo"; return 1
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# nats-server: the daemon starts its own private instance.
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  apt_install nats-server
fi

# Sandboxes for generated code: a daemon-owned dockerd (docker.io) and bubblewrap as the fallback.
# No debootstrap: the base image is a skeleton over the host's read-only /usr, built by the
# daemon (or the tests) on first use in about a second, and only when missing.
sandbox_pkgs=()
if [ ! -x /usr/sbin/dockerd ] && ! command -v dockerd >/dev/null 2>&1; then sandbox_pkgs+=(docker.io); fi
if ! command -v bwrap >/dev/null 2>&1; then sandbox_pkgs+=(bubblewrap); fi
if [ "${#sandbox_pkgs[@]}" -gt 0 ]; then
  apt_install "${sandbox_pkgs[@]}" || log "could not install ${sandbox_pkgs[*]}: sandboxed runs will need another backend (autodev doctor)"
fi

# Chromium for the web view's browser tests (test/web-browser.test.ts), driven by playwright-core
# through executablePath: Playwright's own browser download cannot work offline.
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium || log "could not install chromium: the web view's browser tests will fail"
fi

# npm dependencies: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.autodev-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # Not `npm ci`: node-llama-cpp lists optional binaries for platforms this
  # registry does not serve, which `npm ci` reports as a lock mismatch.
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# The SQLite guard the MCP database tool loads into every handle (native/sqlite-guard.c);
# the tool refuses to run without it. Rebuilt only when the source or SQLite's headers are newer.
guard_src=native/sqlite-guard.c
guard_out=dist/native/sqlite-guard.so
sqlite_headers=node_modules/better-sqlite3/deps/sqlite3
if [ ! -f "$guard_out" ] || [ "$guard_src" -nt "$guard_out" ] || [ "$sqlite_headers/sqlite3ext.h" -nt "$guard_out" ]; then
  if ! command -v gcc >/dev/null 2>&1; then apt_install gcc libc6-dev; fi
  log "build $guard_out"
  mkdir -p "$(dirname "$guard_out")"
  gcc -O2 -fPIC -shared -Wall -Wextra -Werror -I "$sqlite_headers" -o "$guard_out.tmp" "$guard_src"
  mv "$guard_out.tmp" "$guard_out"
fi

# Compile TypeScript; incremental, so an unchanged tree costs a couple of seconds.
log "tsc"
npx --no-install tsc -p tsconfig.json
# The web view (web/ into dist/web): type-checked with the DOM library, one ES module per file.
node dist/scripts/build-web.js
# The CLI's bundle (scripts/bundle-cli.ts): bin/autodev.js uses it only while it matches what tsc just wrote.
node dist/scripts/bundle-cli.js
log "ready"
