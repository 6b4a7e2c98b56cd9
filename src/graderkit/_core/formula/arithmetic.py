"""Arithmetic on graders: ``0.85 * fuzzy + 0.15 * exact`` builds a multi grader's formula.

Each grader in an expression becomes a formula variable whose key is the grader's ``name``
(made a valid identifier). The expression keeps the key -> grader map and renders the
``calculate_output`` string with the minimum of parentheses.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

from graderkit._core.formula.evaluation import (
    MAX_DEPTH,
    BinOp,
    Call,
    Name,
    Neg,
    Node,
    Number,
    unparse,
)
from graderkit._core.formula.syntax import _depth
from graderkit.errors import FormulaError, InvalidGrader

if TYPE_CHECKING:
    from graderkit._core.graders.models import GraderBase

__all__ = ["Arithmetic", "Expression", "as_expression", "call"]

Operand = Union["Expression", "GraderBase", int, float]
_NO_TEXT = "<built with Python operators>"


class Arithmetic:
    """Mixin: arithmetic operators on graders and expressions build an [`Expression`][]."""

    __slots__ = ()

    def __add__(self, other: Operand) -> Expression:
        return _binary("+", self, other)

    def __radd__(self, other: Operand) -> Expression:
        return _binary("+", other, self)

    def __sub__(self, other: Operand) -> Expression:
        return _binary("-", self, other)

    def __rsub__(self, other: Operand) -> Expression:
        return _binary("-", other, self)

    def __mul__(self, other: Operand) -> Expression:
        return _binary("*", self, other)

    def __rmul__(self, other: Operand) -> Expression:
        return _binary("*", other, self)

    def __truediv__(self, other: Operand) -> Expression:
        return _binary("/", self, other)

    def __rtruediv__(self, other: Operand) -> Expression:
        return _binary("/", other, self)

    def __pow__(self, other: Operand) -> Expression:
        return _binary("^", self, other)

    def __rpow__(self, other: Operand) -> Expression:
        return _binary("^", other, self)

    def __neg__(self) -> Expression:
        operand = as_expression(self)
        return _deeper(Neg(operand.node), operand.graders, operand.depth)

    def __abs__(self) -> Expression:
        return call("abs", self)

    def __floor__(self) -> Expression:
        return call("floor", self)

    def __ceil__(self) -> Expression:
        return call("ceil", self)


class Expression(Arithmetic):
    """A formula over graders, e.g. ``0.85 * fuzzy + 0.15 * exact``.

    Pass it to [`multi`][graderkit.multi] to get a multi grader.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> (0.85 * fuzzy + 0.15 * exact).calculate_output
        '0.85 * fuzzy + 0.15 * exact'
    """

    __slots__ = ("depth", "graders", "node")

    def __init__(
        self, node: Node, graders: Mapping[str, GraderBase], depth: int | None = None
    ) -> None:
        self.node = node
        self.graders = dict(graders)
        self.depth = _depth(node) if depth is None else depth
        """The tree's depth; at most `MAX_DEPTH` (checked as the expression is built)."""

    @property
    def calculate_output(self) -> str:
        """The formula text, as ``multi.calculate_output`` carries it."""
        return unparse(self.node)

    def __repr__(self) -> str:
        return f"<Expression {self.calculate_output!r}>"

    def __bool__(self) -> bool:
        raise TypeError(
            "an Expression of graders has no truth value; pass it to graderkit.multi(...)"
        )


def grader_key(grader: GraderBase) -> str:
    """The formula variable for a grader: its name with non-identifier characters as ``_``."""
    if grader.type == "multi":
        raise InvalidGrader(
            grader.label,
            "",
            grader.name,
            "cannot be used inside another multi grader "
            "(the service does not allow nesting); combine its children instead",
        )
    if not grader.name:
        raise InvalidGrader(
            grader.label,
            "name",
            grader.name,
            "is needed to use a grader in a formula; give it name=...",
        )
    key = re.sub(r"\W", "_", grader.name)
    if key[0].isdigit() or keyword.iskeyword(key):
        key = "_" + key
    return key


def as_expression(value: Any) -> Expression:
    """Wrap a grader, a number or an expression as an expression.

    Raises:
        FormulaError: ``value`` cannot be part of a formula (not a grader, a finite number or
            an expression).
    """
    from graderkit._core.graders.models import GraderBase

    if isinstance(value, Expression):
        return value
    if isinstance(value, GraderBase):
        key = grader_key(value)
        return Expression(Name(key), {key: value}, 1)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    raise FormulaError(
        "",
        "",
        _shown(value),
        "cannot be used in a grader formula; use graders, numbers and "
        "graderkit.min/max/abs/floor/ceil/exp/sqrt/log",
    )


def _shown(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not replace the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:59] + "…"


def _number(value: float) -> Expression:
    """A literal; a negative one is a unary minus (formula literals are non-negative)."""
    try:
        magnitude = float(abs(value))
    except OverflowError:
        magnitude = math.inf
    if not math.isfinite(magnitude):
        raise FormulaError(
            "", "", _shown(value), "is not a finite number; a formula literal must be finite"
        )
    text = str(abs(value)) if isinstance(value, int) else repr(magnitude)
    literal = Expression(Number(magnitude, text), {}, 1)
    return _deeper(Neg(literal.node), {}, 1) if value < 0 else literal


def _deeper(node: Node, graders: Mapping[str, GraderBase], below: int) -> Expression:
    """An expression one level above its deepest operand (``below``), refused past MAX_DEPTH."""
    if below + 1 > MAX_DEPTH:
        raise FormulaError(
            "",
            "calculate_output",
            _NO_TEXT,
            f"would be nested {below + 1} levels deep (max {MAX_DEPTH}); a formula built with "
            "Python operators nests one level per operator: combine fewer graders, or "
            "graderkit.multi a dict of graders with a flatter formula such as "
            "'(a + b + c) / 3' written in groups",
        )
    return Expression(node, graders, below + 1)


def _merge(parts: list[Expression]) -> dict[str, GraderBase]:
    merged: dict[str, GraderBase] = {}
    for part in parts:
        for key, grader in part.graders.items():
            known = merged.setdefault(key, grader)
            if known is not grader and known != grader:
                raise InvalidGrader(
                    grader.label,
                    "name",
                    grader.name,
                    f"is used by two different graders in one formula (key {key!r}); "
                    "give each grader a distinct name",
                )
    return merged


def _binary(op: str, left: Any, right: Any) -> Expression:
    a, b = as_expression(left), as_expression(right)
    node = BinOp(op, a.node, b.node)  # type: ignore[arg-type]
    return _deeper(node, _merge([a, b]), max(a.depth, b.depth))


def call(func: str, *args: Any) -> Expression:
    """A function call node, e.g. ``call("max", a, b)``."""
    parts = [as_expression(a) for a in args]
    node = Call(func, tuple(p.node for p in parts))
    return _deeper(node, _merge(parts), max((p.depth for p in parts), default=0))
