"""Arithmetic on graders: ``0.85 * fuzzy + 0.15 * exact`` builds a multi grader's formula.

Each grader in an expression becomes a formula variable whose key is the grader's ``name``
(made a valid identifier). The expression keeps the key -> grader map and renders the
``calculate_output`` string with the minimum of parentheses.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

from graderkit._core.formula.evaluation import BinOp, Call, Name, Neg, Node, Number, unparse
from graderkit.errors import InvalidGrader

if TYPE_CHECKING:
    from graderkit._core.graders.models import GraderBase

__all__ = ["Arithmetic", "Expression", "as_expression", "call"]

Operand = Union["Expression", "GraderBase", int, float]


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
        return Expression(Neg(operand.node), operand.graders)

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

    __slots__ = ("graders", "node")

    def __init__(self, node: Node, graders: Mapping[str, GraderBase]) -> None:
        self.node = node
        self.graders = dict(graders)

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
    """Wrap a grader, a number or an expression as an expression."""
    from graderkit._core.graders.models import GraderBase

    if isinstance(value, Expression):
        return value
    if isinstance(value, GraderBase):
        key = grader_key(value)
        return Expression(Name(key), {key: value})
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Expression(Number(float(value), repr(value)), {})
    raise TypeError(
        f"cannot use {value!r} in a grader formula; use graders, numbers and "
        "graderkit.min/max/abs/floor/ceil/exp/sqrt/log"
    )


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
    return Expression(BinOp(op, a.node, b.node), _merge([a, b]))  # type: ignore[arg-type]


def call(func: str, *args: Any) -> Expression:
    """A function call node, e.g. ``call("max", a, b)``."""
    parts = [as_expression(a) for a in args]
    return Expression(Call(func, tuple(p.node for p in parts)), _merge(parts))
