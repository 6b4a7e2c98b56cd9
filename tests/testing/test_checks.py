"""check_grader: each planted bug is found by the check meant for it; sound graders pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from clinical_data import BROKEN, CLINICAL, ITEMS, PREDICTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graderkit as gk
from graderkit.testing.checks import check_grader, is_deterministic, reward_bounds
from graderkit.testing.scripted_judge import ScriptedJudge
from graderkit.testing.strategies import graders

BROKEN_NAMES = ["word_hits", "jittered_exact", "harmonic", "synonym_aware", "first_word"]


@pytest.mark.parametrize("name", BROKEN_NAMES)
def test_each_planted_bug_is_found_by_its_check(name: str) -> None:
    grader, rows, check = BROKEN.BROKEN[name]
    report = check_grader(grader, rows)
    found = report.outcome(check)
    assert found.status in ("failed", "warning"), str(report)
    assert found.details, str(report)
    others = [o.check for o in report.failures if o.check not in (check, "no_errors")]
    assert others == [], str(report)


def test_word_hits_rewards_above_one_are_named() -> None:
    grader, rows, _ = BROKEN.BROKEN["word_hits"]
    report = check_grader(grader, rows)
    found = report.outcome("reward_range")
    assert found.status == "warning" and report.ok  # python rewards are not clipped: a warning
    assert "(repeated) python 'word_hits': reward 10.0 is outside [0, 1]" in found.details[0]
    strict = check_grader(grader, rows, strict=True)
    assert not strict.ok and strict.outcome("reward_range").status == "failed"


def test_the_nondeterministic_grader_differs_between_runs() -> None:
    grader, rows, _ = BROKEN.BROKEN["jittered_exact"]
    report = check_grader(grader, rows[:5])
    found = report.outcome("deterministic")
    assert found.status == "failed"
    assert found.summary.endswith(f"of {5 * 5} rows graded differently")


def test_the_division_by_zero_shows_the_formula_and_the_row() -> None:
    grader, rows, _ = BROKEN.BROKEN["harmonic"]
    found = check_grader(grader, rows).outcome("no_errors")
    assert (
        found.summary
        == f"{len(rows)} of {5 * len(rows)} rows raised error flags {{'other_error': {len(rows)}}}"
    )
    first = found.details[0]
    assert first.startswith("q01 (empty):")
    assert (
        "division by zero" in first
        and "fuzzy: text_similarity 'fuzzy' (fuzzy_match) -> 0.0" in first
    )


def test_missing_keys_list_rows_and_reasons() -> None:
    grader, rows, _ = BROKEN.BROKEN["synonym_aware"]
    detail = check_grader(grader, rows).outcome("template_variables").details[0]
    assert detail.startswith(
        f"item.accepted_synonym is missing in {len(rows) - 1} of {len(rows)} rows: q02, q03"
    )
    assert detail.endswith("(key 'accepted_synonym' not found in item)")


@pytest.mark.parametrize("name", ["exact", "fuzzy", "clinical_local", "clinical_python"])
def test_sound_graders_pass(name: str) -> None:
    grader = getattr(CLINICAL, name)
    assert check_grader(grader, ITEMS).ok
    by_id = {row["id"]: row for row in ITEMS}
    report = check_grader(
        grader, [by_id[p["id"]] for p in PREDICTIONS], [p["output_text"] for p in PREDICTIONS]
    )
    assert report.ok, str(report)
    assert report.rows == len(PREDICTIONS)
    assert [o.status for o in report.outcomes] == ["ok"] * 5


def test_sample_variables_are_checked_against_given_samples() -> None:
    grader = gk.string_check("{{ sample.output_json.answer }}", "{{ item.gold }}", name="json")
    rows = [{"id": "a", "gold": "x"}, {"id": "b", "gold": "y"}]
    samples = [{"output_text": '{"answer": "x"}'}, "plain text"]
    report = check_grader(grader, rows, samples)
    detail = report.outcome("template_variables").details[0]
    assert (
        detail
        == "sample.output_json.answer is missing in 1 of 2 rows: b (sample.output_json is None)"
    )
    assert report.outcome("no_errors").status == "failed"
    skipped = check_grader(grader, rows)  # text answers cannot fill output_json
    assert skipped.outcome("no_errors").status == "skipped"
    assert "pass samples=" in skipped.outcome("no_errors").summary


def test_samples_must_align_with_items() -> None:
    grader = gk.string_check("{{ sample.output_text }}", "x", name="x")
    with pytest.raises(ValueError, match="got 1 samples for 2 items"):
        check_grader(grader, [{}, {}], ["a"])


def test_model_graders_skip_determinism_and_keep_their_range() -> None:
    judge = gk.score_model(
        "Grade {{ sample.output_text }} against {{ item.reference_answer }}",
        model="gpt-4.1",
        range=(0, 10),
        name="judge",
    )
    rows = [{"id": "a", "reference_answer": "gout"}, {"id": "b", "reference_answer": "sepsis"}]
    with ScriptedJudge() as scripted:
        scripted.score_with(lambda call: 7.5 if "gout" in call.last else 12.0)
        report = check_grader(judge, rows, runner=scripted.runner)
    assert report.outcome("deterministic").status == "skipped"
    assert report.outcome("reward_range").status == "ok"  # 12 is clamped to the range by rule
    assert report.outcome("reward_range").summary == "rewards span [7.5, 10.0]"
    assert reward_bounds(judge) == (0.0, 10.0, True)
    assert not is_deterministic(judge)


def test_report_is_readable_and_serialisable() -> None:
    grader, rows, _ = BROKEN.BROKEN["first_word"]
    report = check_grader(grader, rows[:3])
    text = str(report)
    assert text.splitlines()[0] == "check python 'first_word' on 15 rows: 1 check(s) FAILED"
    assert "  FAILED   no_errors" in text and "IndexError: list index out of range" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert [o["check"] for o in data["outcomes"]] == [o.check for o in report.outcomes]


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    graders(model_graders=False),
    st.lists(
        st.dictionaries(st.from_regex(r"[a-z]{1,3}", fullmatch=True), st.text(max_size=5)),
        min_size=1,
        max_size=4,
    ),
)
def test_never_raises_and_round_trips_every_generated_grader(
    grader: gk.GraderBase, rows: list[dict[str, Any]]
) -> None:
    report = check_grader(grader, rows, ["answer"] * len(rows))
    assert report.outcome("json_round_trip").status == "ok"
    if is_deterministic(grader):
        assert report.outcome("deterministic").status == "ok"
    variables = report.outcome("template_variables")
    missing = any(
        v.namespace == "item" and any(str(v.path[0]) not in row for row in rows)
        for v in grader.variables()
    )
    assert variables.status == "failed" or not missing
