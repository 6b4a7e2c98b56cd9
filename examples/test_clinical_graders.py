"""Tests for the clinical RFT graders, written the way a team would keep them next to its graders.

Run them with ``pytest examples/test_clinical_graders.py``. They need no API key: the model
grader is tested against a scripted judge (the ``scripted_judge`` fixture of graderkit's pytest
plugin, enabled by ``pytest_plugins`` below), and everything else runs locally.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clinical.graders import additive_rubric, clinical_local, clinical_python, exact

from graderkit.testing.assertions import (
    assert_no_errors,
    assert_passes,
    assert_ranked,
    assert_reward,
)
from graderkit.testing.checks import check_grader
from graderkit.testing.judge import ordering, rankings_from_kinds
from graderkit.testing.probe_rewrites import REWRITES_BY_NAME
from graderkit.testing.probes import probe
from graderkit.testing.scripted_judge import JudgeCall

pytest_plugins = ["graderkit.testing.pytest_plugin"]

DATA = Path(__file__).parent / "clinical"
ITEMS = [json.loads(line) for line in (DATA / "items.jsonl").read_text().splitlines()]
PREDICTIONS = [json.loads(line) for line in (DATA / "predictions.jsonl").read_text().splitlines()]
BY_ID = {item["id"]: item for item in ITEMS}
APPENDICITIS = BY_ID["q01"]  # reference_answer: "acute appendicitis"


# ---- what the graders give, answer by answer -------------------------------------------------


def test_the_gold_answer_gets_full_marks() -> None:
    assert_reward(clinical_local, "acute appendicitis", APPENDICITIS, 1.0)
    assert_reward(clinical_python, "acute appendicitis", APPENDICITIS, 1.0)


def test_a_missing_modifier_costs_part_of_the_reward() -> None:
    result = assert_reward(clinical_local, "appendicitis", APPENDICITIS, 0.68, approx=0.01)
    assert result.sub_rewards == {"fuzzy": 0.8, "exact": 0.0}


def test_answers_are_graded_in_the_order_a_clinician_ranks_them() -> None:
    assert_ranked(
        clinical_local, APPENDICITIS, ["acute appendicitis", "appendicitis", "biliary colic"]
    )


def test_a_formatting_slip_still_passes_a_lenient_threshold() -> None:
    assert_passes(clinical_local, "Acute appendicitis.", APPENDICITIS, threshold=0.6)


def test_every_canned_prediction_grades_without_errors() -> None:
    assert_no_errors(
        clinical_python,
        [p["output_text"] for p in PREDICTIONS],
        [BY_ID[p["id"]] for p in PREDICTIONS],
    )


# ---- invariants and loopholes over the whole dataset -----------------------------------------


@pytest.mark.parametrize("grader", [exact, clinical_local, clinical_python], ids=lambda g: g.name)
def test_invariants_hold_on_the_dataset(grader) -> None:  # type: ignore[no-untyped-def]
    report = check_grader(grader, ITEMS)
    assert report.ok, report


def test_exact_match_cannot_be_farmed() -> None:
    report = probe(exact, ITEMS)
    assert report.ok, report


def test_the_cookbook_grader_rewards_hedging_with_the_reference() -> None:
    # What the cookbook learned the hard way: token_set_ratio gives "<wrong> or possibly <gold>"
    # the same credit as the gold phrase. Keep this test to notice if the grader is fixed.
    report = probe(clinical_python, ITEMS)
    failed = {finding.rewrite.name for finding in report.failures}
    assert {"hedge", "candidate_list", "padded_candidates"} <= failed, report


def test_the_local_grader_mostly_agrees_with_the_experts_order() -> None:
    rankings = rankings_from_kinds(ITEMS, PREDICTIONS, [("exact", "synonym"), "partial", "wrong"])
    report = ordering(clinical_local, rankings, strict=False)
    assert report.concordance >= 0.8, report


# ---- the model grader, against a scripted judge ----------------------------------------------

PROMPT = re.compile(r"Reference Answer: (.*)\. Model's Answer: (.*)", re.S)


def overlap_judge(call: JudgeCall) -> float:
    """A judge that sums credit for shared words, as the additive rubric invites it to."""
    reference, answer = PROMPT.fullmatch(call.last).groups()  # type: ignore[union-attr]
    shared = set(reference.split()) & set(re.findall(r"[a-z]+", answer.lower()))
    return min(1.0, len(shared) / len(reference.split()))


def test_the_rubric_shows_the_judge_both_answers(scripted_judge) -> None:  # type: ignore[no-untyped-def]
    scripted_judge.reply(0.9)
    assert_reward(additive_rubric, "appendicitis", APPENDICITIS, 0.9, runner=scripted_judge.runner)
    assert scripted_judge.calls[0].last == (
        "Reference Answer: acute appendicitis. Model's Answer: appendicitis"
    )


def test_probes_catch_a_judge_that_credits_overlap(scripted_judge) -> None:  # type: ignore[no-untyped-def]
    scripted_judge.score_with(overlap_judge)
    padding = [REWRITES_BY_NAME[name] for name in ("padding_detail", "hedge", "prompt_injection")]
    report = probe(additive_rubric, ITEMS[:6], rewrites=padding, runner=scripted_judge.runner)
    assert {f.rewrite.name for f in report.failures} == {"padding_detail", "hedge"}, report
