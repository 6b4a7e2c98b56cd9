"""The one rule for item values a JSON item cannot hold (Part A, "non-JSON item values").

An item reaches a local run from a trainer's dataset (a ``datetime`` column from pandas, a
numpy scalar from a Ray batch, a pydantic message from verifiers), not only from JSON. Before
grading, [`json_item`][graderkit._core.datasets.item_values.json_item] converts each value by
this rule, in this order:

| value | becomes |
|---|---|
| ``str``, ``int``, ``float``, ``bool``, ``None`` | itself |
| ``datetime``, ``date``, ``time`` (pandas ``Timestamp`` too) | ``value.isoformat()`` |
| ``decimal.Decimal`` | ``float(value)`` |
| a numpy or pyarrow scalar | the Python value (``.item()`` / ``.as_py()``), then this rule; numpy ``datetime64`` -> its ISO text |
| a numpy array | ``.tolist()``, then this rule |
| ``tuple``, ``list`` | a list, each element by this rule |
| a mapping with ``str`` (or ``int``, as JSON writes them) keys | a dict, each value by this rule |
| an object with ``model_dump()`` (pydantic models, verifiers messages) | ``model_dump()``, then this rule |
| anything else (``set``, ``bytes``, an enum, ...) | [`ItemValueError`][graderkit._core.datasets.item_values.ItemValueError] naming the key |

Callers turn ``ItemValueError`` into that sample's ``sample_parse_error`` flag: a bad value
never raises out of a batch or a trainer's reward call. Values are converted for every grader
kind, so a template renders a timestamp as the ISO text a python grader receives.

Pure: imports nothing but ``decimal`` and ``itertools``; dates and times, numpy and pyarrow
values are recognised by their classes, never imported.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

__all__ = ["ItemValueError", "json_item", "json_items"]

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


class ItemValueError(TypeError):
    """An item value that the non-JSON rule cannot convert; ``path`` names it (``item.when``).

    Examples:
        >>> try:
        ...     json_item({"tags": {"a"}})
        ... except ItemValueError as exc:
        ...     print(exc.path)
        item.tags
    """

    def __init__(self, path: str, value: Any) -> None:
        self.path = path
        super().__init__(
            f"{path} holds a {type(value).__name__} ({_short(value)}), which a JSON item cannot "
            "hold; convert it to a string, number, list or object before grading"
        )


def json_item(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """``item`` with every value converted by the module's rule (``item`` itself when it is
    already plain JSON, so clean rows cost one scan).

    Raises:
        ItemValueError: a value the rule cannot convert.

    Examples:
        >>> import datetime, decimal
        >>> json_item({"at": datetime.date(2026, 1, 6), "price": decimal.Decimal("2.5"),
        ...            "pair": (1, "a")})
        {'at': '2026-01-06', 'price': 2.5, 'pair': [1, 'a']}
        >>> plain = {"answer": "4"}
        >>> json_item(plain) is plain
        True
    """
    if _is_plain(item):
        return item
    return {_key(key, "item"): _value(value, f"item.{key}") for key, value in item.items()}


def json_items(
    items: Sequence[Mapping[str, Any] | None],
) -> tuple[list[Mapping[str, Any] | None], dict[int, str]]:
    """Every item by [`json_item`][graderkit._core.datasets.item_values.json_item] (``None``
    stays ``None``: no item), and ``row -> message`` for the rows it refused (those rows get an
    empty item).

    Examples:
        >>> items, refused = json_items([{"a": (1,)}, {"a": b"x"}])
        >>> items, refused[1][:30]
        ([{'a': [1]}, {}], "item.a holds a bytes (b'x'), w")
    """
    if _all_flat_and_plain(items):
        return items if isinstance(items, list) else list(items), {}
    converted: list[Mapping[str, Any] | None] = []
    refused: dict[int, str] = {}
    for row, item in enumerate(items):
        try:
            converted.append(None if item is None else json_item(item))
        except ItemValueError as exc:
            refused[row] = str(exc)
            converted.append({})
    return converted, refused


def _all_flat_and_plain(items: Sequence[Mapping[str, Any] | None]) -> bool:
    """True when every item is a ``dict`` with ``str`` keys and plain scalar values.

    The common batch (rows read from JSONL, one level deep) is then returned as it is after
    three C-level passes over the types, instead of one Python-level scan per row; any other
    batch (nested values, ``None`` items, foreign types) takes the per-row path.
    """
    if set(map(type, items)) != {dict}:
        return not items  # an empty batch is trivially plain
    dicts: Sequence[dict[str, Any]] = items  # type: ignore[assignment]  # checked just above
    if not set(map(type, chain.from_iterable(dicts))) <= {str}:  # iterating a dict: its keys
        return False
    return set(map(type, chain.from_iterable(map(dict.values, dicts)))) <= _PLAIN_TYPES


def _is_plain(value: Any) -> bool:
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return True
    if kind is dict:
        return all(type(k) is str and _is_plain(v) for k, v in value.items())
    if kind is list:
        return all(_is_plain(v) for v in value)
    return False


def _value(value: Any, path: str) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if _is_date_or_time(value):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {_key(k, path): _value(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    converted = _foreign(value)
    if converted is not _NOTHING:
        return _value(converted, path)
    raise ItemValueError(path, value)


_NOTHING = object()


def _foreign(value: Any) -> Any:
    """The Python value of a numpy/pyarrow value or a pydantic model, else ``_NOTHING``."""
    module = type(value).__module__.partition(".")[0]
    if module == "numpy":
        kind = getattr(getattr(value, "dtype", None), "kind", "")
        if kind in ("m", "V", "O") and not getattr(value, "ndim", 0):
            return _NOTHING  # timedelta, structured and object scalars: no rule
        if kind == "M":  # numpy prints datetime64 as ISO 8601; .item() may give an int
            return str(value) if not value.ndim else list(value)
        return value.tolist() if getattr(value, "ndim", 0) else value.item()
    if module == "pyarrow" and callable(getattr(value, "as_py", None)):
        return value.as_py()
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump()
    return _NOTHING


_DATE_TYPES = frozenset({"date", "datetime", "time"})


def _is_date_or_time(value: Any) -> bool:
    """A ``datetime.date``/``datetime``/``time`` or a subclass (pandas ``Timestamp``), told by
    its classes: the pure core never imports ``datetime``, the clock's module."""
    return any(
        c.__module__ == "datetime" and c.__name__ in _DATE_TYPES for c in type(value).__mro__
    )


def _key(key: Any, path: str) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise ItemValueError(f"{path} (a key)", key)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
