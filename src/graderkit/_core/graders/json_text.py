"""Reading grader JSON safely: text or bytes in, plain JSON values out, or one `InvalidGrader`.

Whatever the input, [`from_openai`][graderkit.from_openai] must raise graderkit's own error or
succeed, in time linear in the input. Python's ``json`` module alone does not promise that: it
raises ``RecursionError`` on deep nesting, ``ValueError`` on integers over Python's
4300-digit conversion limit, ``UnicodeDecodeError`` on bytes that are not text, and accepts
``NaN``, ``Infinity`` and ``1e999`` (which no JSON consumer, the service included, takes).
`read_json` closes each of those doors, and `check_shape` bounds the size and nesting of
values given as Python objects.

Pure: no I/O. Imports only the standard library and ``graderkit.errors``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from graderkit.errors import _NO_VALUE, InvalidGrader

__all__ = ["MAX_DEPTH", "MAX_JSON_CHARS", "MAX_NUMBER_DIGITS", "check_shape", "read_json"]

MAX_JSON_CHARS = 16 * 1024 * 1024
"""Largest grader JSON text accepted (16 MiB). A grader is at most a few python sources of
under 256 kB each plus prompts; anything bigger is refused before it is parsed."""

MAX_DEPTH = 64
"""Deepest nesting of objects and arrays accepted. Real graders nest under 10 levels (a
multi, a score_model, its messages, a content part, its audio)."""

MAX_NUMBER_DIGITS = 4300
"""Longest integer literal accepted: Python's own limit for converting digits to an ``int``."""

_ROOT = "<json>"


class _BadNumber(Exception):
    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadNumber(text, f"has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(text, "is too large for a 64-bit float (JSON numbers must be finite)")
    return value


def _parse_constant(text: str) -> Any:
    raise _BadNumber(text, "is not JSON (NaN and Infinity are not numbers in JSON)")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_json(data: str | bytes) -> Any:
    """Parse grader JSON text (``str``, or UTF-8 ``bytes``) into plain Python values.

    Raises:
        InvalidGrader: (grader ``<json>``) the text is too large, is not UTF-8, is not JSON,
            nests deeper than `MAX_DEPTH`, or holds a number no JSON consumer can take.

    Examples:
        >>> read_json(b'{"type": "string_check"}')
        {'type': 'string_check'}
        >>> read_json(b"\\xff{}")
        Traceback (most recent call last):
        ...
        graderkit.errors.InvalidGrader: <json>: is not UTF-8 text: byte 0xff at offset 0 \
(invalid start byte); save the file as UTF-8
    """
    if len(data) > MAX_JSON_CHARS:
        raise InvalidGrader(
            _ROOT,
            "",
            _NO_VALUE,
            f"is {len(data)} {'bytes' if isinstance(data, bytes) else 'characters'} long; grader "
            f"JSON is limited to {MAX_JSON_CHARS} (a python grader's source must be under 256 kB)",
        )
    text = _decode(data) if isinstance(data, bytes) else data
    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except json.JSONDecodeError as exc:
        raise InvalidGrader(
            _ROOT,
            "",
            _NO_VALUE,
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None
    except _BadNumber as exc:
        raise InvalidGrader(_ROOT, "number", _short(exc.text), exc.problem) from None
    except RecursionError:
        raise _too_deep() from None
    check_shape(value)
    return value


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidGrader(
            _ROOT,
            "",
            _NO_VALUE,
            f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"({exc.reason}); save the file as UTF-8",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text  # a byte-order mark is not JSON


def _too_deep() -> InvalidGrader:
    return InvalidGrader(
        _ROOT,
        "",
        _NO_VALUE,
        f"nests objects and arrays more than {MAX_DEPTH} levels deep; a grader needs fewer than 10",
    )


def check_shape(value: Any) -> None:
    """Refuse values nested deeper than `MAX_DEPTH` (cycles included), in linear time.

    Raises:
        InvalidGrader: the value is nested too deeply.

    Examples:
        >>> check_shape({"type": "multi", "graders": {"a": {"type": "python"}}})
        >>> deep: list[object] = []
        >>> for _ in range(100):
        ...     deep = [deep]
        >>> check_shape(deep)
        Traceback (most recent call last):
        ...
        graderkit.errors.InvalidGrader: <json>: nests objects and arrays more than 64 levels deep; \
a grader needs fewer than 10
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children)
