"""Evaluate a formula over whole columns of child rewards at once.

The column path does the same IEEE operations as [`Formula.evaluate`][] in the same order, one
list comprehension per node. Any row whose value or intermediate is not finite (or whose
operation raised) is recomputed with the scalar evaluator, so errors and their messages are
exactly the scalar ones. A property test checks column == scalar on generated formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from graderkit._core.formula import (
    _UNARY,
    BinOp,
    Call,
    Formula,
    FormulaDomainError,
    Name,
    Neg,
    Node,
    Number,
)

__all__ = ["evaluate_columns"]

Column = list[float]
_INF = math.inf


def evaluate_columns(
    formula: Formula, columns: Mapping[str, Column], n: int
) -> tuple[Column, dict[int, str]]:
    """Evaluate ``formula`` on ``n`` rows; returns the values and ``row -> domain error``."""
    bad: set[int] = set()
    values = list(_eval(formula.tree, columns, n, bad))
    errors: dict[int, str] = {}
    for row in sorted(bad):
        env = {name: columns[name][row] for name in formula.variables}
        try:
            values[row] = formula.evaluate(env)
        except FormulaDomainError as exc:
            values[row], errors[row] = 0.0, str(exc)
    return values, errors


def _mark(col: Column, bad: set[int]) -> Column:
    total = sum(col)  # finite whenever every value is (an overflowing sum just costs a scan)
    if total - total != 0.0:  # NaN fails both comparisons below
        bad.update(i for i, v in enumerate(col) if not -_INF < v < _INF)
    return col


PROPAGATING = ("+", "-", "*")
"""Operations whose result is non-finite whenever an operand is: checking their operands is
redundant, because the non-finite value reaches the next check. Division, powers and function
calls can hide one (``x / inf == 0``, ``min(inf, 1) == 1``), so their operands are checked."""


def _eval(
    node: Node, columns: Mapping[str, Column], n: int, bad: set[int], check: bool = True
) -> Column:
    if isinstance(node, Number):
        return [node.value] * n
    if isinstance(node, Name):
        return columns[node.name]
    if isinstance(node, Neg):
        col = [-v for v in _eval(node.operand, columns, n, bad, check=False)]
    elif isinstance(node, Call):
        col = _call(node, columns, n, bad)
    else:
        col = _binop(node, columns, n, bad)
    return _mark(col, bad) if check else col


def _binop(node: BinOp, columns: Mapping[str, Column], n: int, bad: set[int]) -> Column:
    op = node.op
    inner = op not in PROPAGATING
    left, right = node.left, node.right
    if op in ("*", "+") and isinstance(left, Number):
        c, b = left.value, _eval(right, columns, n, bad, check=inner)
        return [c * y for y in b] if op == "*" else [c + y for y in b]
    if op in ("*", "+", "-") and isinstance(right, Number):
        a, c = _eval(left, columns, n, bad, check=inner), right.value
        if op == "-":
            return [x - c for x in a]
        return [x * c for x in a] if op == "*" else [x + c for x in a]
    a, b = _eval(left, columns, n, bad, check=inner), _eval(right, columns, n, bad, check=inner)
    if op == "+":
        return [x + y for x, y in zip(a, b, strict=True)]
    if op == "-":
        return [x - y for x, y in zip(a, b, strict=True)]
    if op == "*":
        return [x * y for x, y in zip(a, b, strict=True)]
    if op == "/":
        return [x / y if y != 0.0 else math.nan for x, y in zip(a, b, strict=True)]
    return _each2(math.pow, a, b)


def _call(node: Call, columns: Mapping[str, Column], n: int, bad: set[int]) -> Column:
    args = [_eval(arg, columns, n, bad) for arg in node.args]
    if node.func in ("min", "max"):
        if len(args) == 1:
            return args[0]
        pick = min if node.func == "min" else max
        return [pick(row) for row in zip(*args, strict=True)]
    return _each1(_UNARY[node.func], args[0])


def _each1(fn: Callable[[float], float], a: Column) -> Column:
    out = []
    for x in a:
        try:
            out.append(fn(x))
        except (ValueError, OverflowError):
            out.append(math.nan)
    return out


def _each2(fn: Callable[[float, float], float], a: Column, b: Column) -> Column:
    out = []
    for x, y in zip(a, b, strict=True):
        try:
            out.append(fn(x, y))
        except (ValueError, OverflowError, ZeroDivisionError):
            out.append(math.nan)
    return out
