"""Sampling predictions through the model engine, against a real loopback server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.datasets.data_files import DataError
from graderkit._run.judge.retry import RetryPolicy
from graderkit._run.workflow.baseline_sampling import (
    SamplingConfig,
    SamplingError,
    completed_pairs,
    sample,
    sampling_request,
)
from graderkit.cli import main
from graderkit.testing.fake_openai import ChatCompletion, FakeOpenAI, FakeRequest, HTTPError

ROOT = Path(__file__).resolve().parents[2]
ITEMS = ROOT / "examples" / "clinical" / "items.jsonl"


def _items(n: int = 4) -> list[dict[str, Any]]:
    return [
        {"id": f"q{i}", "messages": [{"role": "user", "content": f"question {i}"}], "answer": "x"}
        for i in range(n)
    ]


def _echo(request: FakeRequest) -> ChatCompletion:
    """Answers with the question and the seed, so each line shows what was asked."""
    question = request.body["messages"][-1]["content"]
    return ChatCompletion(f"{question} / seed {request.body.get('seed')}", model="fake-4")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _engine(server: FakeOpenAI, **kw: Any) -> gk.ModelEngine:
    return gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test", **kw)


def test_every_item_and_run_is_answered_once(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with FakeOpenAI(chat=_echo) as server:
        report = sample(
            _items(), SamplingConfig("m", runs=3, seed=10), out=out, engine=_engine(server)
        )
        assert server.request_count == 12
    lines = _lines(out)
    assert report.written == 12 and report.failed == []
    assert sorted((r["id"], r["run"]) for r in lines) == [
        (f"q{i}", r) for i in range(4) for r in range(3)
    ]
    for row in lines:
        assert row["output_text"] == f"question {row['id'][1:]} / seed {10 + row['run']}"
        assert row["model"] == "fake-4" and row["finish_reason"] == "stop"
        assert row["total_tokens"] == row["prompt_tokens"] + row["completion_tokens"] > 0
    assert report.usage["completion_tokens"] == sum(r["completion_tokens"] for r in lines)


def test_the_request_carries_the_sampling_parameters() -> None:
    item = {**_items(1)[0], "tools": [{"type": "function", "function": {"name": "f"}}]}
    schema = {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}}
    config = SamplingConfig(
        "o4-mini", runs=2, reasoning_effort="medium", temperature=0.5,
        max_completion_tokens=256, seed=3, response_format=schema,
    )  # fmt: skip
    body = sampling_request(item, config, run=1)
    assert body == {
        "model": "o4-mini",
        "messages": item["messages"],
        "tools": item["tools"],
        "reasoning_effort": "medium",
        "temperature": 0.5,
        "max_completion_tokens": 256,
        "seed": 4,
        "response_format": schema,
    }
    assert set(sampling_request(item, SamplingConfig("m"), run=0)) == {"model", "messages", "tools"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": ""}, "model"),
        ({"model": "m", "runs": 0}, "runs=0"),
        ({"model": "m", "reasoning_effort": "max"}, "reasoning_effort='max'"),
        ({"model": "m", "max_completion_tokens": 0}, "max_completion_tokens"),
    ],
)
def test_bad_settings_raise_before_any_request(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SamplingError, match=message):
        SamplingConfig(**kwargs)


def test_items_must_have_messages_and_unique_ids(tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        with pytest.raises(DataError, match="'messages'"):
            sample([{"id": "a"}], SamplingConfig("m"), out=tmp_path / "a", engine=_engine(server))
        with pytest.raises(DataError, match="no 'id'"):
            sample(
                [{"messages": []}], SamplingConfig("m"), out=tmp_path / "b", engine=_engine(server)
            )
        twice = _items(1) * 2
        with pytest.raises(DataError, match="appears twice"):
            sample(twice, SamplingConfig("m"), out=tmp_path / "c", engine=_engine(server))


def test_a_rerun_asks_only_for_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with FakeOpenAI(chat=_echo) as server:
        sample(_items(2), SamplingConfig("m", runs=2), out=out, engine=_engine(server))
        server.reset_log()
        report = sample(_items(3), SamplingConfig("m", runs=2), out=out, engine=_engine(server))
        assert server.request_count == 2 and report.skipped == 4 and report.written == 2
    assert len(_lines(out)) == 6 == len({(r["id"], r["run"]) for r in _lines(out)})


def test_a_torn_last_line_is_dropped_and_asked_again(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    out.write_text(json.dumps({"id": "q0", "run": 0, "output_text": "kept"}) + '\n{"id": "q1", "ru')
    assert completed_pairs(out) == {("q0", 0)}
    assert out.read_text().endswith("}\n")
    with FakeOpenAI(chat=_echo) as server:
        sample(_items(2), SamplingConfig("m"), out=out, engine=_engine(server))
        assert server.request_count == 1
    assert [r["output_text"] for r in _lines(out)] == ["kept", "question 1 / seed None"]


def test_a_complete_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    out.write_text(json.dumps({"id": "q0", "run": 0, "output_text": "kept"}))
    assert completed_pairs(out) == {("q0", 0)}
    assert out.read_text().endswith("\n")


def test_failures_are_reported_not_written_and_retried_next_time(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    engine_options = {"retry": RetryPolicy(max_attempts=1), "concurrency": 1}
    with FakeOpenAI(chat=_echo) as server:
        server.enqueue(HTTPError(400, "bad request"))
        report = sample(
            _items(3), SamplingConfig("m"), out=out, engine=_engine(server, **engine_options)
        )
        assert report.written == 2 and len(report.failed) == 1
        assert "HTTP 400" in report.failed[0][2]
        again = sample(_items(3), SamplingConfig("m"), out=out, engine=_engine(server))
        assert (again.written, again.skipped) == (1, 2)
    assert len(_lines(out)) == 3


def test_a_reply_cache_needs_seeds_to_tell_runs_apart(tmp_path: Path) -> None:
    with FakeOpenAI(chat=_echo) as server:
        cached = _engine(server, cache_dir=tmp_path / "cache")
        with pytest.raises(SamplingError, match="set a seed"):
            sample(_items(1), SamplingConfig("m", runs=2), out=tmp_path / "a", engine=cached)
        config = SamplingConfig("m", runs=2, seed=0)
        sample(
            _items(2),
            config,
            out=tmp_path / "b",
            engine=_engine(server, cache_dir=tmp_path / "cache"),
        )
        assert server.request_count == 4
        sample(
            _items(2),
            config,
            out=tmp_path / "c",
            engine=_engine(server, cache_dir=tmp_path / "cache"),
        )
        assert server.request_count == 4  # every answer came from the cache
    assert _lines(tmp_path / "b") != [] and sorted(map(str, _lines(tmp_path / "b"))) == sorted(
        map(str, _lines(tmp_path / "c"))
    )


def test_the_command_samples_the_clinical_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.jsonl"
    with FakeOpenAI(chat=_echo) as server:
        code = main([
            "sample", "--model", "o4-mini", "--data", str(ITEMS), "--out", str(out),
            "--runs", "3", "--reasoning-effort", "medium", "--limit", "5",
            "--base-url", server.base_url,
        ])  # fmt: skip
        bodies = [r.body for r in server.requests]
    assert code == 0 and "written 15" in capsys.readouterr().out
    assert {b["reasoning_effort"] for b in bodies} == {"medium"} and len(bodies) == 15
    assert len(_lines(out)) == 15


def test_killed_mid_run_then_resumed_loses_and_repeats_nothing(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    with FakeOpenAI(chat=_echo, latency=0.05) as server:
        command = [
            sys.executable, "-m", "graderkit.cli", "sample", "--model", "m", "--data", str(ITEMS),
            "--out", str(out), "--runs", "2", "--concurrency", "2", "--base-url", server.base_url,
        ]  # fmt: skip
        env = {**os.environ, "OPENAI_API_KEY": "sk-test"}
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while (
            not out.exists() or len(out.read_text().splitlines()) < 10
        ) and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        before = len(completed_pairs(out))
        assert 10 <= before < 72
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pairs = [(r["id"], r["run"]) for r in _lines(out)]
    assert len(pairs) == len(set(pairs)) == 72
    assert f"already there {before}" in done.stdout


def test_the_report_prices_the_answers(tmp_path: Path) -> None:
    from graderkit._run.judge.accounting import DEFAULT_PRICES

    usage = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}
    with FakeOpenAI(chat=lambda request: ChatCompletion("x", usage=usage)) as server:
        priced = sample(
            _items(2), SamplingConfig("o4-mini"), out=tmp_path / "a", engine=_engine(server)
        )
        unpriced = sample(
            _items(2), SamplingConfig("my-local-model"), out=tmp_path / "b", engine=_engine(server)
        )
    assert priced.cost == pytest.approx(2 * DEFAULT_PRICES["o4-mini"].cost(1000, 500))
    assert "cost $" in "\n".join(priced.lines())
    assert unpriced.cost is None and "cost unknown" in "\n".join(unpriced.lines())
