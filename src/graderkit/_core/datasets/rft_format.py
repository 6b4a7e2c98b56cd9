"""The RFT file format, row by row (Part B 8.1 of the spec): one place for these rules.

[DOC] unless marked: ``messages`` is required, a non-empty list of messages whose roles are
``developer``, ``user``, ``assistant`` or ``tool`` (``system`` is not in the union); content is
text or images (no audio, no files); ``messages`` and ``tools`` are the reserved keys, and
``tools`` is a list of Chat Completions function tools; a training file holds at most 50,000
rows, a validation or test file at most 1,000. "The final message must be from the user" is an
Azure rule [AZ], reported as a warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

__all__ = ["CONTENT_PARTS", "RFT_ROLES", "SPLIT_LIMITS", "Level", "rft_problems"]

Level = Literal["error", "warning"]

RFT_ROLES = frozenset({"developer", "user", "assistant", "tool"})
"""Message roles an RFT row may use [DOC]; ``system`` is not among them."""

SPLIT_LIMITS: dict[str, int] = {"train": 50_000, "validation": 1_000, "test": 1_000}
"""Most rows an RFT file of each split may have [DOC]."""

CONTENT_PARTS = frozenset({"text", "image_url"})
"""Content part types an RFT message may hold: text and images only [DOC]."""


def rft_problems(row: Mapping[str, Any]) -> Iterator[tuple[Level, str, str]]:
    """The RFT format problems of one row: ``(level, code, message)``.

    Examples:
        >>> list(rft_problems({"messages": []}))
        [('error', 'empty_messages', "'messages' is empty (an RFT row needs at least one message)")]
    """
    messages = row.get("messages")
    if messages is None:
        yield "error", "no_messages", "no 'messages' (required in an RFT row)"
    elif not isinstance(messages, list):
        yield "error", "bad_messages", "'messages' is not a list (it is a reserved key)"
    elif not messages:
        yield (
            "error",
            "empty_messages",
            "'messages' is empty (an RFT row needs at least one message)",
        )
    else:
        for message in messages:
            yield from _message_problems(message)
        last = messages[-1]
        if isinstance(last, Mapping) and last.get("role") != "user":
            yield (
                "warning",
                "last_not_user",
                "the final message should be from the user (Azure rule)",
            )
    if "tools" in row and not _is_tool_list(row["tools"]):
        yield "error", "bad_tools", "'tools' is not a list of function tools (it is a reserved key)"


def _message_problems(message: Any) -> Iterator[tuple[Level, str, str]]:
    if not isinstance(message, Mapping):
        yield "error", "bad_message", "a message is not an object"
        return
    role = message.get("role")
    if role == "system":
        yield "error", "system_role", "role 'system' is not allowed in an RFT file; use 'developer'"
    elif role not in RFT_ROLES:
        yield "error", "bad_role", f"role {role!r} is not one of developer, user, assistant, tool"
    content = message.get("content")
    if isinstance(content, list):
        for part in content:
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind in ("input_audio", "file"):
                yield "error", "bad_content", f"a {kind!r} part: RFT takes text and images only"
            elif kind not in CONTENT_PARTS:
                yield "error", "bad_content", f"content part type {kind!r} is not text or image_url"
    elif content is not None and not isinstance(content, str):
        yield "error", "bad_content", "message content is neither text nor a list of parts"


def _is_tool_list(tools: Any) -> bool:
    if not isinstance(tools, list):
        return False
    for tool in tools:
        if not isinstance(tool, Mapping) or tool.get("type") != "function":
            return False
        function = tool.get("function")
        if not isinstance(function, Mapping):
            return False
        if not isinstance(function.get("name"), str):
            return False
    return True
