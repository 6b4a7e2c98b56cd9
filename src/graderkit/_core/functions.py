"""The formula functions, usable on graders: ``gk.max(a, b)``, ``gk.log(a)``, ...

They mirror the functions ``calculate_output`` allows and return an
[`Expression`][graderkit.Expression]; they compute nothing themselves.
"""

from __future__ import annotations

from typing import Any

from graderkit._core.arith import Expression, call

__all__ = ["abs", "ceil", "exp", "floor", "log", "max", "min", "sqrt"]


def min(first: Any, *rest: Any) -> Expression:
    """``min(a, b, ...)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> a = gk.string_check("{{sample.output_text}}", "x", name="a")
        >>> gk.min(a, 0.5).calculate_output
        'min(a, 0.5)'
    """
    return call("min", first, *rest)


def max(first: Any, *rest: Any) -> Expression:
    """``max(a, b, ...)`` in a formula."""
    return call("max", first, *rest)


def abs(x: Any) -> Expression:
    """``abs(x)`` in a formula."""
    return call("abs", x)


def floor(x: Any) -> Expression:
    """``floor(x)`` in a formula."""
    return call("floor", x)


def ceil(x: Any) -> Expression:
    """``ceil(x)`` in a formula."""
    return call("ceil", x)


def exp(x: Any) -> Expression:
    """``exp(x)`` in a formula."""
    return call("exp", x)


def sqrt(x: Any) -> Expression:
    """``sqrt(x)`` in a formula."""
    return call("sqrt", x)


def log(x: Any) -> Expression:
    """``log(x)`` (natural logarithm) in a formula."""
    return call("log", x)
