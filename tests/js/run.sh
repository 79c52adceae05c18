#!/usr/bin/env bash
# Installs what the JS tests need and runs them: the Node tests (tokenizer
# vectors, engine, stock elasticlunr.js) and the Chromium browser tests
# (search, and the reader's site with axe-core).
#
#   tests/js/run.sh                         against a throwaway site built
#                                           from the fixtures by cargo
#   POLICYPRESS_SITE=public tests/js/run.sh against a built site (the
#                                           reader's-site tests, site.test.mjs,
#                                           need a whole build and skip otherwise)
#
# CARGO_TARGET_DIR is honoured when the fixture site has to be built.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  # Debian's package; the browser test drives it through playwright-core.
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

(cd "$here" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi) >/dev/null

cleanup=""
if [ -z "${POLICYPRESS_SITE:-}" ]; then
  site="$(mktemp -d)"
  cleanup="$site"
  (cd "$repo" && POLICYPRESS_WRITE_SITE="$site" cargo test -q --test integration search_site::dev_site >/dev/null)
  export POLICYPRESS_SITE="$site"
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT

cd "$repo"
node --test --test-reporter=spec tests/js/
