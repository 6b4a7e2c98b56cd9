"""Golden graders/run results: recording against a loopback service, replaying locally."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.datasets.data_files import DataError
from graderkit._run.workflow.parity_golden import (
    GoldenCase,
    check,
    read_golden,
    record,
    response_mismatches,
)
from graderkit._run.workflow.service_calls import ServiceClient
from graderkit.cli import main
from graderkit.testing.fake_openai import FakeOpenAI, HTTPError, judge_reply
from graderkit.testing.parity import assert_matches_golden

ROOT = Path(__file__).resolve().parents[2]
OBSERVED = ROOT / "tests" / "fixtures" / "spec-examples" / "observed.json"
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "observed.jsonl"
ITEMS = ROOT / "examples" / "clinical" / "items.jsonl"
PREDICTIONS = ROOT / "examples" / "clinical" / "predictions.jsonl"
exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="exact")
fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.reference_answer }}", name="fuzzy")
clinical = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")


def golden_from_observed(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """observed.json (the only real service numbers) as golden lines. Only the reward was
    observed, so the responses hold only the reward (error flags are then not compared)."""
    out = []
    for e in entries:
        if "grader" in e:
            grader, sample, item = e["grader"], e["model_sample"], e["item"]
            reward = e["observed_reward"]
        else:  # an Evals text_similarity criterion: input and reference are literal texts
            grader = {
                "type": "text_similarity", "name": e["evaluation_metric"],
                "input": "{{sample.output_text}}", "reference": "{{item.reference}}",
                "evaluation_metric": e["evaluation_metric"],
            }  # fmt: skip
            sample, item, reward = e["input"], {"reference": e["reference"]}, e["observed_score"]
        out.append(
            {"grader": grader, "model_sample": sample, "item": item,
             "response": {"reward": reward}, "what": e["what"], "source": e["source"]}
        )  # fmt: skip
    return out


def test_the_observed_golden_file_is_observed_json_converted() -> None:
    expected = golden_from_observed(json.loads(OBSERVED.read_text()))
    assert [json.loads(line) for line in GOLDEN.read_text().splitlines()] == expected


def test_graderkit_matches_the_observed_service_results() -> None:
    report = assert_matches_golden(GOLDEN)
    assert (report.checked, report.matched, report.skipped) == (2, 2, ())


def _result(**kw: Any) -> gk.GradeResult:
    return gk.GradeResult(**{"reward": 0.5, "name": "g", "type": "multi", **kw})


@pytest.mark.parametrize(
    ("response", "fields"),
    [
        ({"reward": 0.5}, []),
        ({"reward": 0.5 + 5e-10}, []),
        ({"reward": 0.5 + 2e-9}, ["reward"]),
        ({"reward": "0.5"}, ["reward"]),
        ({"reward": 0.5, "metadata": {"errors": {"other_error": False}}}, []),
        ({"reward": 0.5, "metadata": {"errors": {"other_error": True}}}, ["errors"]),
        ({"reward": 0.5, "sub_rewards": {"a": 0.25}}, []),
        ({"reward": 0.5, "sub_rewards": {"a": 0.3}}, ["sub_rewards.a"]),
        ({"reward": 0.5, "sub_rewards": {"b": 0.25}}, ["sub_rewards.b"]),
    ],
)
def test_the_comparison_rule(response: dict[str, Any], fields: list[str]) -> None:
    local = _result(sub_rewards={"a": 0.25})
    assert [f for f, _, _ in response_mismatches(response, local)] == fields


def test_locally_raised_flags_count_when_the_service_reports_flags() -> None:
    local = _result(errors={"invalid_variable_error": "item.x"})
    no_flags = {"reward": 0.5, "metadata": {"errors": {"invalid_variable_error": False}}}
    assert response_mismatches(no_flags, local) == [("errors", [], ["invalid_variable_error"])]
    assert response_mismatches({"reward": 0.5}, local) == []  # an observation without flags


def test_record_then_check_round_trips_through_the_service(tmp_path: Path) -> None:
    out = tmp_path / "golden.jsonl"
    items = {row["id"]: row for row in map(json.loads, ITEMS.read_text().splitlines())}
    preds = [json.loads(line) for line in PREDICTIONS.read_text().splitlines()][:12]
    cases = [(p["output_text"], items[p["id"]]) for p in preds]
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        done = record(clinical, cases, out=out, client=client, extra={"service": "fake"})
        bodies = [r.body for r in server.service_requests]
        again = record(clinical, cases, out=out, client=ServiceClient.from_env(
            base_url=server.base_url, api_key="sk-test"))  # fmt: skip
    assert (done.written, again.written, again.skipped) == (12, 0, 12)
    wire = gk.to_openai(clinical)
    sent = sorted(json.dumps(b, sort_keys=True) for b in bodies)
    assert sent == sorted(
        json.dumps({"grader": wire, "model_sample": t, "item": i}, sort_keys=True) for t, i in cases
    )
    golden = read_golden(out)
    assert len(golden) == 12 and golden[0].extra == {"service": "fake"}
    assert golden[0].response["metadata"]["errors"]["other_error"] is False
    assert check(out).matched == 12


def test_a_service_that_disagrees_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "golden.jsonl"
    with FakeOpenAI() as server:

        def shifted(body: Mapping[str, Any]) -> dict[str, Any]:
            result = gk.grade(
                gk.from_openai(dict(body["grader"])), body["model_sample"], body["item"]
            )
            data = result.to_dict()
            if body["model_sample"] == "b":
                data["reward"] += 0.01
                data["metadata"]["errors"]["other_error"] = True
            return data

        server.graders_run = shifted
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        record(exact, [("a", {"reference_answer": "a"}), ("b", {"reference_answer": "a"})],
               out=out, client=client)  # fmt: skip
    report = check(out)
    assert (report.checked, report.matched) == (2, 1)
    assert [(m.case, m.field) for m in report.mismatches] == [(2, "reward"), (2, "errors")]
    assert "case 2 (string_check 'exact'): reward is 0.0 locally, 0.01 on the service" in str(
        report.mismatches[0]
    )
    with pytest.raises(AssertionError, match=r"reward is 0\.0 locally"):
        assert_matches_golden(out)


def test_golden_lines_keep_the_input_order_when_calls_finish_out_of_order(
    tmp_path: Path,
) -> None:
    out = tmp_path / "golden.jsonl"
    later_answered = threading.Event()
    with FakeOpenAI() as server:

        def first_waits(body: Mapping[str, Any]) -> dict[str, Any]:
            if body["model_sample"] == "a":  # the first case answers after the others
                later_answered.wait(timeout=10)
            else:
                later_answered.set()
            grader = gk.from_openai(dict(body["grader"]))
            return gk.grade(grader, body["model_sample"], body["item"]).to_dict()

        server.graders_run = first_waits
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        cases = [(text, {"reference_answer": "a"}) for text in "abcd"]
        done = record(exact, cases, out=out, client=client, concurrency=4)
    assert done.written == 4 and later_answered.is_set()
    assert [case.model_sample for case in read_golden(out)] == ["a", "b", "c", "d"]


def test_failed_calls_are_reported_and_recorded_next_time(tmp_path: Path) -> None:
    out = tmp_path / "golden.jsonl"
    with FakeOpenAI() as server:
        server.enqueue_service(HTTPError(400, "Invalid type for 'item'"))
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        done = record(exact, [("a", {"reference_answer": "a"}), ("b", {"reference_answer": "b"})],
                      out=out, client=client, concurrency=1)  # fmt: skip
        assert done.written == 1 and "Invalid type" in done.failed[0][1]
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        again = record(exact, [("a", {"reference_answer": "a"}), ("b", {"reference_answer": "b"})],
                       out=out, client=client)  # fmt: skip
    assert (again.written, again.skipped) == (1, 1)
    assert assert_matches_golden(out).checked == 2


def test_model_graders_are_skipped_unless_asked(tmp_path: Path) -> None:
    judge = gk.score_model("Grade {{ sample.output_text }}", model="gpt-4.1", name="judge")
    out = tmp_path / "golden.jsonl"
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        server.enqueue(judge_reply(0.75))  # the service's judge call, made to this same server
        record(judge, [("an answer", {})], out=out, client=client)
        assert read_golden(out)[0].response["reward"] == 0.75
        skipped = check(out)
        assert (skipped.checked, len(skipped.skipped)) == (0, 1)
        with pytest.raises(AssertionError, match="skipped"):
            assert_matches_golden(out)
        assert assert_matches_golden(out, allow_skipped=True).skipped
        server.enqueue(judge_reply(0.75))  # the local replay's judge answers the same
        engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        with gk.Runner(models=engine) as runner:
            report = assert_matches_golden(out, runner=runner, include_models=True)
    assert (report.checked, report.matched) == (1, 1)


def test_a_grader_graderkit_rejects_is_a_mismatch() -> None:
    bad = GoldenCase({"type": "string_check", "operation": "equals", "input": "a", "reference": "a"},
                     "a", {}, {"reward": 1.0})  # fmt: skip
    report = check([bad])
    assert report.mismatches[0].field == "grader" and "rejected" in report.mismatches[0].actual


def test_malformed_golden_lines_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(GOLDEN.read_text() + json.dumps({"grader": {}, "model_sample": "x"}) + "\n")
    with pytest.raises(DataError, match=r"g\.jsonl:3: .*'response'"):
        read_golden(path)


def test_the_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "golden.jsonl"
    with FakeOpenAI() as server:
        code = main([
            "parity", "record", "examples/clinical/graders.py:clinical_local", "--data", str(ITEMS),
            "--samples", str(PREDICTIONS), "--out", str(out), "--limit", "6",
            "--base-url", server.base_url,
        ])  # fmt: skip
    assert code == 0 and "recorded 6" in capsys.readouterr().out
    assert read_golden(out)[0].extra == {"service": "openai"}
    assert main(["parity", "check", str(out)]) == 0
    assert "checked 6, matched 6" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    first = json.loads(lines[0])
    first["response"]["reward"] += 0.5
    out.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    assert main(["parity", "check", str(out)]) == 1
    assert "case 1" in capsys.readouterr().out
