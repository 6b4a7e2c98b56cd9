"""Migration off hosted Evals: an exported eval runs locally with the Evals pass rules.

The expected pass/fail of every row is computed here independently, with the reference
libraries (rapidfuzz, rouge-score, nltk) and plain Python, never with graderkit.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nltk.translate.gleu_score import sentence_gleu
from rapidfuzz import fuzz
from rouge_score import rouge_scorer

import graderkit as gk
from graderkit._core.workflow.evals_rules import load_eval, split_row
from graderkit._run.datasets.data_files import DataError, read_jsonl
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.workflow.evals_migration import criteria_module, run_eval, write_criteria
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, judge_reply

FIXTURES = Path(__file__).parent.parent / "fixtures" / "evals"
EVAL = FIXTURES / "clinical-short-answers.eval.json"
ROWS = FIXTURES / "clinical-short-answers.rows.jsonl"
ROUGE = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def _concise_judge(request: FakeRequest) -> Any:
    """The fake judge labels an answer 'concise' when it has at most four words."""
    text = request.body["messages"][-1]["content"]
    answer = text.split("\nAnswer: ", 1)[1]
    return judge_reply("concise" if len(answer.split()) <= 4 else "verbose")


def _expected(item: dict[str, Any], output: str) -> dict[str, bool]:
    """Each criterion's pass/fail, computed without graderkit (criterion name -> passed)."""
    ref = item["reference_answer"]
    return {
        "Exact match": output == ref,
        "Mentions reference": ref.casefold() in output.casefold(),
        "Fuzzy similarity": fuzz.ratio(output, ref) / 100 >= 0.8,
        "ROUGE-L": ROUGE.score(ref, output)["rougeL"].fmeasure >= 0.5,
        "GLEU": sentence_gleu([ref.split()], output.split()) >= 0.4,
        "Concise": len(output.split()) <= 4,
        "Short answer": len(output.split()) <= 6,
    }


@pytest.fixture(scope="module")
def runner() -> Iterator[gk.Runner]:
    with (
        FakeOpenAI(chat=_concise_judge) as server,
        gk.Runner(
            models=ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ) as runner,
    ):
        yield runner


def test_the_exported_eval_runs_locally_with_identical_pass_fail(runner: gk.Runner) -> None:
    run = run_eval(EVAL, ROWS, runner=runner)
    rows = list(read_jsonl(ROWS))
    assert len(run.outcomes) == len(rows) == 108
    mismatches = []
    for row, outcomes in zip(rows, run.outcomes, strict=True):
        expected = _expected(row["item"], row["sample"]["output_text"])
        got = {o.criterion.name: o.passed for o in outcomes}
        if got != expected:
            mismatches.append((row["sample"]["output_text"], got, expected))
        assert all(not o.errored for o in outcomes)
    assert mismatches == []


def test_result_counts_match_an_independent_tally(runner: gk.Runner) -> None:
    run = run_eval(EVAL, ROWS, runner=runner)
    expected = [_expected(r["item"], r["sample"]["output_text"]) for r in read_jsonl(ROWS)]
    passed = sum(all(e.values()) for e in expected)
    assert run.result_counts == {
        "total": 108,
        "errored": 0,
        "failed": 108 - passed,
        "passed": passed,
    }
    per = {c.testing_criteria: (c.passed, c.failed) for c in run.per_criterion}
    for criterion in run.definition.criteria:
        n = sum(e[criterion.name] for e in expected)
        assert per[criterion.id] == (n, 108 - n)
    # the data set exercises both outcomes of every criterion
    assert all(0 < p < 108 for p, _ in per.values())


def test_criteria_keep_the_service_ids_and_report_results_like_output_items(
    runner: gk.Runner,
) -> None:
    raw = json.loads(EVAL.read_text())
    definition = load_eval(raw)
    assert [c.id for c in definition.criteria] == [c["id"] for c in raw["testing_criteria"]]
    assert definition.item_schema == raw["data_source_config"]["schema"]["properties"]["item"]
    run = run_eval(definition, [{"item": {"id": "x", "question": "q", "reference_answer": "a"},
                                 "sample": "a"}], runner=runner)  # fmt: skip
    item = next(run.output_items())
    assert item["object"] == "eval.run.output_item"
    first = item["results"][0]
    assert first["name"] == raw["testing_criteria"][0]["id"]
    assert first["type"] == "string-check-grader"
    assert (first["score"], first["passed"]) == (1.0, True)


