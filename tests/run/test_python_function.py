"""Standalone grader source from plain functions, proven by running it in a fresh interpreter."""

from __future__ import annotations

import ast
import functools
import json
import linecache
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import python_grader_examples as ex
from hypothesis import given, settings
from hypothesis import strategies as st

from graderkit._core.graders.python_source import check_source
from graderkit._run.sandbox.function_source import source_from_file, source_from_function
from graderkit.errors import InvalidGrader

Pair = tuple[dict[str, Any], dict[str, Any]]

_DRIVER = """
import json, sys
pairs = json.loads(sys.stdin.read())
print(json.dumps([grade(sample, item) for sample, item in pairs]))
"""


def run_standalone(source: str, pairs: list[Pair]) -> list[Any]:
    """Run ``source`` on its own in a fresh, isolated interpreter; return grade() per pair."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", source + _DRIVER],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def pairs_of(answers: list[tuple[str, str]]) -> list[Pair]:
    return [({"output_text": out}, {"reference_answer": ref}) for out, ref in answers]


COOKBOOK_ANSWERS = [
    ("acute appendicitis", "acute appendicitis"),
    ("Acute Appendicitis.", "acute appendicitis"),
    ("appendicitis", "acute appendicitis"),
    ("myocardial infarction, inferior wall", "inferior myocardial infarction"),
    ("", "pneumonia"),
    ("", ""),
    ("tuberculosis", "sarcoidosis"),
]


@pytest.mark.parametrize(
    "fn",
    [ex.clinical_phrase, ex.clinical_phrase_binary, ex.combined, ex.wratio],
    ids=lambda f: f.__name__,
)
def test_cookbook_graders_run_standalone_with_the_plain_numbers(fn: Callable[..., float]) -> None:
    source = source_from_function(fn)
    pairs = pairs_of(COOKBOOK_ANSWERS)
    assert run_standalone(source, pairs) == [fn(s, i) for s, i in pairs]
    check_source(source, imports="refuse", image_tag="2025-05-08")


@settings(max_examples=5, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=40)), min_size=1, max_size=40))
def test_fuzzy_grader_matches_the_plain_function_on_any_text(
    answers: list[tuple[str, str]],
) -> None:
    pairs = pairs_of(answers)
    source = source_from_function(ex.clinical_phrase)
    assert run_standalone(source, pairs) == [ex.clinical_phrase(s, i) for s, i in pairs]


def top_level_names(source: str) -> list[str]:
    """Names bound by the module's top-level statements, in order."""
    names: list[str] = []
    for stmt in ast.parse(source).body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names += [a.asname or a.name for a in stmt.names]
        elif isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            names.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return names


def test_only_what_is_used_is_emitted_in_module_order() -> None:
    source = source_from_function(ex.clinical_phrase)
    assert top_level_names(source) == [
        "annotations", "fuzz", "utils", "SCALE", "_similarity", "clinical_phrase", "grade",
    ]  # fmt: skip


def test_helpers_of_helpers_are_pulled_in_transitively() -> None:
    source = source_from_function(ex.combined)
    for needed in ("def clinical_phrase(", "def clinical_phrase_binary(", "def _similarity(",
                   "class _Weights", "SCALE = 100.0", "PERFECT = 1.0"):  # fmt: skip
        assert needed in source


def test_recursion_keeps_the_function_name() -> None:
    source = source_from_function(ex.depth)
    assert "def depth(" in source and "def grade" not in source
    trees: list[Any] = [[], [[]], [[[], [[[]]]]], 3, [[1, [2, [3, [4]]]]]]
    pairs: list[Pair] = [({"output_text": ""}, {"tree": t}) for t in trees]
    assert run_standalone(source, pairs) == [ex.depth(s, i) for s, i in pairs]


def test_user_decorator_is_kept_with_its_helpers() -> None:
    source = source_from_function(ex.clamped_length)
    assert "@_clamp01\ndef clamped_length(" in source and "import functools" in source
    texts = ["", "abc", "a" * 10, "a" * 55]
    pairs: list[Pair] = [({"output_text": t}, {}) for t in texts]
    expected = [ex.clamped_length(s, i) for s, i in pairs]
    assert expected[-1] == 1.0  # the decorator clamps: it really ran
    assert run_standalone(source, pairs) == expected


def test_graderkit_decorator_is_stripped() -> None:
    source = ex.exact_registered.source
    tree = ast.parse(source)
    defs = [s for s in tree.body if isinstance(s, ast.FunctionDef)]
    assert [d.name for d in defs] == ["clinical_phrase_binary", "exact_registered"]
    assert all(not d.decorator_list for d in defs)
    assert "gk" not in top_level_names(source) and "graderkit" not in top_level_names(source)
    check_source(source, imports="refuse")
    pairs = pairs_of(COOKBOOK_ANSWERS)
    assert run_standalone(source, pairs) == [ex.clinical_phrase_binary(s, i) for s, i in pairs]


