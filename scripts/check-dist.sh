#!/usr/bin/env bash
# Build the sdist and the wheel, check them, install the wheel into a fresh venv and run the
# quickstart from a directory outside the repository: what a user of a release will do.
# Usage: scripts/check-dist.sh [PYTHON]   (default .venv/bin/python, which has build and twine)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/graderkit-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "-- build the sdist and the wheel (the wheel is built from the sdist)"
"$PY" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/graderkit-*.whl)
sdist=$(ls "$work"/dist/graderkit-*.tar.gz)
ls -l "$wheel" "$sdist" | awk '{print "   ", $5, $9}'

echo "-- twine check"
"$PY" -m twine check --strict "$wheel" "$sdist"

echo "-- the wheel carries the type marker, the JSON schema and the example data"
"$PY" - "$wheel" <<'PYEOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {
    "graderkit/py.typed",
    "graderkit/schema/grader.schema.json",
    "graderkit/examples/clinical/graders.py",
    "graderkit/examples/clinical/items.jsonl",
    "graderkit/examples/clinical/predictions.jsonl",
    "graderkit/examples/clinical/score_model_additive.json",
}
missing = sorted(need - names)
stray = sorted(n for n in names if n.startswith(("tests/", "docs/", "bench/")) or "__pycache__" in n)
if missing or stray:
    sys.exit(f"wheel: missing {missing}, should not contain {stray}")
print(f"    {len(names)} files, all of {len(need)} required present")
PYEOF

echo "-- install the wheel into a fresh venv (no extras)"
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

echo "-- run the quickstart from outside the repository"
repo=$(pwd)
mkdir "$work/user" && cd "$work/user"
gk="$work/venv/bin/graderkit"
version=$(basename "$wheel" | cut -d- -f2)
[ "$("$gk" --version)" = "graderkit $version" ] || { echo "graderkit --version says $("$gk" --version), the wheel is $version"; exit 1; }
"$gk" quickstart . >/dev/null
"$gk" grade clinical/graders.py:clinical_local --data clinical/items.jsonl \
    --samples clinical/predictions.jsonl --out results.jsonl --quiet
[ "$(wc -l <results.jsonl)" -eq 108 ] || { echo "expected 108 result lines"; exit 1; }
# every Python block of docs/quickstart.md, in order, in one namespace, with the installed wheel
"$work/venv/bin/python" - "$repo/docs/quickstart.md" <<'PYEOF'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```python[^\n]*\n(.*?)^```", page, re.S | re.M)
namespace = {"__name__": "quickstart"}
for block in blocks:
    exec(compile(block, "docs/quickstart.md", "exec"), namespace)
import graderkit
assert graderkit.__file__.startswith(sys.prefix), graderkit.__file__  # the wheel, not the clone
print(f"    {len(blocks)} quickstart blocks ran against {graderkit.__file__}")
PYEOF
# a missing extra is a one-line error naming the install line, not a traceback
if "$work/venv/bin/python" -c "import graderkit.testing.strategies" 2>"$work/err"; then
  echo "hypothesis is not installed, yet graderkit.testing.strategies imported"; exit 1
fi
grep -q "pip install 'graderkit\[testing\]'" "$work/err" || { cat "$work/err"; exit 1; }
echo "dist-check ok: graderkit $version"
