#!/usr/bin/env bash
# Install Debian's chromium, which the HTML-report test drives headless (tests/report/).
#
# Usage: scripts/install-chromium.sh
#
# Idempotent: does nothing when a chromium binary is already on PATH. Needs root or sudo the
# first time; nothing is fetched except Debian packages through apt-get. The browser test FAILS
# (it does not skip) when chromium is missing, so CI must run this script before `make test`.
set -euo pipefail

for name in chromium chromium-browser; do
  if command -v "${name}" >/dev/null 2>&1; then
    echo "install-chromium: $(command -v "${name}") is already installed"
    exit 0
  fi
done

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-chromium: need root to run: apt-get install chromium" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install chromium (or set GRADERKIT_CHROMIUM)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
${sudo} apt-get update -q
${sudo} apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
command -v chromium >/dev/null 2>&1 || { echo "install-chromium: chromium still missing" >&2; exit 1; }
echo "install-chromium: $(command -v chromium) ready"
