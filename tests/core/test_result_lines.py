"""Results-file lines: the fast batch path writes exactly what the general path writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.results.result_lines import (
    LineError,
    decode_line,
    encode_batch,
    encode_result,
    line_key,
    result_row,
)

TEMPLATES = [
    "{{sample.output_text}}",
    "{{item.a}}",
    "x{{item.a}}y",
    "{{sample.output_json.k}}",
    "lit",
]
texts = st.text(alphabet='ab {}"k:1é\\\n', max_size=10)
items = st.dictionaries(st.just("a"), st.one_of(texts, st.integers(-2, 2), st.none()), max_size=1)
samples = st.one_of(
    texts,
    st.builds(lambda t: '{"k": "' + t + '"}', st.text(alphabet="ab", max_size=3)),
    st.fixed_dictionaries({"output_text": texts}),
    st.integers(),  # not a sample: sample_parse_error
)


def _leaves(thresholds: st.SearchStrategy[float | None]) -> st.SearchStrategy[gk.GraderBase]:
    return st.one_of(
        st.builds(
            lambda i, r, op: gk.string_check(i, r, operation=op, name="s"),
            st.sampled_from(TEMPLATES),
            st.sampled_from(TEMPLATES),
            st.sampled_from(["eq", "ne", "like", "ilike"]),
        ),
        st.builds(
            lambda i, r, t: gk.text_similarity(i, r, name="t é", pass_threshold=t),
            st.sampled_from(TEMPLATES),
            st.sampled_from(TEMPLATES),
            thresholds,
        ),
    )


graders = st.one_of(
    _leaves(st.none() | st.floats(0, 1)),
    st.builds(
        lambda a, b, f: gk.multi({"a": a, "b": b}, f, name="m é"),
        _leaves(st.none()),
        _leaves(st.none()),
        st.sampled_from(["0.85 * a + 0.15 * b", "a / b", "exp(a * 1000)", "a - 1"]),
    ),
)
key_values = st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats(allow_nan=False))


@given(
    graders,
    st.lists(st.tuples(samples, items, key_values, st.integers(0, 5000)), min_size=1, max_size=12),
    st.sampled_from(["id", "item_id", "ключ"]),
)
def test_batch_lines_equal_the_general_lines_character_for_character(
    grader: gk.GraderBase, rows: list[tuple[Any, dict[str, Any], Any, int]], key: str
) -> None:
    batch = gk.grade_many(grader, [r[0] for r in rows], [r[1] for r in rows])
    assert isinstance(batch, gk.BatchResult)
    fast = encode_batch(key, [r[2] for r in rows], [r[3] for r in rows], batch)
    slow = [encode_result(key, v, run, batch[i]) for i, (_, _, v, run) in enumerate(rows)]
    assert fast == slow
    for line, (_, _, value, run) in zip(fast, rows, strict=True):
        assert line.endswith("\n") and line.count("\n") == 1
        decoded = decode_line(line, key)
        assert line_key(decoded, key) == (str(value), run)


def test_a_line_is_the_service_shape_plus_key_run_and_passed() -> None:
    g = gk.text_similarity("{{sample.output_text}}", "abc", name="t", pass_threshold=0.5)
    result = gk.grade(g, "abd")
    row = json.loads(encode_result("id", "q1", 2, result))
    assert row == {"id": "q1", "run": 2, **result.to_dict(), "passed": True}
    assert list(row)[:3] == ["id", "run", "reward"]
    no_rule = gk.multi({"t": g.replace(pass_threshold=None)}, "t", name="m")
    assert "passed" not in result_row("id", "q1", 0, gk.grade(no_rule, "abd"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"id": "a", "run": 0, "reward": 1.0', "not valid JSON"),
        ('["a"]', "not a JSON object"),
        ('{"run": 0, "reward": 1.0}', "no 'id' field"),
        ('{"id": "a", "run": -1, "reward": 1.0}', "run=-1"),
        ('{"id": "a", "run": true, "reward": 1.0}', "run=True"),
        ('{"id": "a", "run": 0, "reward": "1"}', "reward='1'"),
    ],
    ids=["torn", "array", "no-key", "negative-run", "bool-run", "text-reward"],
)
def test_decode_line_rejects_what_is_not_a_result(text: str, problem: str) -> None:
    with pytest.raises(LineError, match=problem):
        decode_line(text, "id")
