"""The item (and sample) keys a python grader's source reads: ``item["key"]``, constant keys.

A static, best-effort reading (no code runs): ``item.get("key")``, computed keys and keys read
in helper functions are not seen. Dataset checks report a missing key as a warning only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graderkit._core.graders.models import GraderBase, MultiGrader, PythonGrader

__all__ = ["python_item_keys", "python_reads", "python_sample_keys"]


def python_reads(grader: GraderBase) -> Iterator[tuple[str, str, int]]:
    """``(grader label, key, source line)`` for each ``item["key"]`` a python grader reads."""
    if isinstance(grader, MultiGrader):
        for child in grader.graders.values():
            yield from python_reads(child)
    elif isinstance(grader, PythonGrader):
        for name, line in python_item_keys(grader.source):
            yield grader.label, name, line


def python_item_keys(source: str) -> list[tuple[str, int]]:
    """The constant keys ``grade(sample, item)`` reads as ``item["key"]``, with their lines.

    Examples:
        >>> python_item_keys('def grade(sample, row):\\n    return row["answer"] == sample["output_text"]')
        [('answer', 2)]
        >>> python_item_keys('def f(s, i):\\n    return i["a"] + i["b"]\\ngrade = f')
        [('a', 2), ('b', 2)]
    """
    return _constant_keys(source, 1)


def python_sample_keys(source: str) -> list[tuple[str, int]]:
    """The constant keys ``grade(sample, item)`` reads as ``sample["key"]``, with their lines.

    Examples:
        >>> python_sample_keys('def grade(s, item):\\n    return s["output"] == item["a"]')
        [('output', 2)]
    """
    return _constant_keys(source, 0)


def _constant_keys(source: str, position: int) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    function = _grade_function(tree)
    if function is None or len(function.args.args) != 2:
        return []
    param = function.args.args[position].arg
    found: dict[str, int] = {}
    for sub in ast.walk(function):
        if (
            isinstance(sub, ast.Subscript)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == param
            and isinstance(sub.slice, ast.Constant)
            and isinstance(sub.slice.value, str)
        ):
            found.setdefault(sub.slice.value, sub.lineno)
    return sorted(found.items(), key=lambda kv: kv[1])


def _grade_function(tree: ast.Module) -> ast.FunctionDef | None:
    """The module-level ``grade`` function, following ``grade = other_function`` aliases."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    name = "grade"
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["grade"]
            and isinstance(node.value, ast.Name)
        ):
            name = node.value.id
    return functions.get(name)
