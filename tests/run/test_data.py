"""Reading items and predictions: joins, run numbers, line-numbered errors, file checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._run.datasets.data_files import (
    DataError,
    check_dataset,
    count_lines,
    iter_tasks,
    load_items,
    numbered_rows,
    pair_predictions,
    read_jsonl,
    sample_of,
)

ROOT = Path(__file__).resolve().parent.parent.parent
ITEMS = ROOT / "examples" / "clinical" / "items.jsonl"


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_numbered_rows_skip_blank_lines_and_name_bad_ones(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", '{"a": 1}', "", '{"a": 2}')
    assert list(numbered_rows(path)) == [(1, {"a": 1}), (3, {"a": 2})]
    assert list(read_jsonl(path)) == [{"a": 1}, {"a": 2}]
    with pytest.raises(DataError, match=r"b.jsonl:2: not valid JSON"):
        list(read_jsonl(_write(tmp_path / "b.jsonl", "{}", "{")))


@given(st.lists(st.text(alphabet="ab\n", max_size=5), max_size=6))
def test_count_lines_counts_like_splitlines(chunks: list[str]) -> None:
    import tempfile

    text = "".join(chunks)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(text)
    assert count_lines(handle.name) == len(text.split("\n")) - (text.endswith("\n") or not text)
    Path(handle.name).unlink()


def test_sample_of() -> None:
    assert sample_of({"output_text": "x", "kind": "exact"}) == "x"
    assert sample_of({"output_text": "x", "output_tools": []}) == {
        "output_text": "x",
        "output_tools": [],
    }
    assert sample_of({"sample": {"output_text": "y"}, "output_text": "x"}) == {"output_text": "y"}
    # the plain string grades exactly as the sample graders/run builds from it
    g = gk.string_check("{{sample.output_json.a}}", "1", name="j")
    text = '{"a": 1}'
    assert gk.grade(g, sample_of({"output_text": text})).to_dict()["reward"] == 1.0
    assert gk.grade(g, {"output_text": text}).to_dict()["reward"] == 1.0


def test_load_items_refuses_ambiguous_joins(tmp_path: Path) -> None:
    assert set(load_items(_write(tmp_path / "i.jsonl", '{"id": 1}', '{"id": "2"}'))) == {"1", "2"}
    with pytest.raises(DataError, match=r"i2.jsonl:2: id='1' repeats"):
        load_items(_write(tmp_path / "i2.jsonl", '{"id": 1}', '{"id": "1"}'))
    with pytest.raises(DataError, match=r"i3.jsonl:1: no 'id' field"):
        load_items(_write(tmp_path / "i3.jsonl", '{"x": 1}'))


def test_tasks_by_key_keep_the_key_as_written(tmp_path: Path) -> None:
    items = _write(tmp_path / "i.jsonl", '{"id": 7, "a": "x"}', '{"id": "b", "a": "y"}')
    preds = _write(
        tmp_path / "p.jsonl",
        '{"id": "b", "output_text": "1"}',
        '{"id": 7, "output_text": "2"}',
        '{"id": 7, "output_text": "3"}',
    )
    tasks = list(iter_tasks(items, preds))
    assert [(t.id, t.run, t.key_value, t.sample, t.item["a"], t.line) for t in tasks] == [
        ("b", 0, "b", "1", "y", 1),
        ("7", 0, 7, "2", "x", 2),
        ("7", 1, 7, "3", "x", 3),
    ]


def test_tasks_by_line_stream_both_files(tmp_path: Path) -> None:
    items = _write(tmp_path / "i.jsonl", '{"id": "a"}', '{"other": 1}', '{"id": "c"}')
    preds = _write(tmp_path / "p.jsonl", '{"output_text": "1"}', '{"output_text": "2"}')
    tasks = list(iter_tasks(items, preds, runs=2))
    assert [(t.id, t.run, t.key_value) for t in tasks] == [
        ("a", 0, "a"),
        ("a", 1, "a"),
        ("1", 0, 1),
        ("1", 1, 1),
    ]
    with pytest.raises(DataError, match="more predictions than items"):
        list(iter_tasks(items, _write(tmp_path / "p2.jsonl", *['{"output_text": "x"}'] * 4)))
    with pytest.raises(DataError, match="while the first prediction has none"):
        list(
            iter_tasks(
                items,
                _write(
                    tmp_path / "p3.jsonl", '{"output_text": "x"}', '{"id": "a", "output_text": "x"}'
                ),
            )
        )


def test_empty_predictions_give_no_tasks(tmp_path: Path) -> None:
    assert list(iter_tasks(ITEMS, _write(tmp_path / "p.jsonl", ""))) == []


def test_pair_predictions_still_pairs(tmp_path: Path) -> None:
    items = {"1": {"id": 1, "a": "x"}}
    pairs = list(pair_predictions(items, iter([{"id": 1, "output_text": "y"}])))
    assert pairs == [({"output_text": "y"}, items["1"], {"id": 1, "output_text": "y"})]


def test_check_dataset_reports_bad_lines_instead_of_raising(tmp_path: Path) -> None:
    exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    items = _write(tmp_path / "i.jsonl", '{"id": "a", "answer": "x"}', "{oops", "[1, 2]")
    preds = _write(tmp_path / "p.jsonl", '{"id": "a", "output_text": "x"}', "nope")
    report = check_dataset(exact, items, preds, rft=False)
    assert [(p.code, p.message, p.where) for p in report.problems] == [
        (
            "bad_line",
            "items file: not valid JSON (Expecting property name enclosed in double quotes)",
            ("line 2",),
        ),
        ("bad_line", "items file: a JSON list, not an object", ("line 3",)),
        ("bad_line", "predictions file: not valid JSON (Expecting value)", ("line 2",)),
    ]
    assert (report.items, report.predictions) == (3, 2)
    in_memory = check_dataset(
        exact, [{"id": "a", "answer": "x"}], [{"id": "a", "output_text": "x"}], rft=False
    )
    assert in_memory.ok and in_memory.problems == ()


def test_a_missing_file_is_a_data_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    for call in (
        lambda: list(read_jsonl(missing)),
        lambda: count_lines(missing),
        lambda: check_dataset(None, missing),
    ):
        with pytest.raises(DataError, match=r"nope.jsonl: cannot read: no such file or directory"):
            call()
