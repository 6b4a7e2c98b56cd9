"""Grading a Ray Dataset: the bundled clinical dataset gives the same results as the local runner.

The Ray tests run on a local Ray instance (2 CPUs, no dashboard); the batch-format tests run
``GradeBatch`` directly, without Ray.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

import graderkit as gk
from graderkit._run.datasets.data_files import read_jsonl
from graderkit._run.judge.engine import ModelEngine
from graderkit.integrations.ray import RESULT_COLUMNS, GradeBatch, grade_dataset
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, judge_reply

CLINICAL = Path(__file__).resolve().parents[2] / "examples" / "clinical"
JUDGE = gk.score_model(
    "Reference: {{item.reference_answer}}\nAnswer: {{sample.output_text}}",
    model="gpt-4.1-mini",
    name="judge",
)


def _judge(request: FakeRequest) -> Any:
    """A deterministic judge: how many characters the answer shares with the reference."""
    reference, answer = request.body["messages"][-1]["content"].split("\nAnswer: ", 1)
    common = len(set(answer) & set(reference.removeprefix("Reference: ")))
    return judge_reply(min(1.0, common / 20))


def _examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clinical_graders", CLINICAL / "graders.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, Any]]:
    """One row per prediction: the item's columns plus the prediction's."""
    items = {row["id"]: row for row in read_jsonl(CLINICAL / "items.jsonl")}
    return [{**items[p["id"]], **p} for p in read_jsonl(CLINICAL / "predictions.jsonl")]


def _local(grader: gk.GraderBase, rows: list[dict[str, Any]], runner: gk.Runner) -> list[Any]:
    samples = [r["output_text"] for r in rows]
    items = [{k: v for k, v in r.items() if k != "output_text"} for r in rows]
    return list(runner.grade_many(grader, samples, items))


def _comparable(result_json: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(result_json)
    result["metadata"].pop("execution_time")
    return result


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    import ray  # the ray extra: installed in CI, so this test runs there (never skipped)

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(chat=_judge) as fake:
        yield fake


def _graded(ray: Any, grader: gk.GraderBase, **options: Any) -> list[dict[str, Any]]:
    dataset = ray.data.from_items(_rows())
    graded = grade_dataset(dataset, grader, batch_size=16, **options).take_all()
    return sorted(graded, key=lambda row: (row["id"], row["run"]))


RAY_WARNINGS = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:ray.data.context"  # Ray sets its own deprecated defaults
)


@RAY_WARNINGS
@pytest.mark.slow
def test_the_bundled_dataset_grades_the_same_on_ray_as_locally(ray_instance: Any) -> None:
    examples = _examples()
    rows = sorted(_rows(), key=lambda row: (row["id"], row["run"]))
    with gk.Runner() as runner:
        for grader in (examples.clinical_local, examples.clinical_python):
            local = _local(grader, rows, runner)
            graded = _graded(ray_instance, grader)
            assert len(graded) == len(local) == 108
            assert [g["reward"] for g in graded] == [r.reward for r in local]
            assert [g["passed"] for g in graded] == [r.passed for r in local]
            assert [json.loads(g["errors"]) for g in graded] == [dict(r.errors) for r in local]
            expected = [_comparable(json.dumps(r.to_dict())) for r in local]
            assert [_comparable(g["result"]) for g in graded] == expected
            assert len({g["reward"] for g in graded}) > 5  # a real spread of rewards


@RAY_WARNINGS
@pytest.mark.slow
def test_model_graders_on_ray_share_the_disk_cache(
    ray_instance: Any, server: FakeOpenAI, tmp_path: Path
) -> None:
    engine = {"base_url": server.base_url, "api_key": "sk-test"}
    cache = str(tmp_path / "cache")
    first = _graded(ray_instance, JUDGE, cache_dir=cache, engine=engine, concurrency=8)
    sent = server.request_count
    distinct = {(r["reference_answer"], r["output_text"]) for r in _rows()}
    assert len(distinct) <= sent <= 108  # duplicates in flight at once may both be sent
    again = _graded(ray_instance, JUDGE, cache_dir=cache, engine=engine, prefix="again_")
    assert server.request_count == sent  # every reply came from the shared cache
    assert [r["again_reward"] for r in again] == [r["reward"] for r in first]

    rows = sorted(_rows(), key=lambda row: (row["id"], row["run"]))
    local_engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
    with gk.Runner(models=local_engine) as runner:
        local = _local(JUDGE, rows, runner)
    assert [g["reward"] for g in first] == [r.reward for r in local]
    assert all(json.loads(g["errors"]) == {} for g in first)


# ------------------------------------------------------------------------ batch formats, no Ray

EXACT = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
FUZZY = gk.text_similarity(
    "{{sample.output_text}}", "{{item.answer}}", name="fuzzy", pass_threshold=0.5
)
ROWS = [
    {"output_text": "sepsis", "answer": "sepsis"},
    {"output_text": "sepsiss", "answer": "sepsis"},
    {"output_text": "gout", "answer": "sepsis"},
]


def _expected(grader: gk.GraderBase) -> list[tuple[float, bool | None]]:
    results = gk.grade_many(grader, [r["output_text"] for r in ROWS], ROWS)
    return [(r.reward, r.passed) for r in results]


@pytest.mark.parametrize(
    "make",
    [
        lambda: pa.Table.from_pylist(ROWS),
        lambda: pd.DataFrame(ROWS),
        lambda: {k: np.array([r[k] for r in ROWS]) for k in ROWS[0]},
    ],
    ids=["pyarrow", "pandas", "numpy"],
)
@pytest.mark.parametrize("grader", [EXACT, FUZZY], ids=["exact", "fuzzy"])
def test_every_batch_format_gains_the_result_columns(make: Any, grader: gk.GraderBase) -> None:
    batch = make()
    out = GradeBatch(grader.wire(), prefix="g_")(batch)
    assert type(out) is type(batch)
    columns = {
        name: list(out[f"g_{name}"].to_pylist() if isinstance(out, pa.Table) else out[f"g_{name}"])
        for name in RESULT_COLUMNS
    }
    assert list(zip(columns["reward"], columns["passed"], strict=True)) == _expected(grader)
    assert all(json.loads(e) == {} for e in columns["errors"])
    assert json.loads(columns["result"][0])["metadata"]["name"] == grader.name


def test_an_item_column_and_structured_samples() -> None:
    batch = pa.Table.from_pylist(
        [{"s": {"output_text": "yes"}, "row": {"answer": "yes"}, "other": 1}]
    )
    out = GradeBatch(EXACT, sample="s", item="row")(batch)
    assert out["reward"].to_pylist() == [1.0]


def test_a_missing_sample_column_is_named() -> None:
    with pytest.raises(KeyError, match="no column 'answer_text'"):
        GradeBatch(EXACT, sample="answer_text")(pa.Table.from_pylist(ROWS))


def test_an_empty_batch_stays_empty() -> None:
    out = GradeBatch(EXACT)(pa.Table.from_pylist(ROWS).slice(0, 0))
    assert out.num_rows == 0 and "reward" in out.column_names
