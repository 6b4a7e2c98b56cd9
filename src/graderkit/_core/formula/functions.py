"""The formula functions, usable on graders: ``gk.max(a, b)``, ``gk.log(a)``, ...

They mirror the functions ``calculate_output`` allows and return an
[`Expression`][graderkit.Expression]; they compute nothing themselves.
"""

from __future__ import annotations

from typing import Any

from graderkit._core.formula.arithmetic import Expression, call

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
    """``max(a, b, ...)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> best = gk.multi(gk.max(exact, fuzzy), name="best")
        >>> best.calculate_output
        'max(exact, fuzzy)'
        >>> r = gk.grade(best, "acute appendicitis", {"answer": "appendicitis"})
        >>> r.sub_rewards["exact"], r.reward == r.sub_rewards["fuzzy"] > 0
        (0.0, True)
    """
    return call("max", first, *rest)


def abs(x: Any) -> Expression:
    """``abs(x)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> gk.abs(fuzzy - 0.5).calculate_output
        'abs(fuzzy - 0.5)'
    """
    return call("abs", x)


def floor(x: Any) -> Expression:
    """``floor(x)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> quarters = gk.multi(gk.floor(4 * fuzzy) / 4, name="quarters")
        >>> quarters.calculate_output
        'floor(4 * fuzzy) / 4'
        >>> gk.grade(quarters, "acute appendicitis", {"answer": "appendicitis"}).reward
        0.75
    """
    return call("floor", x)


def ceil(x: Any) -> Expression:
    """``ceil(x)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> anything = gk.multi(gk.ceil(fuzzy), name="anything")
        >>> gk.grade(anything, "gout", {"answer": "goat"}).reward
        1.0
    """
    return call("ceil", x)


def exp(x: Any) -> Expression:
    """``exp(x)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> gk.exp(fuzzy - 1).calculate_output
        'exp(fuzzy - 1)'
    """
    return call("exp", x)


def sqrt(x: Any) -> Expression:
    """``sqrt(x)`` in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> import math
        >>> root = gk.multi(gk.sqrt(fuzzy), name="root")
        >>> r = gk.grade(root, "acute appendicitis", {"answer": "appendicitis"})
        >>> r.reward == math.sqrt(r.sub_rewards["fuzzy"])
        True
    """
    return call("sqrt", x)


def log(x: Any) -> Expression:
    """``log(x)`` (natural logarithm) in a formula.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> gk.log(1 + fuzzy).calculate_output
        'log(1 + fuzzy)'
    """
    return call("log", x)
