"""grade_file: every sample graded once, lines equal to one-at-a-time grading, all grader kinds.

The subprocess kill -9 tests are in tests/test_cli_grade.py; resuming from any file state is in
tests/run/test_resume.py.
"""

from __future__ import annotations

import io
import json
import random
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._core.results.result_lines import encode_result
from graderkit._run.datasets.batch_run import grade_file
from graderkit._run.datasets.data_files import DataError
from graderkit._run.datasets.progress import Progress
from graderkit._run.judge.accounting import price_for
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.cli.grader_references import load_grader
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, judge_reply

ROOT = Path(__file__).resolve().parent.parent.parent
CLINICAL = ROOT / "examples" / "clinical"
ITEMS, PREDICTIONS = CLINICAL / "items.jsonl", CLINICAL / "predictions.jsonl"
LOCAL = load_grader(f"{CLINICAL / 'graders.py'}:clinical_local")
PYTHON = load_grader(f"{CLINICAL / 'graders.py'}:clinical_python")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _without_time(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "metadata": {**row["metadata"], "execution_time": None}}


def _expected(grader: gk.GraderBase, runner: gk.Runner | None = None) -> dict[tuple[str, int], Any]:
    """Each prediction graded on its own with gk.grade, as its results line."""
    items = {row["id"]: row for row in _rows(ITEMS)}
    out = {}
    for pred in _rows(PREDICTIONS):
        result = gk.grade(grader, pred["output_text"], items[pred["id"]], runner=runner)
        line = json.loads(encode_result("id", pred["id"], pred["run"], result))
        out[(pred["id"], pred["run"])] = _without_time(line)
    return out