def test_agreement_with_recorded_hosted_results_is_counted(runner: gk.Runner) -> None:
    definition = load_eval(EVAL.read_text())
    exact = definition.criteria[0]
    item = {"id": "q", "question": "?", "reference_answer": "sepsis"}

    def output_item(text: str, hosted_passed: bool) -> dict[str, Any]:
        return {
            "object": "eval.run.output_item",
            "datasource_item": item,
            "sample": {"output": [{"role": "assistant", "content": text}]},
            "results": [{"name": exact.id, "type": "string-check-grader",
                         "score": float(hosted_passed), "passed": hosted_passed}],
        }  # fmt: skip

    rows = [output_item("sepsis", True), output_item("Sepsis", False), output_item("x", True)]
    run = run_eval(definition, rows, runner=runner)
    counts = run.per_criterion[0]
    assert (counts.recorded, counts.agreed) == (3, 2)
    assert run.disagreements == 1
    assert run.per_criterion[1].recorded == 0


@pytest.mark.parametrize(
    ("row", "item", "sample"),
    [
        ({"item": {"a": 1}, "sample": "hi"}, {"a": 1}, "hi"),
        ({"item": {"a": 1}}, {"a": 1}, None),
        ({"a": 1, "item": 2}, {"a": 1, "item": 2}, None),
        ({"question": "q"}, {"question": "q"}, None),
    ],
    ids=["item+sample", "item-only", "flat-with-item-key", "flat"],
)
def test_row_shapes(row: dict[str, Any], item: dict[str, Any], sample: Any) -> None:
    parsed = split_row(row)
    assert (dict(parsed.item), parsed.sample) == (item, sample)


def test_rows_are_checked_against_the_item_schema() -> None:
    bad = [{"item": {"id": "x", "question": "q"}, "sample": "a"}]
    with pytest.raises(DataError, match=r"row 1: item does not match .*reference_answer"):
        run_eval(EVAL, bad)
    assert run_eval(EVAL, bad[:0]).result_counts["total"] == 0


def test_a_row_without_a_sample_is_an_error_when_criteria_read_the_sample() -> None:
    row = {"item": {"id": "x", "question": "q", "reference_answer": "a"}}
    with pytest.raises(DataError, match="row 1: no sample"):
        run_eval(EVAL, [row])


def test_item_only_criteria_need_no_sample() -> None:
    grader = gk.text_similarity(
        "{{item.response}}", "{{item.ground_truth}}", name="fuzzy", pass_threshold=0.5
    )
    definition = {"name": "items", "testing_criteria": [gk.to_openai(grader, "evals")]}
    rows = [{"response": "a cat", "ground_truth": "a cat"}, {"response": "x", "ground_truth": "yz"}]
    run = run_eval(definition, rows)
    assert [o[0].passed for o in run.outcomes] == [True, False]


@pytest.mark.parametrize(
    ("criteria", "match"),
    [
        ([], "testing_criteria=\\[\\] must be a non-empty list"),
        ([{"type": "multi", "name": "m", "graders": {"a": {"type": "string_check", "name": "a",
          "input": "x", "reference": "y", "operation": "eq"}}, "calculate_output": "a"}],
         "testing_criteria\\[0\\].type='multi' is only for fine-tuning"),
        ([{"type": "text_similarity", "name": "t", "input": "x", "reference": "y",
           "evaluation_metric": "bleu"}], "testing_criteria\\[0\\].pass_threshold is required"),
        ([{"type": "string_check", "name": "s", "input": "x", "reference": "y",
           "operation": "eq "}], "eval 'e': testing_criteria\\[0\\].operation='eq '"),
    ],
    ids=["empty", "multi", "no-threshold", "bad-operation"],
)  # fmt: skip
def test_invalid_definitions_name_the_criterion(criteria: list[Any], match: str) -> None:
    with pytest.raises(gk.InvalidGrader, match=match):
        load_eval({"name": "e", "testing_criteria": criteria})


def test_missing_thresholds_default_to_the_range_midpoint() -> None:
    from graderkit._core.results.grade_result import GradeResult
    from graderkit._core.workflow.evals_rules import criterion_passed, default_pass_threshold

    judge = gk.score_model("{{sample.output_text}}", model="m", name="j", range=(0, 10))
    assert default_pass_threshold(judge) == 5
    at = GradeResult(reward=5.0, name="j", type="score_model")
    below = GradeResult(reward=4.99, name="j", type="score_model")
    assert (criterion_passed(judge, at), criterion_passed(judge, below)) == (True, False)
    assert default_pass_threshold(judge.replace(pass_threshold=9)) is None


def test_migrated_criteria_round_trip(tmp_path: Path) -> None:
    definition = load_eval(EVAL.read_text())
    written = write_criteria(definition, tmp_path)
    assert [p.name for p in written][-1] == "criteria.py"
    for path, criterion in zip(written, definition.criteria, strict=False):
        assert gk.from_openai(path.read_text()) == criterion.grader
    assert written[-1].read_text() == criteria_module(definition)
    spec = importlib.util.spec_from_file_location("migrated_criteria", written[-1])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # import the generated module, as a user would
    assert [c.grader for c in definition.criteria] == module.CRITERIA
