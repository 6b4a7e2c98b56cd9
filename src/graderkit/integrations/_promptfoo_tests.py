"""Items as promptfoo test cases whose ``vars`` render as graderkit renders the item.

promptfoo reads ``vars`` as JavaScript values: one number type (``4.0`` arrives as ``4``),
``true``/``false``, no ``null`` at all (its schema rejects it), and Nunjucks prints a list as
``a,b``. graderkit renders a non-string value with Python's ``str`` (``4.0``, ``True``,
``None``, ``['a', 'b']``). [`promptfoo_tests`][graderkit.integrations._promptfoo_tests.promptfoo_tests]
writes each value a template of the grader reads as graderkit's text of it, and, when there are
python assertions, the exact item as JSON text in the var ``graderkit_item``, which the
generated ``get_assert`` reads instead of the vars. Pure: no I/O.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graderkit._core.templating.template import to_text
from graderkit.errors import InvalidGrader

__all__ = ["EXACT_ITEM_VAR", "promptfoo_tests"]

EXACT_ITEM_VAR = "graderkit_item"
"""The var holding the item as JSON text, for python assertions."""

Path = tuple[str | int, ...]


def promptfoo_tests(
    items: Iterable[Mapping[str, Any]], item_paths: Sequence[Path], *, exact_item: bool, grader: str
) -> list[dict[str, Any]]:
    """One promptfoo test per item: ``{"vars": ...}``.

    Args:
        items: the dataset rows (JSON values).
        item_paths: the item paths the assertions' templates read.
        exact_item: add ``graderkit_item`` (the item as JSON text) for python assertions.
        grader: the grader's label, for errors.

    Raises:
        InvalidGrader: when an item already has a ``graderkit_item`` key.

    Examples:
        >>> promptfoo_tests([{"n": 4.0, "ok": True, "gone": None, "s": "x"}], [("n",), ("ok",)],
        ...                 exact_item=False, grader="g")
        [{'vars': {'n': '4.0', 'ok': 'True', 's': 'x'}}]
    """
    return [
        {"vars": _vars(item, item_paths, exact_item, grader, index)}
        for index, item in enumerate(items)
    ]


def _vars(
    item: Mapping[str, Any], paths: Sequence[Path], exact_item: bool, grader: str, index: int
) -> dict[str, Any]:
    if EXACT_ITEM_VAR in item:
        raise InvalidGrader(grader, f"items[{index}].{EXACT_ITEM_VAR}", item[EXACT_ITEM_VAR],
                            "is a name the promptfoo export reserves; rename the column")  # fmt: skip
    out = copy.deepcopy(dict(item))
    for path in paths:
        if any(other[: len(path)] == path and other != path for other in paths):
            continue  # a deeper path is read too: keep the container
        found, value = _lookup(item, path)
        if found and not isinstance(value, str):
            _assign(out, path, to_text(value))
    out = {key: value for key, value in out.items() if value is not None}
    if exact_item:
        out[EXACT_ITEM_VAR] = json.dumps(item, ensure_ascii=False)
    return out


def _lookup(value: Any, path: Path) -> tuple[bool, Any]:
    for step in path:
        found = (
            step in value
            if isinstance(value, Mapping)
            else isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        )
        if not found:
            return False, None
        value = value[step]
    return True, value


def _assign(target: Any, path: Path, text: str) -> None:
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
