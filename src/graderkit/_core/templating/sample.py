"""Samples: what the model produced, as the grader's ``{{ sample.* }}`` namespace sees it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["SAMPLE_KEYS", "SampleLike", "output_audio", "sample_from_text", "to_sample"]

SampleLike = str | Mapping[str, Any]
"""A model sample: a plain string (as ``graders/run``'s ``model_sample``) or a structured one."""

SAMPLE_KEYS: tuple[str, ...] = ("output_text", "output_json", "output_tools", "choices")
"""Keys every sample has (structured samples may carry more: ``output_audio`` when the model
answered with audio, see [`output_audio`][graderkit._core.templating.sample.output_audio])."""

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
            out = {**base, "output_tools": [], "choices": [], **value}
        else:
            out = {"output_text": "", "output_json": None, "output_tools": [], "choices": [],
                   **value}  # fmt: skip
        if "output_audio" in out or out["choices"]:
            audio = output_audio(out)
            out.pop("output_audio", None)
            if audio is not None:
                out["output_audio"] = audio
        return out
    raise TypeError(f"a sample must be a string or a mapping, not {type(value).__name__}")


def output_audio(sample: Mapping[str, Any]) -> dict[str, Any] | None:
    """``sample.output_audio``: ``{data, transcript}`` when the sample has audio, else ``None``
    (the variable is then missing).

    Parity [DOC]: the guide documents ``output_audio`` as ``{data (base64), transcript}``.
    graderkit takes it from the sample's own ``output_audio`` (keeping those two keys, so a
    chat-completions audio object ``{id, data, expires_at, transcript}`` fits), else from
    ``choices[0].message.audio`` [INF]; a text sample has none.

    Examples:
        >>> output_audio({"output_audio": {"id": "a1", "data": "UklGRg==", "transcript": "hi"}})
        {'data': 'UklGRg==', 'transcript': 'hi'}
        >>> output_audio({"choices": [{"message": {"audio": {"data": "AA==", "transcript": "x"}}}]})
        {'data': 'AA==', 'transcript': 'x'}
        >>> output_audio({"output_text": "no audio"}) is None
        True
    """
    audio = sample.get("output_audio")
    if audio is None:
        choices = sample.get("choices")
        first = choices[0] if isinstance(choices, (list, tuple)) and choices else None
        message = first.get("message") if isinstance(first, Mapping) else None
        audio = message.get("audio") if isinstance(message, Mapping) else None
    if not isinstance(audio, Mapping):
        return None
    return {key: audio.get(key) for key in ("data", "transcript")}
