"""Plain words for pydantic's type errors: what the field must be, with an example.

pydantic words a failed field in its own terms ("input should be a valid tuple", "tuple should
have at least 1 item after validation"); [`problems`][graderkit._core.graders.problems] asks
`plain_problem` first and falls back to pydantic's text only for errors named nowhere here.

Pure: imports only the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["plain_problem"]

WHAT: dict[str, str] = {
    "input": 'a non-empty list of messages, e.g. [{"role": "user", "content": "..."}]',
    "labels": 'a non-empty list of distinct strings, e.g. ["correct", "incorrect"]',
    "passing_labels": "a non-empty list of strings taken from labels",
    "graders": 'a map of key -> grader with at least one entry, e.g. {"exact": {...}}',
    "model": "a model name, e.g. 'gpt-4.1-mini-2025-04-16'",
    "name": "a non-empty string",
    "calculate_output": "a formula over the graders' keys, e.g. '(a + b) / 2'",
    "source": "the Python source text defining grade(sample, item)",
    "headers": "a map of header name -> string value",
}
"""Field name -> what its value must be, for shape errors on that field."""

INTEGERS = frozenset({"seed", "max_completions_tokens", "max_tokens", "rate_limit"})
"""Numeric fields that take whole numbers only; every other numeric field takes any number."""

_NUMBER_KINDS = frozenset(
    {"int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"}
)
_SHAPE_KINDS = frozenset(
    {"too_short", "too_long", "tuple_type", "list_type", "dict_type", "string_type",
     "string_too_short", "model_type", "model_attributes_type"}
)  # fmt: skip


def _field(loc: tuple[Any, ...]) -> tuple[str, bool]:
    """The last named field of ``loc`` and whether the error is about one item of it."""
    for index in range(len(loc) - 1, -1, -1):
        if isinstance(loc[index], str) and not loc[index].startswith(("function-", "json-")):
            return loc[index], index != len(loc) - 1
    return "", False


def _type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "an object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def plain_problem(err: Mapping[str, Any]) -> str | None:
    """What the field named by a pydantic error must be, or ``None`` to keep pydantic's words.

    Examples:
        >>> plain_problem({"type": "int_type", "loc": ("pass_threshold",), "input": "0.5"})
        'must be a number, e.g. 0.5, not a string'
        >>> plain_problem({"type": "too_short", "loc": ("labels",), "input": []})
        'must be a non-empty list of distinct strings, e.g. ["correct", "incorrect"]'
    """
    kind, value = err["type"], err.get("input")
    field, item = _field(tuple(err.get("loc", ())))
    ctx = err.get("ctx") or {}
    if kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
        return "must be a finite number (JSON has no NaN or infinity)"
    if kind in _NUMBER_KINDS:
        if field in INTEGERS:
            return f"must be a whole number, e.g. 42, not {_type_name(value)}"
        return f"must be a number, e.g. 0.5, not {_type_name(value)}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    if kind not in _SHAPE_KINDS:
        return None
    if kind == "string_type":  # a str field (input/reference of string_check are templates)
        return f"must be a string, not {_type_name(value)}"
    if item or field not in WHAT:
        return None
    return f"must be {WHAT[field]}"