@pytest.mark.parametrize("grader", [LOCAL, PYTHON], ids=["local-by-column", "python-concurrent"])
def test_lines_equal_grading_each_sample_alone(grader: gk.GraderBase, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with gk.Runner() as runner:
        run = grade_file(grader, ITEMS, PREDICTIONS, out, runner=runner, concurrency=4)
        expected = _expected(grader, runner)
    rows = _rows(out)
    assert {(r["id"], r["run"]): _without_time(r) for r in rows} == expected
    assert len(rows) == len(expected) == run.graded == run.summary.count == 108
    assert (run.skipped, run.repeated, run.torn) == (0, 0, False)
    assert all(r["metadata"]["execution_time"] > 0 for r in rows)


def _judge(request: FakeRequest) -> Any:
    text = request.body["messages"][-1]["content"]
    score = (len(text) % 10) / 10
    usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
    delay = random.Random(text).uniform(0, 0.02)  # replies finish out of order
    return judge_reply(score, model="gpt-4.1-mini-2025-04-14", usage=usage, delay=delay)


def test_a_judge_model_runs_concurrently_out_of_order_with_tokens_and_cost(tmp_path: Path) -> None:
    judge = gk.score_model(
        "Reference: {{item.reference_answer}}. Answer: {{sample.output_text}}",
        model="gpt-4.1-mini",
        name="judge",
    )
    out = tmp_path / "out.jsonl"
    with FakeOpenAI(chat=_judge, lifetime=120) as server:
        engine = ModelEngine.from_env(
            base_url=server.base_url, api_key="sk-test", retry=RetryPolicy(max_attempts=1)
        )
        with gk.Runner(models=engine) as runner:
            run = grade_file(
                judge, ITEMS, PREDICTIONS, out, runner=runner, concurrency=8, price_for=price_for
            )
        assert server.request_count == 108 and 1 < server.max_in_flight <= 8
    rows = _rows(out)
    order = [(r["id"], r["run"]) for r in rows]
    assert len(set(order)) == 108
    assert order != [(p["id"], p["run"]) for p in _rows(PREDICTIONS)], "written as they finished"
    assert run.summary.tokens["gpt-4.1-mini-2025-04-14"]["prompt_tokens"] == 108 * 100
    assert run.summary.cost == pytest.approx(108 * (100 * 0.40 + 10 * 1.60) / 1e6)


def test_by_line_join_names_results_by_the_items_key(tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    answers = [row["reference_answer"] for row in _rows(ITEMS)]
    preds.write_text("".join(json.dumps({"output_text": a}) + "\n" for a in answers[:5]))
    run = grade_file(LOCAL, ITEMS, preds, tmp_path / "out.jsonl")
    rows = _rows(tmp_path / "out.jsonl")
    assert [(r["id"], r["run"], r["reward"]) for r in rows] == [
        (f"q0{i}", 0, 1.0) for i in range(1, 6)
    ]
    assert run.summary.mean == 1.0


def test_repeated_predictions_are_graded_once(tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    lines = [json.dumps(p) + "\n" for p in _rows(PREDICTIONS)[:6]]
    preds.write_text("".join(lines + lines[:2]))
    run = grade_file(LOCAL, ITEMS, preds, tmp_path / "out.jsonl")
    assert (run.graded, run.repeated) == (6, 2)
    assert len(_rows(tmp_path / "out.jsonl")) == 6
    again = grade_file(LOCAL, ITEMS, preds, tmp_path / "out.jsonl")
    assert (again.graded, again.skipped, again.repeated) == (0, 6, 2)


def test_runs_repeat_predictions_without_a_run(tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        '{"id": "q02", "output_text": "pulmonary embolism"}\n{"id": "q01", "output_text": "x"}\n'
    )
    run = grade_file(LOCAL, ITEMS, preds, tmp_path / "out.jsonl", runs=2)
    keys = [(r["id"], r["run"]) for r in _rows(tmp_path / "out.jsonl")]
    assert keys == [("q02", 0), ("q02", 1), ("q01", 0), ("q01", 1)]
    assert run.summary.run_means == {0: run.summary.mean, 1: run.summary.mean}
    assert any("deterministic" in note for note in run.notes)


@pytest.mark.parametrize(
    ("lines", "runs", "message"),
    [
        (['{"id": "q01", "run": 0, "output_text": "a"}'], 2, "repeats grading only"),
        (['{"id": "q01", "output_text": "a"}', '{"output_text": "b"}'], 1, "while earlier predictions have one"),
        (['{"id": "q01"}'], 1, "no 'output_text'"),
        (['{"id": "q01", "output_text": "a"}', "[1]"], 1, "expected a JSON object"),
    ],
    ids=["run-with-runs", "mixed-join", "no-output", "not-an-object"],
)  # fmt: skip
def test_bad_predictions_stop_with_the_line(
    tmp_path: Path, lines: list[str], runs: int, message: str
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=re.escape(message)) as info:
        grade_file(LOCAL, ITEMS, preds, tmp_path / "out.jsonl", runs=runs)
    assert str(preds) in str(info.value)


def test_a_bad_line_stops_a_concurrent_run_too(tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "q01", "output_text": "a"}\n{"id": "q99", "output_text": "b"}\n')
    with pytest.raises(DataError, match="q99"):
        grade_file(PYTHON, ITEMS, preds, tmp_path / "out.jsonl", concurrency=2)
    assert len(_rows(tmp_path / "out.jsonl")) <= 1


def test_the_key_may_not_shadow_a_result_field(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="key='reward'"):
        grade_file(LOCAL, ITEMS, PREDICTIONS, tmp_path / "out.jsonl", key="reward")


def test_progress_bar_draws_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grade_file(LOCAL, ITEMS, PREDICTIONS, tmp_path / "out.jsonl", progress=True)
    err = capsys.readouterr().err
    assert "\rgrading  108/108  100.0%" in err and err.endswith("\n")
    grade_file(LOCAL, ITEMS, PREDICTIONS, tmp_path / "quiet.jsonl")
    assert capsys.readouterr().err == ""


def test_progress_text() -> None:
    stream = io.StringIO()
    bar = Progress(1000, initial=400, stream=stream, enabled=True, interval=0, label="grading")
    bar.advance(100)
    assert bar.text(elapsed=10.0) == "grading  500/1,000  50.0%  10.0/s  ETA 0:00:50"
    assert stream.getvalue().startswith("\rgrading  500/1,000")
    bar.advance(600)  # more than the estimate: the total follows
    assert bar.text(elapsed=10.0).startswith("grading  1,100/1,100  100.0%")
    assert Progress(None, stream=stream, enabled=True).text(0) == "  0  0.0/s"
    assert not Progress(10, stream=io.StringIO()).enabled  # not a terminal


def _predictions(path: Path, runs: int) -> Path:
    rows = _rows(PREDICTIONS)
    with open(path, "w", encoding="utf-8") as out:
        for run in range(runs):
            for row in rows[run % 3 :: 3]:
                out.write(
                    json.dumps({"id": row["id"], "run": run, "output_text": row["output_text"]})
                    + "\n"
                )
    return path


@pytest.mark.slow
def test_memory_stays_flat_as_predictions_grow(tmp_path: Path) -> None:
    peaks = []
    for runs in (250, 1000):  # 9,000 and 36,000 samples
        samples = _predictions(tmp_path / f"preds{runs}.jsonl", runs)
        tracemalloc.start()
        grade_file(LOCAL, ITEMS, samples, tmp_path / f"out{runs}.jsonl")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.2 * peaks[0], peaks


def test_the_results_folder_is_created(tmp_path: Path) -> None:
    run = grade_file(LOCAL, ITEMS, PREDICTIONS, tmp_path / "new" / "folder" / "out.jsonl")
    assert run.out.is_file() and run.graded == 108
