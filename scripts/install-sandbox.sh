#!/usr/bin/env bash
# Install what the python sandbox needs from Debian: bubblewrap (the isolation), libseccomp2
# (the seccomp filters, through graderkit's dependency pyseccomp) and the system python3 (the
# hostile suite runs a subset as the unprivileged user nobody, who cannot read a root-owned
# pyenv interpreter).
#
# Usage: scripts/install-sandbox.sh
#
# Idempotent: does nothing when all three are there. Needs root or sudo the first time. The
# sandbox tests FAIL (they do not skip) without bubblewrap, so CI runs this before `make test`.
set -euo pipefail

have() { command -v bwrap >/dev/null 2>&1 && [[ -x /usr/bin/python3 ]] \
  && ldconfig -p 2>/dev/null | grep 'libseccomp\.so\.2' >/dev/null; }
if have; then
  echo "install-sandbox: $(bwrap --version), libseccomp2 and /usr/bin/python3 are installed"
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-sandbox: need root to run: apt-get install bubblewrap libseccomp2 python3" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-sandbox: no apt-get here; install bubblewrap and libseccomp with your package manager" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
${sudo} apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
  bubblewrap libseccomp2 python3 \
  || { ${sudo} apt-get update -q && ${sudo} apt-get -o DPkg::Lock::Timeout=600 install -y -q \
       --no-install-recommends bubblewrap libseccomp2 python3; }
have || { echo "install-sandbox: bubblewrap, libseccomp2 or python3 still missing" >&2; exit 1; }
echo "install-sandbox: $(bwrap --version) ready"
