"""Trainer completions as graderkit samples: plain text or chat messages, and dataset columns.

Shared by the trainer integrations (TRL, verifiers, veRL, OpenRLHF). A completion is either a string (standard
format) or a list of chat messages (conversational format); the sample is built from the
last assistant message, as the service builds a sample from the model's reply.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.templating.sample import SampleLike, sample_from_text
from graderkit.errors import GraderkitWarning

__all__ = ["MissingColumns", "completion_sample", "item_columns", "message_text", "row_items"]


def completion_sample(completion: Any) -> SampleLike:
    """The sample for one completion.

    A string is the sample text (``output_json`` is parsed from it as the service does). A
    list of messages gives the last assistant message's text as ``output_text`` and its
    ``tool_calls`` as ``output_tools`` (arguments as JSON strings, as in Chat Completions).
    Messages may be mappings or pydantic models (verifiers' own message objects), read by
    ``model_dump()``; verifiers' flat tool calls (``id``, ``name``, ``arguments``) become
    Chat Completions' ``{"type": "function", "function": {...}}``.

    Examples:
        >>> completion_sample("Paris")
        'Paris'
        >>> completion_sample([{"role": "assistant", "content": "Paris"}])["output_text"]
        'Paris'
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping) or _is_model(completion):
        completion = [completion]
    if not isinstance(completion, Sequence):
        raise TypeError(f"a completion must be a string or a list of messages, not {completion!r}")
    messages = [m for m in map(_message, completion) if m is not None]
    replies = [m for m in messages if m.get("role", "assistant") == "assistant"]
    last = replies[-1] if replies else {}
    sample = sample_from_text(message_text(last.get("content")))
    sample["output_tools"] = [_tool_call(call) for call in last.get("tool_calls") or []]
    return sample


def _is_model(value: Any) -> bool:
    return callable(getattr(value, "model_dump", None)) and not isinstance(value, type)


def _message(message: Any) -> Mapping[str, Any] | None:
    """A message as a mapping: a mapping as is, a pydantic message (verifiers' own
    ``AssistantMessage`` and friends) by ``model_dump()``, anything else ``None``."""
    if isinstance(message, Mapping):
        return message
    if _is_model(message):
        dumped = message.model_dump()
        return dumped if isinstance(dumped, Mapping) else None
    return None


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
    if "function" not in call and "name" in call:  # verifiers' flat ToolCall(id, name, arguments)
        function = {"name": call["name"], "arguments": call.get("arguments", "")}
        call = {"id": call.get("id"), "type": "function", "function": function}
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


def item_columns(grader: GraderBase) -> frozenset[str]:
    """The top-level item keys a grader's templates read (``{{ item.answer }}`` -> ``answer``).

    A python grader's reads are not known before it runs, so it contributes none.

    Examples:
        >>> import graderkit as gk
        >>> item_columns(gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="e"))
        frozenset({'answer'})
    """
    return frozenset(
        var.path[0]
        for var in grader.variables()
        if var.namespace == "item" and var.path and isinstance(var.path[0], str)
    )


class MissingColumns:
    """Warns once per key when a grader reads an item key the trainer's rows do not have.

    Without the warning, such a grader gives every sample ``invalid_variable_error`` and reward
    0, which a trainer logs as a plain 0.
    """

    def __init__(self, grader: GraderBase, trainer: str) -> None:
        self.label = grader.label
        self.trainer = trainer
        self.wanted = item_columns(grader)
        self.warned: set[str] = set()

    def check(self, present: Collection[str]) -> None:
        """Warn for each wanted key not in ``present`` that was not warned about yet."""
        missing = sorted(self.wanted.difference(present, self.warned))
        for key in missing:
            self.warned.add(key)
            warnings.warn(
                f"{self.label} reads {{{{ item.{key} }}}}, but {self.trainer} passed no {key!r} "
                f"(it passed: {', '.join(sorted(present)) or 'nothing'}); every sample gets "
                "invalid_variable_error and reward 0 until the dataset has that column",
                GraderkitWarning,
                stacklevel=3,
            )
