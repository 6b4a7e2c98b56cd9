"""The columnar batch path must agree with grading one row at a time, to the bit."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.formula.column_eval import evaluate_columns
from graderkit._core.formula.evaluation import FormulaDomainError, parse_formula

TEMPLATES = [
    "{{sample.output_text}}",
    "{{item.a}}",
    "{{item.b}}",
    "x{{item.a}}y",
    "{{sample.output_json.k}}",
    "lit",
]

texts = st.text(alphabet='ab {}"k:1é', max_size=12)
values = st.one_of(
    texts,
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
)
items = st.dictionaries(st.sampled_from(["a", "b"]), values, max_size=2)
samples = st.one_of(
    texts,
    st.builds(lambda t: '{"k": "' + t + '"}', st.text(alphabet="ab", max_size=3)),
    st.fixed_dictionaries({"output_text": texts}),
    st.integers(),  # not a sample at all: sample_parse_error
)

leaves = st.one_of(
    st.builds(
        lambda i, r, op: gk.string_check(i, r, operation=op, name="s"),
        st.sampled_from(TEMPLATES),
        st.sampled_from(TEMPLATES),
        st.sampled_from(["eq", "ne", "like", "ilike"]),
    ),
    st.builds(
        lambda i, r: gk.text_similarity(i, r, name="t"),
        st.sampled_from(TEMPLATES),
        st.sampled_from(TEMPLATES),
    ),
)
formulas = st.sampled_from(
    [
        "a + b",
        "0.85 * a + 0.15 * b",
        "a / b",
        "log(a)",
        "max(a, b) - min(a)",
        "sqrt(a - b)",
        "a ^ b",
        "-a ^ 2 * 3",
        "exp(a * 1000)",
        "b / (a - 1)",
    ]
)
graders = st.one_of(
    leaves,
    st.builds(lambda a, b, f: gk.multi({"a": a, "b": b}, f, name="m"), leaves, leaves, formulas),
)


def _same(a: gk.GradeResult, b: gk.GradeResult) -> bool:
    strip = {"execution_time": 0.0, "sub_results": {}}
    if dataclasses.replace(a, **strip) != dataclasses.replace(b, **strip):
        return False
    return all(_same(a.sub_results[k], b.sub_results[k]) for k in a.sub_results)


@given(graders, st.lists(st.tuples(samples, items), min_size=1, max_size=8))
def test_batch_rows_equal_single_grades(grader: gk.GraderBase, rows: list[tuple[Any, Any]]) -> None:
    batch = gk.grade_many(grader, [s for s, _ in rows], [i for _, i in rows])
    assert len(batch) == len(rows)
    for (sample, item), got in zip(rows, batch, strict=True):
        want = gk.grade(grader, sample, item)
        assert _same(got, want), (got, want)
    assert list(batch.rewards) == [r.reward for r in batch]  # type: ignore[attr-defined]


finite = st.floats(-1e6, 1e6, allow_nan=False)
edge = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 0.5, 2.0])


@given(
    formulas,
    st.lists(st.tuples(st.one_of(finite, edge), st.one_of(finite, edge)), min_size=1, max_size=20),
)
def test_column_formula_equals_scalar_formula(text: str, pairs: list[tuple[float, float]]) -> None:
    formula = parse_formula(text)
    columns = {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}
    got, errors = evaluate_columns(formula, columns, len(pairs))
    for row, (a, b) in enumerate(pairs):
        try:
            want = formula.evaluate({"a": a, "b": b})
        except FormulaDomainError as exc:
            assert errors.get(row) == str(exc) and got[row] == 0.0
        else:
            assert row not in errors
            assert got[row] == want or (math.isnan(got[row]) and math.isnan(want))


def test_an_overflow_hidden_by_min_is_still_an_error() -> None:
    formula = parse_formula("min(a * b, 1)")
    got, errors = evaluate_columns(formula, {"a": [1e308, 0.5], "b": [10.0, 0.5]}, 2)
    assert got == [0.0, 0.25] and list(errors) == [0]


def test_batch_result_is_a_sequence() -> None:
    grader = gk.string_check("{{sample.output_text}}", "a", name="a")
    batch = gk.grade_many(grader, ["a", "b", "a"])
    assert [r.reward for r in batch[1:]] == [0.0, 1.0]
    assert batch[-1].reward == 1.0
    with pytest.raises(IndexError):
        batch[3]
    assert "3 rows" in repr(batch)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 samples but 1 items"):
        gk.grade_many(gk.string_check("a", "a", name="a"), ["a", "b"], [{}])


def test_fuzzy_column_parallel_path_equals_fuzzy_match_pair_by_pair() -> None:
    import random

    from graderkit._core.grading.batch_columns import PARALLEL_MIN, fuzzy_column
    from graderkit._core.metrics.similarity import fuzzy_match

    rng = random.Random(7)
    alphabet = "ab c\u00e9\u4e2d\U0001f600 "
    a = ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(PARALLEL_MIN + 500)]
    b = ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in range(PARALLEL_MIN + 500)]
    a[:3], b[:3] = ["", "", "x"], ["", "x", ""]
    assert fuzzy_column(a, b) == [fuzzy_match(x, y) for x, y in zip(a, b, strict=True)]
    assert fuzzy_column(a[:10], b[:10]) == [
        fuzzy_match(x, y) for x, y in zip(a[:10], b[:10], strict=True)
    ]


@given(
    st.sampled_from(
        ["0.85 * a + 0.15 * b", "a - b * 3", "-a + -(b - 0.1) * a", "2 * a * b - a", "1.5"]
    ),
    st.lists(st.tuples(st.one_of(finite, edge), st.one_of(finite, edge)), min_size=1, max_size=4),
)
def test_numpy_linear_path_equals_scalar_formula(
    text: str, seed_pairs: list[tuple[float, float]]
) -> None:
    from graderkit._core.formula.column_eval import NUMPY_MIN

    pairs = (seed_pairs * (NUMPY_MIN // len(seed_pairs) + 1))[: NUMPY_MIN + 3]
    formula = parse_formula(text)
    got, errors = evaluate_columns(
        formula, {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}, len(pairs)
    )
    for row, (a, b) in enumerate(pairs[: len(seed_pairs)]):
        try:
            want = formula.evaluate({"a": a, "b": b})
        except FormulaDomainError as exc:
            assert errors.get(row) == str(exc) and got[row] == 0.0
        else:
            assert row not in errors and got[row] == want
