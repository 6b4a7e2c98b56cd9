"""Samples: what the model produced, as the grader's ``{{ sample.* }}`` namespace sees it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["SAMPLE_KEYS", "SampleLike", "sample_from_text", "to_sample"]

SampleLike = str | Mapping[str, Any]
"""A model sample: a plain string (as ``graders/run``'s ``model_sample``) or a structured one."""

SAMPLE_KEYS: tuple[str, ...] = ("output_text", "output_json", "output_tools", "choices")
"""Keys every sample has (structured samples may carry more, e.g. ``output_audio``)."""

_JSON_STARTS = frozenset("{[")


def sample_from_text(text: str) -> dict[str, Any]:
    """Build the sample the service builds from a plain ``model_sample`` string.

    Parity [DOC+INF]: ``output_text`` is the string; ``output_json`` is ``json.loads(text)``
    when that succeeds and gives an object or an array, else ``None``; ``output_tools`` and
    ``choices`` are empty lists.

    Examples:
        >>> sample_from_text('{"name": "Ada"}')["output_json"]
        {'name': 'Ada'}
        >>> sample_from_text("0.9")["output_json"] is None
        True
    """
    parsed: Any = None
    stripped = text.lstrip()
    if stripped[:1] in _JSON_STARTS:  # only objects and arrays count, so skip the rest cheaply
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return {"output_text": text, "output_json": parsed, "output_tools": [], "choices": []}


def to_sample(value: SampleLike) -> dict[str, Any]:
    """A sample dict from a string or a mapping; a mapping gets the missing standard keys.

    Raises:
        TypeError: for anything else (the runner reports it as ``sample_parse_error``).
    """
    if isinstance(value, str):
        return sample_from_text(value)
    if isinstance(value, Mapping):
        if "output_text" in value and "output_json" not in value:
            text = value["output_text"]
            base = sample_from_text(text) if isinstance(text, str) else {}
            return {**base, "output_tools": [], "choices": [], **value}
        return {"output_text": "", "output_json": None, "output_tools": [], "choices": [], **value}
    raise TypeError(f"a sample must be a string or a mapping, not {type(value).__name__}")
