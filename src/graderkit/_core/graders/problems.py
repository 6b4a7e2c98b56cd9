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

from graderkit._core.graders.problem_words import plain_problem
from graderkit.errors import _NO_VALUE, InvalidGrader

__all__ = ["ECHO_FIELDS", "MISPLACED", "build_model", "format_path", "suggest"]

M = TypeVar("M", bound=BaseModel)

ALIASES: dict[str, str] = {"neq": "ne", "!=": "ne", "==": "eq", "equals": "eq"}
"""Common misspellings with an obvious fix, checked before fuzzy suggestions."""


ECHO_FIELDS: frozenset[str] = frozenset(
    {"id", "grdr_id", "created_at", "inactive_at", "modified_at", "created_by", "object"}
)
"""Fields the service adds to a criterion it stores and echoes back (never sent)."""

MISPLACED: dict[str, str] = {
    "image_tag": "belongs to python graders only (Azure's documentation shows it on a "
    "score_model by mistake; no SDK declares it there): remove it",
    "max_rps": "is the service's echo of an endpoint grader's rate_limit: rename it to rate_limit",
    **{
        field: "is added by the service when it stores a criterion (an echo, never sent); "
        "graderkit keeps it as metadata only on a top-level criterion "
        "(grader.service_echo): remove it here"
        for field in ECHO_FIELDS
    },
}
"""Fields that are not part of a grader but are often found in one, with the fix."""


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
        or step
        in {"string_check", "text_similarity", "python", "score_model", "label_model", "endpoint"}
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
        known = MISPLACED.get(str(err["loc"][-1])) if err["loc"] else None
        return value, known or "is not a field of this grader; remove it or check its spelling"
    if kind == "value_error":
        return value, str(ctx.get("error", err["msg"]))
    if kind == "union_tag_invalid":
        return ctx.get(
            "tag", value
        ), f"is not a known type; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return _NO_VALUE, f"needs a 'type' discriminator ({ctx.get('expected_tags')})"
    plain = plain_problem(err)
    if plain is not None:
        return value, plain
    return value, "is invalid: " + err["msg"][0].lower() + err["msg"][1:]


SHAPES: dict[str, str] = {
    "range": "must be [min, max], two numbers with min < max, e.g. [0, 1]",
    "rate_limit": "must be a positive integer (requests per second), e.g. 50",
    "content": "must be a string, a content part or a list of strings and content parts",
    "content[]": "must be a plain string or a content part: an object with 'type' one of "
    "'input_text', 'output_text', 'input_image', 'input_audio' (e.g. "
    '{"type": "input_text", "text": "..."})',
}
"""What a field must look like, for errors pydantic words in its own terms (``range=[]``)."""
_SHAPE_KINDS = frozenset(
    {"missing", "too_short", "too_long", "tuple_type", "list_type", "int_type", "int_parsing",
     "greater_than", "float_type", "model_attributes_type", "model_type", "dict_type",
     "union_tag_not_found", "string_type", "bool_type"}
)  # fmt: skip


def _shape(steps: list[str | int], kind: str) -> tuple[list[str | int], str] | None:
    """The [`SHAPES`][graderkit._core.graders.problems.SHAPES] entry for an error, with the
    path it is about (``range[1]`` -> ``range``), if any."""
    if kind not in _SHAPE_KINDS or not steps:
        return None
    last = steps[-1]
    if isinstance(last, int) and len(steps) > 1 and steps[-2] == "content":
        return steps, SHAPES["content[]"]
    named = [i for i, step in enumerate(steps) if isinstance(step, str)]
    if not named:
        return None
    at = named[-1]
    if steps[at] == "range" or (at == len(steps) - 1 and kind != "missing"):
        text = SHAPES.get(str(steps[at]))
        return (steps[: at + 1], text) if text else None
    return None


def _value_at(data: Any, steps: list[str | int]) -> Any:
    node = data
    for step in steps:
        if not _has_step(node, step):
            return _NO_VALUE
        node = node[step]
    return node


def _best(errors: list[Any]) -> Any:
    # Unions report one error per branch: the deepest location is the most specific one.
    return max(errors, key=lambda e: (len(e["loc"]), e["type"] != "string_type"))


def _join(path: str, field: str) -> str:
    """A validator's own field: ``.role`` or ``[2]`` is relative to where it ran, anything
    else stands for the whole path when pydantic gave none."""
    if field.startswith("["):
        return path + field
    if field.startswith("."):
        return path + field if path else field[1:]
    return path or field


def build_model(cls: type[M], data: Mapping[str, Any], *, label: str, prefix: str = "") -> M:
    """Validate ``data`` into ``cls``; on failure raise one InvalidGrader naming the path."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = _best(errors)
        steps = _clean_loc(err["loc"], data)
        path = format_path([*([prefix] if prefix else []), *steps])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidGrader):  # a template or formula error from a validator
            raise type(cause)(label, _join(path, cause.field), cause.value, cause.problem) from None
        shape = _shape(steps, err["type"])
        if shape is not None:
            where, text = shape
            field = format_path([*([prefix] if prefix else []), *where])
            raise InvalidGrader(label, field, _value_at(data, where), text) from None
        value, problem = _problem(err)
        raise InvalidGrader(label, path, value, problem) from None
