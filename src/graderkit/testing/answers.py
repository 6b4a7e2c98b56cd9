"""The answers a test needs from a dataset: the gold answer, the question, a wrong answer.

Checks and probes work on plain dataset rows. These functions find, in each row, what the
grader treats as the gold answer and what the model was asked, and make a plausible wrong
answer by borrowing another row's gold answer.

Examples:
    >>> import graderkit as gk
    >>> g = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> rows = [{"id": 1, "answer": "paris"}, {"id": 2, "answer": "lima"}]
    >>> gold_key(g, rows)
    'answer'
    >>> borrowed_answers(["paris", "lima", "paris"])
    ['lima', 'paris', 'lima']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from graderkit._core.graders.models import GraderBase, MultiGrader, PythonGrader

__all__ = [
    "GOLD_KEYS",
    "borrowed_answers",
    "gold_key",
    "item_id",
    "python_item_keys",
    "question_of",
]

GOLD_KEYS = ("reference_answer", "reference", "answer", "gold", "expected", "ground_truth")
"""Item keys tried, in order, when the grader itself does not say which key is the gold."""

_PY_ITEM_KEY = re.compile(r"""\bitem\s*(\[|\.get\()\s*(['"])([^'"]+)\2""")
_QUESTION_KEYS = ("question", "prompt", "input", "query")


def item_id(item: Mapping[str, Any], index: int, key: str = "id") -> str:
    """How reports name a row: its ``key`` value, else ``#index`` (0-based)."""
    value = item.get(key)
    return f"#{index}" if value is None else str(value)


def _grader_item_keys(grader: GraderBase) -> list[str]:
    """Top-level item keys the grader reads: template variables, then python ``item["k"]``."""
    keys = [str(v.path[0]) for v in grader.variables() if v.namespace == "item" and v.path]
    children = grader.graders.values() if isinstance(grader, MultiGrader) else [grader]
    for child in children:
        if isinstance(child, PythonGrader):
            keys += [m.group(3) for m in _PY_ITEM_KEY.finditer(child.source)]
    return list(dict.fromkeys(keys))


def python_item_keys(grader: GraderBase) -> list[str]:
    r"""Keys a python grader (or a multi's python children) reads as ``item["KEY"]``: a row
    without one makes the grader raise. ``item.get("KEY")`` is not listed (it has a default).

    Examples:
        >>> import graderkit as gk
        >>> source = "def grade(sample, item):\n    return float(item['gold'] == 1)\n"
        >>> python_item_keys(gk.python_grader(source, name="g"))
        ['gold']
    """
    children = grader.graders.values() if isinstance(grader, MultiGrader) else [grader]
    keys = [
        m.group(3)
        for child in children
        if isinstance(child, PythonGrader)
        for m in _PY_ITEM_KEY.finditer(child.source)
        if m.group(1) == "["
    ]
    return list(dict.fromkeys(keys))


def gold_key(
    grader: GraderBase, items: Sequence[Mapping[str, Any]], *, every_row: bool = True
) -> str:
    """The item key holding the gold answer.

    The rule: the first top-level key the grader reads (``{{ item.KEY }}`` in a template, or
    ``item["KEY"]`` / ``item.get("KEY")`` in a python grader's source) whose value is a string
    in every row; else the first of `GOLD_KEYS` that is a string in every row. With
    ``every_row=False``, a string in some row is enough.

    Raises:
        ValueError: when no key qualifies; pass ``gold=`` explicitly.
    """
    candidates = [*_grader_item_keys(grader), *GOLD_KEYS]
    for key in dict.fromkeys(candidates):
        found = [isinstance(row.get(key), str) for row in items]
        if found and (all(found) if every_row else any(found)):
            return key
    read = _grader_item_keys(grader)
    raise ValueError(
        f"cannot tell which item key holds the gold answer of {grader.label}: the grader reads "
        f"{read or 'no item key'} and no key of {list(GOLD_KEYS)} is a string in every row; "
        "pass gold='<key>'"
    )


def question_of(item: Mapping[str, Any]) -> str | None:
    """What the model was asked: the last user message of ``messages``, else ``question``-like
    keys (``question``, ``prompt``, ``input``, ``query``); ``None`` when there is none.

    Examples:
        >>> question_of({"messages": [{"role": "user", "content": "2+2?"}]})
        '2+2?'
    """
    messages = item.get("messages")
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, Mapping) and message.get("role") == "user":
                return _content_text(message.get("content"))
    for key in _QUESTION_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return None


def _content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, Mapping)]
        return " ".join(t for t in texts if isinstance(t, str)) or None
    return None


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def borrowed_answers(golds: Sequence[str], *, tries: int = 50) -> list[str]:
    """A wrong answer for each row: the gold of a later row (wrapping around) that shares no
    word with this row's gold, else the first that differs; ``""`` when every gold is equal."""
    n = len(golds)
    out: list[str] = []
    for i, gold in enumerate(golds):
        own = _words(gold)
        others = [golds[(i + k) % n] for k in range(1, min(n, tries + 1))]
        different = [g for g in others if g.strip().casefold() != gold.strip().casefold()]
        disjoint = [g for g in different if not (_words(g) & own)]
        out.append((disjoint or different or [""])[0])
    return out
