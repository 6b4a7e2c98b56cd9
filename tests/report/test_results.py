"""Reading results lines: every field a report uses survives GradeResult.to_dict()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_data import ITEMS, PREDICTIONS

import graderkit as gk
from graderkit._run.datasets.data_files import DataError
from graderkit.report.results_file import ResultRow, TextLookup, parse_row, read_results

exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy")
combined = gk.multi(0.85 * fuzzy + 0.15 * exact, name="combined")


@given(
    st.text(max_size=30),
    st.one_of(st.none(), st.text(max_size=30)),
    st.integers(0, 9),
)
def test_a_result_line_round_trips(sample: str, answer: str | None, run: int) -> None:
    item = {} if answer is None else {"answer": answer}
    result = gk.grade(combined, sample, item)
    row = parse_row({"id": "q", "run": run, **result.to_dict()}, number=1)
    assert row.reward == result.reward
    assert set(row.flags) == set(result.errors)
    assert dict(row.sub_rewards) == dict(result.sub_rewards)
    assert (row.id, row.run, row.name, row.type) == ("q", run, "combined", "multi")
    texts = [d for d in result.errors.values() if d]  # kept for the report's flag column
    assert row.details in texts if texts else row.details is None


def test_details_come_from_the_raised_flag() -> None:
    result = gk.grade(combined, "x", {})
    row = parse_row(result.to_dict(), number=1)
    assert row.flags == ("invalid_variable_error",)
    assert row.details == result.errors["invalid_variable_error"]


def test_a_line_without_id_or_run_is_named_by_its_line() -> None:
    row = parse_row({"reward": 0.25}, number=7)
    assert (row.id, row.run, row.flags, row.usage) == ("line 7", 0, (), {})


@pytest.mark.parametrize("reward", [None, "0.5", True, float("nan")], ids=repr)
def test_a_missing_or_bad_reward_names_the_file_and_line(tmp_path: Path, reward: object) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "a", "reward": 1.0}) + "\n" + json.dumps({"reward": reward}))
    with pytest.raises(DataError, match=r"r\.jsonl: line 2: reward is"):
        list(read_results(path))


def test_token_usage_per_model_is_read_and_the_single_model_form_too() -> None:
    per_model = {"gpt-4.1": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}
    line = {"reward": 1.0, "model_grader_token_usage_per_model": per_model}
    assert parse_row(line, number=1).usage == per_model
    single = {
        "reward": 1.0,
        "metadata": {"token_usage": {"prompt_tokens": 4}, "sampled_model_name": "o3"},
    }
    assert parse_row(single, number=1).usage == {"o3": {"prompt_tokens": 4}}


def test_text_comes_from_the_line_then_from_the_lookup() -> None:
    lookup = TextLookup.load(items=ITEMS, samples=PREDICTIONS)
    row = lookup.fill(ResultRow("q01", 2, 0.1))
    preds = {(p["id"], p["run"]): p for p in map(json.loads, PREDICTIONS.read_text().splitlines())}
    assert row.output_text == preds[("q01", 2)]["output_text"]
    assert row.reference == "acute appendicitis"
    own = lookup.fill(ResultRow("q01", 2, 0.1, output_text="mine", reference="ref"))
    assert (own.output_text, own.reference) == ("mine", "ref")


def test_items_without_the_reference_field_show_their_other_fields(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "a", "messages": [], "gold": {"x": 1}}) + "\n")
    lookup = TextLookup.load(items=items, reference_field="answer")
    assert lookup.references == {"a": '{"gold": {"x": 1}}'}
