"""Docs are code: every Python block in docs/ and the README runs; the CLI page matches the CLI.

Blocks of one page share a namespace and run in order, from the repository root, in a fresh
temporary working copy of nothing: they may only read the repository's files and write under
``tmp_path`` (exposed to the blocks as ``TMP``).
"""

from __future__ import annotations

import json
import linecache
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^([ \t]*)```python[^\n]*\n(.*?)^\1```", re.S | re.M)
JSON_FENCE = re.compile(r'^([ \t]*)```json title="([^"]+)"\n(.*?)^\1```', re.S | re.M)
"""A JSON block titled with a Python expression must equal that expression's value."""


def _blocks(page: Path) -> list[str]:
    return [textwrap.dedent(m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(
    "page", [p for p in PAGES if _blocks(p)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}", "TMP": tmp_path}
    for number, block in enumerate(_blocks(page), 1):
        filename = f"{page.relative_to(ROOT)} (block {number})"
        # Like a notebook: register the block's text so inspect.getsource() finds functions
        # defined in it (python_grader reads a function's source).
        linecache.cache[filename] = (len(block), None, block.splitlines(True), filename)
        code = compile(block, filename, "exec")
        exec(code, namespace)  # the docs' own code, written by us
    for _, expression, text in JSON_FENCE.findall(page.read_text(encoding="utf-8")):
        shown = json.loads(text)
        actual = eval(expression, namespace)  # an expression from our own docs page
        assert shown == actual, f"{page.name}: the JSON shown for {expression} is stale"


def test_cli_reference_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr


EXAMPLES = sorted((ROOT / "examples").rglob("*.py"))


@pytest.mark.parametrize(
    "script",
    [p for p in EXAMPLES if not p.name.startswith("test_")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_example_scripts_run(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
