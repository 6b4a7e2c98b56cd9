"""Trainer completions as graderkit samples: plain text or chat messages, and dataset columns.

Shared by the TRL and verifiers integrations. A completion is either a string (standard
format) or a list of chat messages (conversational format); the sample is built from the
last assistant message, as the service builds a sample from the model's reply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from graderkit._core.templating.sample import SampleLike, sample_from_text

__all__ = ["completion_sample", "message_text", "row_items"]


def completion_sample(completion: Any) -> SampleLike:
    """The sample for one completion.

    A string is the sample text (``output_json`` is parsed from it as the service does). A
    list of messages gives the last assistant message's text as ``output_text`` and its
    ``tool_calls`` as ``output_tools`` (arguments as JSON strings, as in Chat Completions).

    Examples:
        >>> completion_sample("Paris")
        'Paris'
        >>> completion_sample([{"role": "assistant", "content": "Paris"}])["output_text"]
        'Paris'
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        completion = [completion]
    if not isinstance(completion, Sequence):
        raise TypeError(f"a completion must be a string or a list of messages, not {completion!r}")
    messages = [m for m in completion if isinstance(m, Mapping)]
    replies = [m for m in messages if m.get("role", "assistant") == "assistant"]
    last = replies[-1] if replies else {}
    sample = sample_from_text(message_text(last.get("content")))
    sample["output_tools"] = [_tool_call(call) for call in last.get("tool_calls") or []]
    return sample


def message_text(content: Any) -> str:
    """A message's text: a string as is, the ``text`` parts of a list joined, else ``""``."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = [p.get("text") for p in content if isinstance(p, Mapping)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def _tool_call(call: Any) -> Any:
    if not isinstance(call, Mapping):
        return call
    function = call.get("function")
    if isinstance(function, Mapping) and not isinstance(function.get("arguments", ""), str):
        function = {**function, "arguments": json.dumps(function["arguments"])}
        return {"type": "function", **call, "function": function}
    return {"type": "function", **call}


def row_items(
    n: int, columns: Mapping[str, Any], *, skip: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """One item per row from column-wise keyword arguments (each a sequence of length ``n``).

    Arguments that are not per-row sequences (trainer state, callbacks) and names in ``skip``
    are left out.
    """
    per_row = {
        key: value
        for key, value in columns.items()
        if key not in skip
        and isinstance(value, Sequence)
        and not isinstance(value, (str, bytes))
        and len(value) == n
    }
    return [{key: value[i] for key, value in per_row.items()} for i in range(n)]
