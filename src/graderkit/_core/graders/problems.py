"""Turn pydantic's validation errors into one precise [`InvalidGrader`][graderkit.InvalidGrader].

The message names the grader, the field (a JSON path such as ``graders.clinical.operation``),
the bad value, what was expected and, where obvious, the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from graderkit.errors import _NO_VALUE, InvalidGrader

__all__ = ["build_model", "format_path", "suggest"]

M = TypeVar("M", bound=BaseModel)

ALIASES: dict[str, str] = {"neq": "ne", "!=": "ne", "==": "eq", "equals": "eq"}
"""Common misspellings with an obvious fix, checked before fuzzy suggestions."""


def suggest(value: object, allowed: Iterable[str]) -> str:
    """``"; did you mean 'ne'?"`` for the closest allowed value, or ``""``."""
    options = list(allowed)
    if not isinstance(value, str):
        return ""
    alias = ALIASES.get(value)
    if alias in options:
        return f"; did you mean {alias!r}?"
    match = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not match:
        match = [o for o in options if o.lower() == value.lower()]
    return f"; did you mean {match[0]!r}?" if match else ""


def format_path(loc: Iterable[str | int]) -> str:
    """``("graders", "a", "input", 0, "content")`` -> ``graders.a.input[0].content``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _clean_loc(loc: tuple[str | int, ...], data: Any) -> list[str | int]:
    """Drop pydantic's union-branch labels, keeping only steps that exist in the input."""
    path: list[str | int] = []
    node = data
    for step in loc:
        if _has_step(node, step):
            path.append(step)
            node = node[step]
        elif isinstance(step, str) and isinstance(node, Mapping) and not _is_branch(step):
            path.append(step)  # a missing required field
            node = None
    return path


def _has_step(node: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(node, (list, tuple)) and 0 <= step < len(node)
    return isinstance(node, Mapping) and step in node


def _is_branch(step: str) -> bool:
    return (
        "[" in step
        or step in {"str", "int", "float", "bool", "tuple", "list", "dict", "none"}
        or step.startswith(("input_", "output_"))
        or step in {"string_check", "text_similarity", "python", "score_model", "label_model"}
    )


def _problem(err: Mapping[str, Any]) -> tuple[Any, str]:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input", _NO_VALUE)
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        listed = ", ".join(repr(a) for a in allowed)
        return value, f"is not one of {listed}{suggest(value, allowed)}"
    if kind == "missing":
        return _NO_VALUE, "is required but missing"
    if kind == "extra_forbidden":
        return value, "is not a field of this grader; remove it or check its spelling"
    if kind == "value_error":
        return value, str(ctx.get("error", err["msg"]))
    if kind == "union_tag_invalid":
        return ctx.get(
            "tag", value
        ), f"is not a known type; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return _NO_VALUE, f"needs a 'type' discriminator ({ctx.get('expected_tags')})"
    return value, "is invalid: " + err["msg"][0].lower() + err["msg"][1:]


def _best(errors: list[Any]) -> Any:
    # Unions report one error per branch: the deepest location is the most specific one.
    return max(errors, key=lambda e: (len(e["loc"]), e["type"] != "string_type"))


def build_model(cls: type[M], data: Mapping[str, Any], *, label: str, prefix: str = "") -> M:
    """Validate ``data`` into ``cls``; on failure raise one InvalidGrader naming the path."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = _best(errors)
        path = format_path([*([prefix] if prefix else []), *_clean_loc(err["loc"], data)])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidGrader):  # a template or formula error from a validator
            raise type(cause)(label, path or cause.field, cause.value, cause.problem) from None
        value, problem = _problem(err)
        raise InvalidGrader(label, path, value, problem) from None
