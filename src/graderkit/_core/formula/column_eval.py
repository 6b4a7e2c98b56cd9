"""Evaluate a formula over whole columns of child rewards at once.

The column path does the same IEEE operations as [`Formula.evaluate`][] in the same order, one
list comprehension per node. Any row whose value or intermediate is not finite (or whose
operation raised) is recomputed with the scalar evaluator, so errors and their messages are
exactly the scalar ones. A property test checks column == scalar on generated formulas.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from graderkit._core.formula.evaluation import (
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
from graderkit._optional import accelerator

__all__ = ["evaluate_columns"]

Column = list[float]
_INF = math.inf


def evaluate_columns(
    formula: Formula, columns: Mapping[str, Sequence[float]], n: int
) -> tuple[Column, dict[int, str]]:
    """Evaluate ``formula`` on ``n`` rows; returns the values and ``row -> domain error``.

    A column is a list of floats or a float64 numpy array (which the numpy path reads as is
    and the scalar path turns into a list first).
    """
    bad: set[int] = set()
    fast = _linear_numpy(formula.tree, columns, n, bad)
    if fast is None or bad:
        columns = {key: _as_list(column) for key, column in columns.items()}
    values = fast if fast is not None else list(_eval(formula.tree, columns, n, bad))  # type: ignore[arg-type]
    errors: dict[int, str] = {}
    for row in sorted(bad):
        env = {name: columns[name][row] for name in formula.variables}
        try:
            values[row] = formula.evaluate(env)
        except FormulaDomainError as exc:
            values[row], errors[row] = 0.0, str(exc)
    return values, errors


def _as_list(column: Sequence[float]) -> Column:
    return column if isinstance(column, list) else column.tolist()  # type: ignore[attr-defined]


NUMPY_MIN = 2048
"""Columns at least this long evaluate linear formulas with numpy (when it is installed)."""


def _is_linear(node: Node) -> bool:
    if isinstance(node, (Number, Name)):
        return True
    if isinstance(node, Neg):
        return _is_linear(node.operand)
    return (
        isinstance(node, BinOp)
        and node.op in _C_OPS
        and _is_linear(node.left)
        and _is_linear(node.right)
    )


def _linear_numpy(
    node: Node, columns: Mapping[str, Sequence[float]], n: int, bad: set[int]
) -> Column | None:
    """``+ - *``, negation, numbers and names over whole float64 arrays, or ``None``.

    numpy's float64 add, subtract, multiply and negate are the same correctly rounded IEEE
    operations as Python's, applied in the same order, so every finite row is bit-identical to
    the scalar path; non-finite rows are marked and recomputed by the scalar evaluator.
    """
    if n < NUMPY_MIN or not _is_linear(node):
        return None
    np = accelerator("numpy")
    if np is None:
        return None
    arrays: dict[str, Any] = {}

    def ev(node: Node) -> Any:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            if node.name not in arrays:
                arrays[node.name] = np.asarray(columns[node.name], dtype=np.float64)
            return arrays[node.name]
        if isinstance(node, Neg):
            return np.negative(ev(node.operand))
        op = {"+": np.add, "-": np.subtract, "*": np.multiply}[node.op]  # type: ignore[union-attr]
        return op(ev(node.left), ev(node.right))  # type: ignore[union-attr]

    with np.errstate(all="ignore"):
        out = np.broadcast_to(np.asarray(ev(node), dtype=np.float64), (n,))
        finite = np.isfinite(out)
    if not finite.all():
        bad.update(int(i) for i in np.flatnonzero(~finite))
    return out.tolist()  # type: ignore[no-any-return]


def _mark(col: Column, bad: set[int]) -> Column:
    total = sum(col)  # finite whenever every value is (an overflowing sum just costs a scan)
    if total - total != 0.0:  # NaN fails both comparisons below
        bad.update(i for i, v in enumerate(col) if not -_INF < v < _INF)
    return col


_C_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}

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
    # C-level map() over the same IEEE operations, in the same operand order as the scalar path
    if op in _C_OPS and isinstance(left, Number):
        b = _eval(right, columns, n, bad, check=inner)
        return list(map(_C_OPS[op], repeat(left.value, n), b))
    if op in _C_OPS and isinstance(right, Number):
        a = _eval(left, columns, n, bad, check=inner)
        return list(map(_C_OPS[op], a, repeat(right.value, n)))
    a, b = _eval(left, columns, n, bad, check=inner), _eval(right, columns, n, bad, check=inner)
    if op in _C_OPS:
        return list(map(_C_OPS[op], a, b))
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
