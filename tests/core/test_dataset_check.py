"""Dataset checks: each rule on a table of rows, the grader's variables, predictions."""

from __future__ import annotations

from typing import Any

import pytest

import graderkit as gk
from graderkit._core.datasets.dataset_check import (
    DatasetChecker,
    Problem,
    check_rows,
    rft_problems,
)
from graderkit._core.datasets.runs import RunNumbers
from graderkit._core.graders.item_keys import python_item_keys

exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")


def _row(*messages: Any, **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


USER = {"role": "user", "content": "What is 2+2?"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(USER), []),
        (_row({"role": "developer", "content": "Be brief."}, USER), []),
        (_row(USER, {"role": "assistant", "content": None, "tool_calls": []}, {"role": "tool", "content": "4"}, USER), []),
        ({"prompt": "x"}, [("error", "no_messages")]),
        ({"messages": "hi"}, [("error", "bad_messages")]),
        ({"messages": []}, [("error", "empty_messages")]),
        (_row({"role": "system", "content": "x"}, USER), [("error", "system_role")]),
        (_row({"role": "bot", "content": "x"}, USER), [("error", "bad_role")]),
        (_row(USER, {"role": "assistant", "content": "4"}), [("warning", "last_not_user")]),
        (_row("hello"), [("error", "bad_message")]),
        (_row({"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "u"}}]}), []),
        (_row({"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}), [("error", "bad_content")]),
        (_row({"role": "user", "content": [{"type": "file", "file": {}}]}), [("error", "bad_content")]),
        (_row({"role": "user", "content": 7}), [("error", "bad_content")]),
        (_row(USER, tools=[{"type": "function", "function": {"name": "add"}}]), []),
        (_row(USER, tools={"add": 1}), [("error", "bad_tools")]),
        (_row(USER, tools=[{"type": "function", "function": {}}]), [("error", "bad_tools")]),
        (_row(USER, tools=["add"]), [("error", "bad_tools")]),
    ],
    ids=[
        "user", "developer-then-user", "tool-turns", "no-messages", "messages-not-list",
        "empty-messages", "system", "unknown-role", "ends-with-assistant", "message-not-object",
        "text-and-image", "audio", "file", "content-number", "function-tool", "tools-dict",
        "tool-without-name", "tool-string",
    ],
)  # fmt: skip
def test_rft_rules(row: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert [(level, code) for level, code, _ in rft_problems(row)] == expected


def _codes(report: Any) -> list[tuple[str, str, int]]:
    return [(p.level, p.code, p.count) for p in report.problems]


def test_missing_item_variables_name_every_row_and_key() -> None:
    rows = [
        _row(USER, id="a", answer="4"),
        _row(USER, id="b"),
        _row(USER, id="c", answer=None),
        _row(USER, id="d", other="x"),
    ]
    report = check_rows(exact, rows)
    (problem,) = report.problems
    assert problem == Problem(
        "error",
        "missing_variable",
        "{{ item.answer }}: key 'answer' not found in item (string_check 'exact')",
        ("line 2 (id b)", "line 4 (id d)"),
        2,
    )
    assert not report.ok


def test_nested_paths_explain_where_they_stop() -> None:
    g = gk.string_check("{{sample.output_text}}", "{{item.gold.answers[1]}}", name="g")
    report = check_rows(g, [_row(USER, gold={"answers": ["a"]}), _row(USER, gold="x")])
    assert [p.message for p in report.problems] == [
        "{{ item.gold.answers[1] }}: index 1 out of range for item.gold.answers (length 1) (string_check 'g')",
        "{{ item.gold.answers[1] }}: item.gold is a string, which has no key 'answers' (string_check 'g')",
    ]


def test_rows_listed_are_capped_but_counted() -> None:
    report = check_rows(exact, [_row(USER, id=str(i), n=i) for i in range(25)])
    (problem,) = report.problems
    assert problem.count == 25 and len(problem.where) == 10
    assert problem.text().endswith("line 10 (id 9), ...") and ": 25 rows: " in problem.text()


def test_duplicates_ids_and_rows() -> None:
    rows = [
        _row(USER, id="a", answer="4"),
        _row(USER, id="a", answer="5"),
        _row(USER, id="c", answer="4"),
    ]
    report = check_rows(exact, rows)
    assert _codes(report) == [("error", "duplicate_id", 1), ("warning", "duplicate_row", 1)]
    assert report.problems[0].message == "id 'a' repeats line 1"
    assert report.problems[1].where == ("line 3 (id c)",)


def test_rows_without_the_key_when_others_have_it() -> None:
    report = check_rows(exact, [_row(USER, id="a", answer="1"), _row(USER, answer="2")])
    assert _codes(report) == [("warning", "missing_key", 1)]


@pytest.mark.parametrize(
    ("split", "limit"), [("validation", 1_000), ("test", 1_000), ("train", 50_000)]
)
def test_split_size_limits(split: Any, limit: int) -> None:
    checker = DatasetChecker(None, split=split)
    row = _row(USER)
    for line in range(1, limit + 1):
        checker.add_item(line, {**row, "id": line})
    assert checker.report().ok
    checker.add_item(limit + 1, {**row, "id": "last"})
    (problem,) = checker.report().errors
    assert problem.code == "too_many_rows" and f"at most {limit:,}" in problem.message


def test_plain_datasets_skip_the_rft_rules() -> None:
    assert check_rows(exact, [{"id": "a", "answer": "x"}], rft=False).ok
    assert not check_rows(exact, [{"id": "a", "answer": "x"}]).ok


def test_python_graders_keys_missing_in_some_rows_are_warnings() -> None:
    source = "def grade(sample, item):\n    return float(item['gold'] == sample['output_text'])\n"
    g = gk.python_grader(source, name="py")
    report = check_rows(g, [_row(USER, gold="x"), _row(USER), _row(USER, gold="y")])
    assert _codes(report) == [("warning", "python_item_key", 1)]
    assert report.problems[0].message == (
        "python 'py' reads item['gold'] (line 2 of its source), missing in 1 of 3 rows"
    )
    assert report.problems[0].where == ("line 2",)
    assert report.ok


def test_a_python_key_missing_in_every_row_is_an_error() -> None:
    source = "def grade(sample, item):\n    return float(item['gold'] == sample['output_text'])\n"
    g = gk.python_grader(source, name="py")
    report = check_rows(g, [_row(USER, other="a"), _row(USER, other="b")])
    assert _codes(report) == [("error", "python_item_key", 2)]
    assert "missing in 2 of 2 rows; every row would fail" in report.problems[0].message
    assert not report.ok


def test_a_sample_field_the_service_never_fills_is_an_error() -> None:
    with pytest.warns(gk.GraderkitWarning, match=r"did you mean \{\{ sample.output_text \}\}"):
        g = gk.string_check("{{ sample.output }}", "x", name="s")
    report = check_rows(g, [_row(USER)], [{"output_text": "x"}], rft=False)
    assert _codes(report) == [("error", "unknown_sample_field", 1)]
    assert "reads {{ sample.output }}, a field no service sample has" in report.problems[0].message


def test_python_item_keys_ignore_guarded_and_dynamic_reads() -> None:
    source = (
        "def grade(sample, item):\n    k = 'x'\n    return item.get('a', 0) + item[k] + item['b']\n"
    )
    assert python_item_keys(source) == [("b", 3)]
    assert python_item_keys("def grade(:") == []
    assert python_item_keys("def other(sample, item):\n    return item['a']") == []


ITEMS = [
    _row(USER, id="a", answer="4"),
    _row(USER, id="b", answer="5"),
    _row(USER, id="c", answer="6"),
]


def test_predictions_problems() -> None:
    preds: list[dict[str, Any]] = [
        {"id": "a", "run": 0, "output_text": "4"},
        {"id": "a", "run": 0, "output_text": "4"},
        {"id": "zzz", "output_text": "1"},
        {"id": "b", "output_text": ""},
        {"id": "b", "run": -2, "output_text": "5"},
        {"id": "b"},
        {"output_text": "no id"},
    ]
    report = check_rows(exact, ITEMS, preds)
    assert _codes(report) == [
        ("error", "duplicate_sample", 1),
        ("error", "unknown_id", 1),
        ("error", "bad_run", 1),
        ("error", "no_output", 1),
        ("error", "missing_key", 1),
        ("warning", "empty_answer", 1),
        ("warning", "no_prediction", 1),
    ]
    assert report.predictions == 7
    dup = report.problems[0]
    assert (
        dup.where == ("line 2 (id a)",)
        and dup.message == "run 0 of this item repeats line 1 (graded once)"
    )


def test_runs_over_one_conflict_with_explicit_runs() -> None:
    preds = [{"id": "a", "run": 0, "output_text": "4"}]
    report = check_rows(exact, ITEMS[:1], preds, runs=3)
    assert _codes(report) == [("error", "bad_run", 1)]
    assert "--runs 3 repeats grading only" in report.problems[0].message


def test_predictions_by_line() -> None:
    preds = [{"output_text": "4"}, {"output_text": "5"}, {"output_text": "6"}, {"output_text": "7"}]
    report = check_rows(exact, ITEMS, preds)
    assert _codes(report) == [("error", "too_many_predictions", 1)]
    assert check_rows(exact, ITEMS, preds[:3]).problems == ()


def test_sample_variables_are_warnings() -> None:
    g = gk.string_check("{{sample.output_json.answer}}", "{{item.answer}}", name="j")
    preds = [{"id": "a", "output_text": '{"answer": "4"}'}, {"id": "b", "output_text": "5"}]
    report = check_rows(g, ITEMS[:2], preds)
    assert _codes(report) == [("warning", "missing_sample_variable", 1)]
    assert report.problems[0].where == ("line 2 (id b)",)


def test_report_text() -> None:
    report = check_rows(exact, ITEMS, [{"id": "a", "output_text": "4"}])
    assert report.lines() == [
        "items: 3 rows; predictions: 1 line",
        "warning  no prediction for this item: 2 rows: line 2 (id b), line 3 (id c)",
        "0 errors, 1 warning",
    ]
    assert check_rows(None, ITEMS[:1]).lines() == ["items: 1 row", "ok"]


def test_run_numbers() -> None:
    numbers = RunNumbers(2)
    assert [
        list(numbers.assign("a", {})),
        list(numbers.assign("a", {})),
        list(numbers.assign("b", {})),
    ] == [[0, 1], [2, 3], [0, 1]]
    with pytest.raises(ValueError, match="run=True"):
        RunNumbers(1).assign("a", {"run": True})
    with pytest.raises(ValueError, match="at least 1"):
        RunNumbers(0)


def test_a_python_grader_reading_an_unknown_sample_key_is_flagged() -> None:
    source = "def grade(sample, item):\n    return float(sample['output'] == 'x')\n"
    with pytest.warns(gk.GraderkitWarning, match=r"did you mean sample\['output_text'\]"):
        g = gk.python_grader(source, name="py")
    report = check_rows(g, [_row(USER)], rft=False)
    assert _codes(report) == [("error", "unknown_sample_field", 1)]
    assert "reads sample['output'] (line 2 of its source)" in report.problems[0].message
