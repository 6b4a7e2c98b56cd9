"""The non-JSON item value rule: each conversion, the refusals, and grade/grade_many using it.

pandas and pyarrow values: tests/integrations/test_dataframe_item_values.py (they need the extras).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
from typing import Any

import numpy as np
import pydantic
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.datasets.item_values import ItemValueError, json_item, json_items


class Message(pydantic.BaseModel):
    role: str
    content: str
    sent: datetime.datetime | None = None


class Colour(enum.Enum):
    RED = 1


WHEN = datetime.datetime(2026, 1, 6, 9, 30, tzinfo=datetime.timezone.utc)

CONVERTED = [
    ("datetime", WHEN, "2026-01-06T09:30:00+00:00"),
    ("date", datetime.date(2026, 1, 6), "2026-01-06"),
    ("time", datetime.time(9, 30), "09:30:00"),
    ("Decimal", decimal.Decimal("2.50"), 2.5),
    ("tuple", (1, "a", (2,)), [1, "a", [2]]),
    ("numpy int", np.int64(7), 7),
    ("numpy float", np.float32(0.5), 0.5),
    ("numpy bool", np.bool_(True), True),
    ("numpy datetime64", np.datetime64("2026-01-06T09:30:00"), "2026-01-06T09:30:00"),
    ("numpy array", np.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]]),
    ("pydantic", Message(role="user", content="hi", sent=WHEN),
     {"role": "user", "content": "hi", "sent": "2026-01-06T09:30:00+00:00"}),
    ("int keys", {1: "a"}, {"1": "a"}),
    ("nested", {"rows": [{"at": datetime.date(2026, 1, 6)}]}, {"rows": [{"at": "2026-01-06"}]}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in CONVERTED], ids=[c[0] for c in CONVERTED]
)
def test_each_kind_converts_to_json(value: Any, expected: Any) -> None:
    got = json_item({"v": value})
    assert got == {"v": expected}
    assert json.loads(json.dumps(got)) == got


REFUSED = [
    ("set", {"v": {1, 2}}, "item.v"),
    ("bytes", {"v": b"x"}, "item.v"),
    ("enum", {"v": Colour.RED}, "item.v"),
    ("timedelta", {"v": datetime.timedelta(1)}, "item.v"),
    ("numpy timedelta", {"v": np.timedelta64(1, "s")}, "item.v"),
    ("nested object", {"v": [{"ok": 1}, {"bad": object()}]}, "item.v[1].bad"),
    ("tuple key", {"v": {(1, 2): "a"}}, "item.v (a key)"),
]


@pytest.mark.parametrize(("item", "path"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_other_values_are_refused_naming_the_key(item: dict[str, Any], path: str) -> None:
    with pytest.raises(ItemValueError) as caught:
        json_item(item)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path} holds a ")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.text(), JSON, max_size=4))
def test_plain_json_items_pass_through_unchanged(item: dict[str, Any]) -> None:
    assert json_item(item) is item


def test_a_batch_refuses_rows_not_the_batch() -> None:
    items, refused = json_items([{"a": WHEN}, {"a": {1}}, {"a": "x"}])
    assert items == [{"a": "2026-01-06T09:30:00+00:00"}, {}, {"a": "x"}]
    assert list(refused) == [1] and "item.a holds a set" in refused[1]


ITEM = st.none() | st.dictionaries(
    st.text(max_size=2) | st.integers(0, 3),
    JSON | st.tuples(st.integers()) | st.builds(decimal.Decimal, st.integers()) | st.just({1}),
    max_size=3,
)


@given(st.lists(ITEM, max_size=6))
@example([{"a": "x"}, {1: "x"}])
@example([{"a": "x"}, {"b": (1,)}])
def test_a_batch_gives_each_row_what_json_item_gives_it(items: list[Any]) -> None:
    """The batch's shortcut for flat plain rows changes nothing: row by row, the same answer."""
    converted, refused = json_items(items)
    for row, item in enumerate(items):
        try:
            expected = None if item is None else json_item(item)
        except ItemValueError as exc:
            assert (converted[row], refused[row]) == ({}, str(exc))
        else:
            assert row not in refused and converted[row] == expected


def test_a_flat_plain_batch_comes_back_as_it_is() -> None:
    items = [{"a": "x", "n": 1, "f": 0.5, "b": True, "z": None}] * 3
    converted, refused = json_items(items)
    assert converted is items and refused == {}
    converted, refused = json_items([*items, {1: "x"}, {"a": b"x"}])
    assert converted[3] == {"1": "x"} and list(refused) == [4]
    assert json_items([{"a": "x"}, {1: "x"}]) == ([{"a": "x"}, {"1": "x"}], {})  # keys checked


AT = gk.string_check("{{ sample.output_text }}", "{{ item.at }}", name="at")
PY_AT = gk.python_grader(
    "def grade(sample, item):\n    return float(item['at'] == sample['output_text'])\n",
    name="py_at",
)


@pytest.mark.parametrize("grader", [AT, PY_AT], ids=["local", "python"])
def test_grade_and_grade_many_apply_the_rule(grader: gk.GraderBase) -> None:
    items = [{"at": datetime.date(2026, 1, 6)}, {"at": {1}}, {"at": np.datetime64("2026-01-06")}]
    results = gk.grade_many(grader, ["2026-01-06"] * 3, items)
    assert [r.reward for r in results] == [1.0, 0.0, 1.0]
    assert [sorted(r.errors) for r in results] == [[], ["sample_parse_error"], []]
    assert "item.at holds a set" in (results[1].errors["sample_parse_error"] or "")
    at = datetime.datetime(2026, 1, 6)
    assert gk.grade(grader, "2026-01-06", {"at": at}).reward == 0.0  # "2026-01-06T00:00:00"
    assert gk.grade(grader, "2026-01-06T00:00:00", {"at": at}).reward == 1.0
