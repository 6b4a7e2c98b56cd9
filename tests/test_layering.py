"""The architecture, enforced: a pure core, each I/O library imported in one module only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "graderkit"

IMPURE = {
    "openai", "httpx", "requests", "socket", "subprocess", "multiprocessing", "asyncio",
    "threading", "time", "os", "shutil", "tempfile", "signal", "resource", "urllib", "http",
    "sqlite3", "pathlib", "io", "random", "datetime",
}  # fmt: skip
"""Modules the pure core may not import: network, processes, clock, environment, files."""

LAYERS = {
    "errors": 0,
    "_core": 1,
    "schema": 2,
    "_run": 2,
    "_authoring": 2,
    "_lazy": 0,
    "_optional": 0,
    "testing": 3,
    "report": 3,
    "integrations": 3,
    "metrics": 3,
    "examples": 2,
    "serve": 3,
    "cli": 4,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "graderkit" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


CORE = sorted((SRC / "_core").rglob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_no_io(path: Path) -> None:
    bad = [
        f"{path.name}:{line} imports {mod}"
        for line, mod in _imports(path)
        if mod.split(".")[0] in IMPURE
    ]
    assert bad == []


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down_only(path: Path) -> None:
    rel = path.relative_to(SRC)
    own = LAYERS.get(rel.parts[0].removesuffix(".py"))
    if own is None:
        return
    tree = ast.parse(path.read_text())
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in top_level:  # lazy imports inside functions are the sanctioned way up
        names = (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
        for name in names:
            layer = _layer(name)
            assert layer is None or layer <= own, f"{rel} imports {name} (layer {layer} > {own})"


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("openai", "_run/judge/openai_client.py"),
        ("subprocess", "_run/sandbox/template_process.py"),
        ("httpx", "_run/judge/endpoint_client.py"),
    ],
)
def test_each_io_library_has_one_home(library: str, home: str) -> None:
    users = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if any(mod.split(".")[0] == library for _, mod in _imports(p))
    )
    assert users in ([home], [])


def test_import_graderkit_loads_no_heavy_modules() -> None:
    code = (
        "import sys, graderkit\n"
        "heavy = [m for m in ('openai', 'nltk', 'numpy', 'rouge_score', 'httpx', 'jsonschema') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


CORE_PACKAGES: dict[str, set[str]] = {
    "formula": set(),
    "metrics": set(),
    "templating": set(),
    "graders": {"formula", "templating"},
    "datasets": {"graders", "templating"},
    "results": {"graders", "grading"},  # a batch keeps the columns the grading step made
    "grading": {"formula", "graders", "metrics", "results", "templating"},
    "judge": {"graders", "results", "templating"},
    "workflow": {"graders", "grading", "results"},
}
"""What each package of the pure core may import from its siblings, at module level."""

RUN_PACKAGES: dict[str, set[str]] = {
    "judge": set(),
    "sandbox": set(),
    "text_metrics": set(),
    "runner": {"judge", "sandbox", "text_metrics"},
    "default_runner": {"runner"},
    "datasets": {"runner"},
    "workflow": {"datasets", "judge", "runner"},
}
"""The same for the edges (any ``_run`` package may import any of ``_core``)."""


@pytest.mark.parametrize(
    ("layer", "rules"), [("_core", CORE_PACKAGES), ("_run", RUN_PACKAGES)], ids=["_core", "_run"]
)
def test_packages_import_only_what_they_may(layer: str, rules: dict[str, set[str]]) -> None:
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        rel = path.relative_to(SRC / layer)
        own = rel.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        assert own in rules, f"{layer}/{own} is a new package: add it and its imports to the rules"
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                f"graderkit.{layer}."
            ):
                other = (node.module or "").split(".")[2]
                if other != own and other not in rules[own]:
                    bad.append(f"{layer}/{rel} imports {layer}.{other}")
    assert bad == []


def test_no_module_name_repeats() -> None:
    names = [p.name for p in SRC.rglob("*.py") if p.name != "__init__.py"]
    assert sorted({n for n in names if names.count(n) > 1}) == []


@pytest.mark.parametrize(
    "package",
    sorted(p.parent for p in SRC.rglob("__init__.py")),
    ids=lambda p: str(p.relative_to(SRC.parent)),
)
def test_every_package_says_what_lives_there(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert doc and len(doc.split()) >= 8, (
        f"{package}/__init__.py needs a docstring saying what lives there"
    )
