"""A lazy BatchResult row is indistinguishable from the GradeResult built eagerly for it."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_columns import graders, items, samples

import graderkit as gk
from graderkit._core.results.batch_row import FIELDS, BatchRow


def _eager(result: gk.GradeResult, seconds: float) -> gk.GradeResult:
    """``grade()``'s result with the batch's share of the time (children report none)."""
    subs = {key: _eager(sub, 0.0) for key, sub in result.sub_results.items()}
    return dataclasses.replace(result, execution_time=seconds, sub_results=subs)


def _assert_fields_equal(view: gk.GradeResult, eager: gk.GradeResult) -> None:
    assert isinstance(view, BatchRow) and type(eager) is gk.GradeResult
    for name in FIELDS:
        got, want = getattr(view, name), getattr(eager, name)
        if name == "sub_results":
            assert list(got) == list(want)
            for key in want:
                _assert_fields_equal(got[key], want[key])
        else:
            assert got == want and type(got) is type(want), (name, got, want)
    assert view.ok == eager.ok


@given(graders, st.lists(st.tuples(samples, st.one_of(st.none(), items)), min_size=1, max_size=6))
def test_every_field_of_a_view_equals_the_eager_result(
    grader: gk.GraderBase, rows: list[tuple[Any, Any]]
) -> None:
    batch = gk.grade_many(grader, [s for s, _ in rows], [i for _, i in rows])
    for (sample, item), view in zip(rows, batch, strict=True):
        eager = _eager(gk.grade(grader, sample, item), view.execution_time)
        _assert_fields_equal(view, eager)
        assert view == eager and eager == view
        assert [view] != [dataclasses.replace(eager, name=eager.name + "x")]
        assert repr(view) == repr(eager)
        assert view.to_dict() == eager.to_dict()
        assert view.materialize() == eager and type(view.materialize()) is gk.GradeResult
        assert pickle.loads(pickle.dumps(view)) == eager
        assert type(copy.copy(view)) is gk.GradeResult and copy.deepcopy(view) == eager


def test_a_view_is_read_only_and_replace_gives_a_plain_result() -> None:
    g = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="a")
    view = gk.grade_many(g, ["x", "y"], [{"a": "x"}, {"a": "x"}])[1]
    with pytest.raises(AttributeError):
        view.reward = 1.0  # type: ignore[misc]
    changed = dataclasses.replace(view, reward=1.0)
    assert type(changed) is gk.GradeResult and changed.reward == 1.0 and view.reward == 0.0
    assert view.with_time(2.0).execution_time == 2.0


def test_views_differ_when_a_field_differs() -> None:
    g = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="a")
    first, second = gk.grade_many(g, ["x", "y"], [{"a": "x"}, {"a": "x"}])
    assert first != second
    assert first != dataclasses.replace(first.materialize(), name="b")
    assert first != "not a result"


def test_a_row_of_a_multi_builds_its_children_on_read() -> None:
    fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.a }}", name="fuzzy")
    exact = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="exact")
    batch = gk.grade_many(
        gk.multi(0.5 * fuzzy + 0.5 * exact, name="m"), ["ab", 7], [{"a": "ab"}] * 2
    )
    good, unparsable = batch
    assert good.sub_rewards == {"fuzzy": 1.0, "exact": 1.0}
    assert good.sub_results["exact"].name == "exact" and good.sub_results["exact"].passed is None
    assert unparsable.sub_rewards == {} and list(unparsable.errors) == ["sample_parse_error"]
    assert not unparsable.ok and unparsable.reward == 0.0


@pytest.mark.parametrize("order", ["exact first", "fuzzy first"])
def test_a_large_batch_derives_exact_from_the_fuzzy_ratios_row_for_row(order: str) -> None:
    import random

    from graderkit._core.grading.batch_columns import PARALLEL_MIN

    rng = random.Random(11)
    alphabet = "ab c\u00e9\u4e2d\U0001f600"
    refs = ["".join(rng.choices(alphabet, k=rng.randint(0, 6))) for _ in range(PARALLEL_MIN + 50)]
    outs = [r if rng.random() < 0.4 else "".join(rng.choices(alphabet, k=3)) for r in refs]
    outs[:3], refs[:3] = ["", "", "a"], ["", "a", ""]
    fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.a }}", name="fuzzy")
    exact = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="exact")
    children = (
        {"exact": exact, "fuzzy": fuzzy}
        if order == "exact first"
        else {"fuzzy": fuzzy, "exact": exact}
    )
    grader = gk.multi(children, "0.85 * fuzzy + 0.15 * exact", name="m")
    items = [{"a": r} for r in refs]
    batch = gk.grade_many(grader, outs, items)
    assert sum(r.sub_rewards["exact"] for r in batch) > 100  # the equal rows are there
    for out, item, row in zip(outs, items, batch, strict=True):
        want = gk.grade(grader, out, item)
        assert list(row.sub_rewards) == list(children)
        assert row.sub_rewards == want.sub_rewards and row.reward == want.reward
        assert type(row.reward) is float and type(row.sub_rewards["exact"]) is float
