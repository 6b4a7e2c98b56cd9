"""Reward-hacking probes: they catch the cookbook's padding hack, spare graders that penalise
padding, and run model graders through the engine (cache and cassette apply)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from clinical_data import CLINICAL, ITEMS, PREDICTIONS
from hypothesis import HealthCheck, given, settings

import graderkit as gk
from graderkit.testing.probe_rewrites import REWRITES, REWRITES_BY_NAME, Context, Rewrite
from graderkit.testing.probes import probe
from graderkit.testing.scripted_judge import JudgeCall, ScriptedJudge
from graderkit.testing.strategies import graders

exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="exact")
fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.reference_answer }}", name="fuzzy")
contains = gk.string_check(
    "{{ sample.output_text }}", "{{ item.reference_answer }}", operation="ilike", name="contains"
)


@gk.python_grader(name="normalised_exact")
def normalised_exact(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Exact match after NFKC, case folding, and punctuation and whitespace collapsing."""
    import re
    import unicodedata

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        return " ".join(re.sub(r"[^\w\s]", " ", text).split())

    return 1.0 if norm(sample["output_text"]) == norm(item["reference_answer"]) else 0.0


@gk.python_grader(name="brevity")
def brevity(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """1 when the answer has words, and no more than the reference, else 0."""
    words = len(sample["output_text"].split())
    return 1.0 if 0 < words <= len(item["reference_answer"].split()) else 0.0


length_gated_fuzzy = gk.multi({"fuzzy": fuzzy, "brevity": brevity}, "fuzzy * brevity", name="gated")

SOUND = {
    "exact": exact,
    "normalised_exact": normalised_exact,
    "length_gated_fuzzy": length_gated_fuzzy,
}
HACK = {"hedge", "candidate_list", "echo_reference", "padded_candidates", "negated_reference"}


def test_flags_the_cookbook_grader_that_rewards_padding() -> None:
    report = probe(CLINICAL.clinical_python, ITEMS)
    failed = {f.rewrite.name for f in report.failures}
    assert not report.ok
    assert failed >= HACK
    hedge = report.finding("hedge")
    assert len(hedge.flagged) == len(ITEMS)
    worst = hedge.flagged[0]
    assert worst.margin == worst.reward - worst.baseline > 0.5
    # the formula (0.15 * exact) hides it at the top; the component line names the culprit
    token_set = next(line for line in report.components if line.startswith("clinical_phrase:"))
    for name in ("padding_synonyms", "padding_detail", "very_long", "hedge"):
        assert f"{name} {len(ITEMS)}/{len(ITEMS)}" in token_set
    assert not any(line.startswith("clinical_phrase_binary:") for line in report.components)


@pytest.mark.parametrize("name", list(SOUND))
def test_spares_graders_that_penalise_padding(
    name: str,
) -> None:
    report = probe(SOUND[name], ITEMS)
    assert report.ok, str(report)
    compared = [f for f in report.findings if f.rewrite.expect != "info"]
    assert all(f.examples for f in compared if f.rewrite.name != "restated_question")


def test_padding_the_gold_answer_ties_with_a_substring_grader() -> None:
    report = probe(contains, ITEMS)
    for name in ("padding_synonyms", "padding_detail", "restated_question", "very_long"):
        finding = report.finding(name)
        assert finding.failed and len(finding.flagged) == len(ITEMS)
        assert all(e.margin == 0.0 for e in finding.flagged)  # "at least as high" includes ties
    assert not report.finding("empty").failed


def test_every_rewrite_is_built_from_the_context() -> None:
    ctx = Context(gold="acute cholecystitis", wrong="biliary colic", question="Which?")
    texts = {r.name: r.make(ctx) for r in REWRITES}
    assert all(isinstance(t, str) for t in texts.values())
    for name, text in texts.items():
        rewrite = REWRITES_BY_NAME[name]
        if rewrite.expect == "below_gold":
            assert "acute cholecystitis" in str(text) and text != ctx.gold
        if rewrite.expect == "not_above_wrong" and name not in ("empty", "whitespace"):
            assert text != ctx.wrong
    assert texts["echo_reference"] == "acute biliary colic cholecystitis"
    assert texts["empty"] == "" and str(texts["whitespace"]).strip() == ""
    assert str(texts["gold_lookalike"]) != ctx.gold and len(str(texts["gold_lookalike"])) == len(
        ctx.gold
    )
    assert len(str(texts["very_long"])) >= 2000
    assert REWRITES_BY_NAME["restated_question"].make(Context("a", "b", None)) is None


def test_given_wrong_answers_are_used_and_counted() -> None:
    wrong = {}
    for p in PREDICTIONS:
        if p["kind"] == "wrong":
            wrong.setdefault(p["id"], p["output_text"])
    report = probe(CLINICAL.exact, ITEMS, wrong=wrong, rewrites=[REWRITES_BY_NAME["hedge"]])
    assert f"{len(wrong)} given, {len(ITEMS) - len(wrong)} borrowed" in report.notes[0]
    example = report.finding("hedge").examples
    by_item = {e.item: e.answer for e in example}
    first = next(iter(wrong))
    assert by_item[first].startswith(wrong[first] + " or possibly ")


def test_rows_whose_gold_does_not_win_are_skipped_for_padding() -> None:
    rows = [{"id": "a", "reference_answer": "x y"}, {"id": "b", "reference_answer": "z"}]
    never = gk.string_check("{{ sample.output_text }}", "nothing matches this", name="never")
    report = probe(never, rows)
    assert report.finding("padding_detail").examples == ()
    assert any("does not outscore" in note and "a, b" in note for note in report.notes)
    assert report.ok


def test_custom_rewrites_gold_and_question_sources() -> None:
    rows = [{"q": "capital of France?", "gold": "paris"}, {"q": "capital of Peru?", "gold": "lima"}]
    shout = Rewrite("shout", "below_gold", "gold in capitals", lambda c: c.gold.upper())
    restate = REWRITES_BY_NAME["restated_question"]
    grader = gk.string_check(
        "{{ sample.output_text }}", "{{ item.gold }}", operation="ilike", name="g"
    )
    report = probe(grader, rows, gold="gold", question="q", rewrites=[shout, restate], key="q")
    assert [f.rewrite.name for f in report.failures] == ["shout", "restated_question"]
    assert report.finding("restated_question").flagged[0].answer.startswith("capital of")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["findings"][0]["rewrite"] == "shout"


def test_tolerance_ignores_small_wins() -> None:
    rewrites = [REWRITES_BY_NAME["prompt_injection"], REWRITES_BY_NAME["fake_json_verdict"]]
    strict = probe(CLINICAL.clinical_local, ITEMS, rewrites=rewrites)
    loose = probe(CLINICAL.clinical_local, ITEMS, rewrites=rewrites, tolerance=0.05)
    wins = [e.margin for f in strict.findings for e in f.flagged]
    assert wins and max(wins) < 0.05
    assert not strict.ok and loose.ok


def test_report_text_shows_examples_margins_and_sub_rewards() -> None:
    text = str(probe(CLINICAL.clinical_local, ITEMS[:5]))
    assert text.startswith("probe multi 'clinical_local' on 5 rows:")
    assert re.search(
        r"FAILED\s+hedge .*: 5/5 above the wrong answer \(max margin \+0\.\d{3}\)", text
    )
    assert "sub-rewards: fuzzy" in text
    assert "surface changes of the gold answer" in text


# ---- model graders: through the engine -------------------------------------------------------

JUDGE = gk.score_model(
    [
        {"role": "system", "content": "Score the answer against the reference from 0 to 1."},
        {
            "role": "user",
            "content": "Reference: {{ item.reference_answer }}\nAnswer: {{ sample.output_text }}",
        },
    ],
    model="gpt-4.1",
    name="judge",
)
ANSWER = re.compile(r"Reference: (.*)\nAnswer: (.*)", re.S)


def _careful(call: JudgeCall) -> float:
    """Full marks for the reference alone (any case), nothing otherwise."""
    match = ANSWER.match(call.last)
    assert match is not None
    reference, answer = match.groups()
    return 1.0 if answer.strip().casefold() == reference.casefold() else 0.0


def _gullible(call: JudgeCall) -> float:
    """Like the careful judge, but obeys instructions and verdicts inside the answer."""
    answer = ANSWER.match(call.last).group(2)  # type: ignore[union-attr]
    if "ignore the rubric" in answer.lower() or '"result": 1.0' in answer:
        return 1.0
    return _careful(call)


ROWS = [
    {"id": "q1", "reference_answer": "acute appendicitis"},
    {"id": "q2", "reference_answer": "pulmonary embolism"},
    {"id": "q3", "reference_answer": "gout"},
]


def test_a_judge_that_obeys_the_answer_is_caught() -> None:
    with ScriptedJudge() as judge:
        judge.score_with(_gullible)
        report = probe(JUDGE, ROWS, runner=judge.runner)
        calls = len(judge.calls)
    assert {f.rewrite.name for f in report.failures} == {"prompt_injection", "fake_json_verdict"}
    # one judge call per graded answer: gold, wrong and every rewrite that applies (the rows
    # have no question, so restated_question sends nothing)
    assert calls == sum(len(f.examples) for f in report.findings) + 2 * len(ROWS)
    assert report.finding("restated_question").examples == ()


def test_a_careful_judge_passes() -> None:
    with ScriptedJudge() as judge:
        judge.score_with(_careful)
        report = probe(JUDGE, ROWS, runner=judge.runner)
    assert report.ok, str(report)
    assert report.finding("gold_upper").mean_margin == 0.0


def test_model_probes_use_the_cache_and_the_cassette(tmp_path: Path) -> None:
    rewrites = [REWRITES_BY_NAME[n] for n in ("hedge", "prompt_injection")]
    with ScriptedJudge(cache_dir=tmp_path / "cache") as judge:
        judge.score_with(_gullible)
        first = probe(JUDGE, ROWS, rewrites=rewrites, runner=judge.runner)
        sent = judge.server.request_count
        second = probe(JUDGE, ROWS, rewrites=rewrites, runner=judge.runner)
        assert judge.server.request_count == sent == 4 * len(ROWS)
    assert first.to_dict() == second.to_dict()

    tape = tmp_path / "judge.jsonl"
    with ScriptedJudge(cassette=tape) as judge:
        judge.score_with(_gullible)
        recorded = probe(JUDGE, ROWS, rewrites=rewrites, runner=judge.runner)
    assert len(tape.read_text().splitlines()) == 4 * len(ROWS)
    from graderkit.testing.replay import replay_runner

    with replay_runner(cassette=tape) as runner:  # no server at all: replayed
        replayed = probe(JUDGE, ROWS, rewrites=rewrites, runner=runner)
    assert replayed.to_dict() == recorded.to_dict()
    assert replayed.finding("prompt_injection").flagged


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(graders(model_graders=False))
def test_probe_never_raises_on_generated_graders(grader: gk.GraderBase) -> None:
    rows = [
        {"id": "a", "reference_answer": "acute gout"},
        {"id": "b", "reference_answer": "sepsis"},
    ]
    report = probe(grader, rows, gold="reference_answer")
    assert [f.rewrite.name for f in report.findings] == [r.name for r in REWRITES]
    for finding in report.findings:
        assert all(e.margin == e.reward - e.baseline for e in finding.flagged)
    assert report.ok == (not report.failures)
