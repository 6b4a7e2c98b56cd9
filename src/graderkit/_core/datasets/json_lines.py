"""Parsing JSON text that a user wrote: every failure is a ``ValueError`` with a short reason.

``json.loads`` fails in three ways on user files: ``JSONDecodeError`` for text that is not JSON,
``RecursionError`` for arrays or objects nested deeper than the interpreter's recursion limit,
and a plain ``ValueError`` for an integer of more than 4,300 digits (CPython's guard against
quadratic conversions). Every JSONL line graderkit reads (items, predictions, golden and
results files, ``--item`` arguments) goes through
[`parse_json`][graderkit._core.datasets.json_lines.parse_json], so each reports the same way;
grader and eval JSON (``from_openai``, ``load_eval``) catch the same three failures. Pure.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["parse_json"]


def parse_json(text: str | bytes) -> Any:
    """The value of a JSON text (bytes must be UTF-8; a leading byte order mark is dropped).

    Raises:
        ValueError: with a short reason (not UTF-8, not JSON, too deep, a number too long).

    Examples:
        >>> parse_json('{"id": 1}')
        {'id': 1}
        >>> parse_json(b"\\xff{}")
        Traceback (most recent call last):
        ValueError: not UTF-8 text (byte 0xff at column 1); save the file as UTF-8
        >>> parse_json("[" * 100_000)
        Traceback (most recent call last):
        ValueError: nested too deeply (more than ... levels of [ and {)
        >>> parse_json('{"n": ' + "9" * 5000 + "}")
        Traceback (most recent call last):
        ValueError: a number too long to read (value has 5000 digits); write it as a string
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"not UTF-8 text (byte 0x{text[exc.start]:02x} at column {exc.start + 1}); "
                "save the file as UTF-8"
            ) from None
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        limit = sys.getrecursionlimit()
        raise ValueError(f"nested too deeply (more than {limit} levels of [ and {{)") from None
    except ValueError as exc:  # the int digits limit (CVE-2020-10735)
        reason = str(exc).split(";")[0].split(": ")[-1]
        raise ValueError(f"a number too long to read ({reason}); write it as a string") from None
