"""Is a multi grader's formula a weighted sum of its keys? Read off the parsed formula.

Used by the verifiers and promptfoo integrations, whose scoring is a weighted sum of named
rewards: a ``multi`` maps onto it exactly only when ``calculate_output`` is linear in the keys
with no constant term, e.g. ``0.85 * fuzzy + 0.15 * exact`` or ``(a + b) / 2``.
"""

from __future__ import annotations

from graderkit._core.formula.evaluation import BinOp, Call, Name, Neg, Node, Number
from graderkit._core.graders.models import MultiGrader

__all__ = ["linear_form", "weighted_sum"]

Linear = tuple[dict[str, float], float]
"""Coefficient per variable, and the constant term."""


def weighted_sum(grader: MultiGrader) -> dict[str, float] | None:
    """The weight of each key when the formula is a weighted sum of keys, else ``None``.

    Keys the formula does not use get weight 0 (they are still graded). A constant term, a
    product of two keys, a function call or a power of a key is not a weighted sum.

    Examples:
        >>> import graderkit as gk
        >>> a = gk.string_check("{{sample.output_text}}", "a", name="a")
        >>> b = gk.string_check("{{sample.output_text}}", "b", name="b")
        >>> weighted_sum(gk.multi({"a": a, "b": b}, "(a + 3 * b) / 4", name="m"))
        {'a': 0.25, 'b': 0.75}
        >>> weighted_sum(gk.multi({"a": a, "b": b}, "max(a, b)", name="m")) is None
        True
    """
    form = linear_form(grader.formula.tree)
    if form is None or form[1] != 0:
        return None
    coefficients = form[0]
    return {key: coefficients.get(key, 0.0) for key in grader.graders}


def linear_form(node: Node) -> Linear | None:
    """``node`` as coefficients and a constant, or ``None`` when it is not linear."""
    if isinstance(node, Number):
        return {}, node.value
    if isinstance(node, Name):
        return {node.name: 1.0}, 0.0
    if isinstance(node, Neg):
        inner = linear_form(node.operand)
        return None if inner is None else _scale(inner, -1.0)
    if isinstance(node, Call):
        return None
    return _binary(node)


def _binary(node: BinOp) -> Linear | None:
    left, right = linear_form(node.left), linear_form(node.right)
    if left is None or right is None:
        return None
    if node.op in ("+", "-"):
        sign = 1.0 if node.op == "+" else -1.0
        coefficients = dict(left[0])
        for key, value in right[0].items():
            coefficients[key] = coefficients.get(key, 0.0) + sign * value
        return coefficients, left[1] + sign * right[1]
    if node.op == "*":
        if not left[0]:
            return _scale(right, left[1])
        return _scale(left, right[1]) if not right[0] else None
    if node.op == "/":
        return _scale(left, 1.0 / right[1]) if not right[0] and right[1] != 0 else None
    return None  # "^": a power is linear only between constants, which no grader writes


def _scale(form: Linear, factor: float) -> Linear:
    return {key: value * factor for key, value in form[0].items()}, form[1] * factor