def test_function_named_grade_gets_no_alias() -> None:
    source = source_from_function(ex.grade)
    assert "grade = " not in source and source.count("def grade(") == 1
    pairs: list[Pair] = [({"output_text": "apple"}, {"choices": ["apple", "apply", "maple"]})]
    assert run_standalone(source, pairs) == [ex.grade(*pairs[0])]


def _make_closure() -> Callable[..., float]:
    threshold = 0.5

    def grader(sample: Any, item: Any) -> float:
        return threshold

    return grader


def _make_nested() -> Callable[..., float]:
    def grader(sample: Any, item: Any) -> float:
        return 1.0

    return grader


class _Holder:
    def method(self, sample: Any, item: Any) -> float:
        return 1.0


async def _async_grader(sample: Any, item: Any) -> float:
    return 1.0


def _generator_grader(sample: Any, item: Any) -> Any:
    yield 1.0


@pytest.mark.parametrize(
    ("fn", "problem"),
    [
        (lambda s, i: 1.0, "is a lambda"),
        (_make_closure(), "closes over threshold"),
        (_make_nested(), "defined inside another function"),
        (_Holder().method, "not a function"),
        (_Holder.method, "defined in a class"),
        (_async_grader, "is async"),
        (_generator_grader, "generator"),
        (len, "not a function"),
        (functools.partial(ex.clinical_phrase), "not a function"),
        (ex.uses_undefined, "uses 'not_defined_anywhere'"),
    ],
    ids=[
        "lambda",
        "closure",
        "nested",
        "bound-method",
        "method",
        "async",
        "generator",
        "builtin",
        "partial",
        "undefined-name",
    ],
)
def test_what_cannot_be_standalone_is_refused(fn: Any, problem: str) -> None:
    with pytest.raises(InvalidGrader, match=problem) as e:
        source_from_function(fn)
    assert e.value.field == "function"


def _interactive(code: str, filename: str, namespace: dict[str, Any], register: bool) -> Any:
    if register:  # what IPython and doctest do: the cell's text is in linecache
        lines = code.splitlines(True)
        linecache.cache[filename] = (len(code), None, lines, filename)
    exec(compile(code, filename, "exec"), namespace)
    return namespace


def test_function_without_source_is_refused() -> None:
    ns = _interactive("def f(sample, item):\n    return 1.0\n", "<stdin>", {}, register=False)
    with pytest.raises(InvalidGrader, match="has no source to read"):
        source_from_function(ns["f"])


def test_notebook_cell_uses_globals_from_other_cells() -> None:
    """A cell's text is all there is: modules and constants from earlier cells are re-created."""
    cell = "def f(sample, item):\n    return json.loads(item['x'])['v'] * K + fsum([1.0])\n"
    namespace: dict[str, Any] = {"__name__": "__main__", "json": json, "K": 3}
    exec("from math import fsum", namespace)
    _interactive(cell, "/tmp/ipykernel_1/cell-7.py", namespace, register=True)
    source = source_from_function(namespace["f"])
    assert "import json" in source and "K = 3" in source and "from math import fsum" in source
    pairs: list[Pair] = [({}, {"x": '{"v": 2}'})]
    assert run_standalone(source, pairs) == [7.0]


def test_notebook_cell_using_a_function_from_another_cell_is_refused() -> None:
    other = _interactive("def helper():\n    return 1.0\n", "/tmp/ipykernel_1/a.py", {
        "__name__": "__main__"}, register=True)  # fmt: skip
    cell = "def f(sample, item):\n    return helper()\n"
    namespace = {"__name__": "__main__", "helper": other["helper"]}
    _interactive(cell, "/tmp/ipykernel_1/b.py", namespace, register=True)
    with pytest.raises(InvalidGrader, match="uses 'helper'"):
        source_from_function(namespace["f"])


def test_module_changed_on_disk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "changing.py"
    path.write_text("def f(sample, item):\n    return 1.0\n")
    module = types.ModuleType("changing")
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    path.write_text("X = 1\n\n\ndef f(sample, item):\n    return 2.0\n")
    linecache.checkcache(str(path))
    with pytest.raises(InvalidGrader, match="changed since it was imported"):
        source_from_function(module.f)


def test_source_from_file_returns_the_text(tmp_path: Path) -> None:
    path = tmp_path / "g.py"
    text = "def grade(sample, item):\n    return 0.25\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert source_from_file(path) == text
    assert run_standalone(source_from_file(str(path)), [({}, {})]) == [0.25]


def test_source_from_file_refuses_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes("# café\ndef grade(s, i):\n    return 1.0\n".encode("latin-1"))
    with pytest.raises(InvalidGrader, match="not UTF-8"):
        source_from_file(path)
