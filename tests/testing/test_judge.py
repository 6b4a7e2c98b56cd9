"""Judge checks: stability, ordering against experts, agreement with human labels."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from clinical_data import CLINICAL, ITEMS, PREDICTIONS
from scipy import stats as scipy_stats
from sklearn.metrics import cohen_kappa_score

import graderkit as gk
from graderkit.testing.judge import agreement, ordering, rankings_from_kinds, stability
from graderkit.testing.scripted_judge import JudgeCall, ScriptedJudge

JUDGE = gk.score_model(
    "Reference: {{ item.reference_answer }}\nAnswer: {{ sample.output_text }}",
    model="gpt-4.1",
    name="judge",
)
ROWS = [{"id": f"q{i}", "reference_answer": f"answer {i}"} for i in range(4)]


def test_stability_lists_the_flaky_rows() -> None:
    counter = itertools.count()
    lock = threading.Lock()

    def wobbly(call: JudgeCall) -> float:
        if "answer 0" not in call.last:
            return 0.5
        with lock:
            return 0.2 + 0.1 * (next(counter) % 3)  # 0.2, 0.3, 0.4, ...

    with ScriptedJudge() as scripted:
        scripted.score_with(wobbly)
        report = stability(JUDGE, ["x"] * 4, ROWS, repeats=6, runner=scripted.runner)
        assert scripted.server.request_count == 4 * 6
    assert [r.row for r in report.flaky] == ["q0"]
    flaky = report.flaky[0]
    assert len(flaky.rewards) == 6 and flaky.spread == pytest.approx(0.2)
    assert not report.ok and report.max_spread == pytest.approx(0.2)
    assert (
        str(report)
        .splitlines()[0]
        .startswith(f"stability of {JUDGE.label}: 4 rows x 6 repeats, 1 flaky")
    )
    loose = stability(
        gk.string_check("{{ sample.output_text }}", "x", name="s"), ["x", "y"], repeats=2
    )
    assert loose.ok and loose.mean_spread == 0.0


def test_stability_refuses_a_cached_runner(tmp_path: Path) -> None:
    with ScriptedJudge(cache_dir=tmp_path) as scripted:
        with pytest.raises(ValueError, match="cache or a cassette"):
            stability(JUDGE, ["x"], ROWS[:1], runner=scripted.runner)
        with pytest.raises(ValueError, match="at least 2"):
            stability(JUDGE, ["x"], ROWS[:1], repeats=1, runner=scripted.runner)


def test_ordering_on_the_bundled_kinds() -> None:
    rankings = rankings_from_kinds(ITEMS, PREDICTIONS, [("exact", "synonym"), "partial", "wrong"])
    pairs = 0
    for _, tiers in rankings:
        assert len(tiers) >= 2
        pairs += sum(len(a) * len(b) for a, b in itertools.combinations(tiers, 2))
    exact = ordering(CLINICAL.exact, rankings)
    assert exact.pairs == pairs
    assert (
        exact.reversals == [] and len(exact.ties) > 0
    )  # exact match cannot tell partial from wrong
    assert ordering(CLINICAL.exact, rankings, strict=False).ok
    fuzzy = ordering(CLINICAL.clinical_local, rankings)
    for v in fuzzy.reversals:
        assert v.better_reward < v.worse_reward
    assert 0 < fuzzy.concordance < 1
    addison = next(v for v in fuzzy.reversals if v.row == "q16")
    assert (addison.better, addison.worse) == ("addison disease", "adrenal insufficiency")
    assert "q16: 'addison disease'" in str(fuzzy)


def test_ordering_accepts_tiers_and_reports_errors() -> None:
    grader = gk.string_check("{{ sample.output_text }}", "{{ item.gold }}", name="g")
    report = ordering(grader, [({"gold": "a"}, [["a"], ["b", "c"]]), ({}, ["a", "b"])])
    assert report.pairs == 3 and report.errored == 2 and not report.ok
    assert [v.kind for v in report.violations] == ["tied"]


def test_agreement_with_scores_matches_scipy() -> None:
    by_id = {row["id"]: row for row in ITEMS}
    score = {
        "exact": 1.0,
        "synonym": 1.0,
        "formatting": 0.9,
        "partial": 0.5,
        "padded": 0.2,
        "wrong": 0.0,
    }
    answers = [p["output_text"] for p in PREDICTIONS]
    rows = [by_id[p["id"]] for p in PREDICTIONS]
    human = [score[p["kind"]] for p in PREDICTIONS]
    report = agreement(CLINICAL.clinical_local, answers, rows, human)
    rewards = gk.grade_many(CLINICAL.clinical_local, answers, rows).rewards
    assert report.kind == "scores" and report.n == len(PREDICTIONS)
    assert report.spearman == pytest.approx(scipy_stats.spearmanr(rewards, human).statistic)
    assert report.kendall == pytest.approx(scipy_stats.kendalltau(rewards, human).statistic)
    assert "spearman" in str(report)


def test_agreement_with_pass_labels_recommends_a_threshold() -> None:
    by_id = {row["id"]: row for row in ITEMS}
    answers = [p["output_text"] for p in PREDICTIONS]
    rows = [by_id[p["id"]] for p in PREDICTIONS]
    human = [p["kind"] in ("exact", "synonym", "formatting") for p in PREDICTIONS]
    report = agreement(CLINICAL.clinical_local, answers, rows, human)
    rewards = gk.grade_many(CLINICAL.clinical_local, answers, rows).rewards
    assert report.threshold is not None
    cut = report.threshold.threshold
    decided = [r >= cut for r in rewards]
    assert report.kappa == pytest.approx(cohen_kappa_score(human, decided))
    assert report.rule == f"the recommended threshold {cut:.4g}"
    assert sum(map(sum, report.matrix)) == len(PREDICTIONS)
    fixed = agreement(CLINICAL.clinical_local, answers, rows, human, threshold=0.9)
    assert fixed.kappa == pytest.approx(cohen_kappa_score(human, [r >= 0.9 for r in rewards]))
    assert "human \\ grader" in str(fixed)


def test_agreement_with_labels_uses_the_judges_label() -> None:
    judge = gk.label_model(
        "Is {{ sample.output_text }} right? Reference {{ item.reference_answer }}",
        model="gpt-4.1",
        labels=["correct", "partly", "wrong"],
        passing_labels=["correct"],
        name="labeller",
    )
    human = ["correct", "wrong", "partly", "correct"]
    with ScriptedJudge() as scripted:
        scripted.reply("correct", "wrong", "wrong", "partly")
        scripted.runner.concurrency = 1  # replies are handed out in request order
        report = agreement(judge, ["a", "b", "c", "d"], ROWS, human, runner=scripted.runner)
    assert report.kind == "labels"
    assert report.labels == ("correct", "partly", "wrong")
    assert report.kappa == pytest.approx(
        cohen_kappa_score(human, ["correct", "wrong", "wrong", "partly"])
    )
    with pytest.raises(TypeError, match="need a label_model grader"):
        agreement(gk.string_check("{{ sample.output_text }}", "a", name="s"), ["a"], None, ["x"])
    with pytest.raises(ValueError, match="1 human judgements for 2 samples"):
        agreement(judge, ["a", "b"], None, [True])
