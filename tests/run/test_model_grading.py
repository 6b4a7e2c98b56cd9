"""Model graders end to end: the cookbook's graders, loaded from JSON, run through the Runner and
the real ``openai`` client against a scripted loopback server, and give the service's shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.judge.cassette import Cassette, CassetteMiss
from graderkit._run.judge.model_grading import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS
from graderkit.testing.fake_openai import (
    ChatCompletion,
    FakeOpenAI,
    FakeRequest,
    HTTPError,
    Response,
    judge_reply,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
SPEC = FIXTURES / "spec-examples"
KEY = "sk-test-grading-abcdef"
ANSWER = re.compile(r"Reference Answer: (.*)\. Model's Answer: (.*)$", re.S)

ROWS = [
    # (model answer, reference, scripted judge result): exact, synonym, padded (out of range)
    ("septic shock", "septic shock", 1.0),
    ("valproic acid", "valproate", 0.982),
    ("pancreatitis", "acute pancreatitis", 0.843),
    ("aspirin 325 mg stat plus nitroglycerin and heparin", "aspirin", 1.35),
    ("acetaminophen overdose", "splenectomy", 0.0),
]
SCRIPT = {(answer, ref): result for answer, ref, result in ROWS}


def _load(path: Path) -> Any:
    return gk.from_openai(json.loads(path.read_text()))


def _clinical_judge(request: FakeRequest) -> Response:
    """Scores the pair the rubric's user message names, as a judge following it would."""
    match = ANSWER.match(request.body["messages"][-1]["content"])
    assert match is not None
    ref, answer = match.groups()
    result = SCRIPT[(answer, ref)]
    steps = [("compare", f"{answer!r} vs {ref!r}"), ("score", f"{result}")]
    usage = {
        "prompt_tokens": 900,
        "completion_tokens": 60,
        "total_tokens": 960,
        "cached_tokens": 512,
    }
    return judge_reply(result, steps, model="gpt-4.1-2025-04-14", usage=usage)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(chat=_clinical_judge, lifetime=120) as fake:
        yield fake


def _runner(server: FakeOpenAI, **kw: Any) -> gk.Runner:
    kw.setdefault("retry", RetryPolicy(max_attempts=2, base_delay=0.01))
    engine = ModelEngine.from_env(base_url=server.base_url, api_key=KEY, timeout=5.0, **kw)
    return gk.Runner(models=engine)


def _shape(out: dict[str, Any]) -> None:
    assert set(out) == {"reward", "metadata", "sub_rewards", "model_grader_token_usage_per_model"}
    meta = out["metadata"]
    assert set(meta) == {
        "name", "type", "errors", "execution_time", "scores", "token_usage", "sampled_model_name",
    }  # fmt: skip
    assert set(meta["errors"]) == set(ERROR_FLAGS) | set(DETAILS_KEYS.values())
    assert isinstance(meta["execution_time"], float) and meta["execution_time"] > 0
    json.dumps(out)


@pytest.mark.parametrize(
    "path",
    [SPEC / "cookbook-score-model.json", FIXTURES / "cookbook-score-model-layered.json"],
    ids=["additive", "layered"],
)
def test_cookbook_score_models_give_the_services_results(server: FakeOpenAI, path: Path) -> None:
    grader = _load(path)
    samples = [answer for answer, _, _ in ROWS]
    items = [{"reference_answer": ref} for _, ref, _ in ROWS]
    with _runner(server) as runner:
        results = runner.grade_many(grader, samples, items)
    assert len(results) == len(ROWS) == server.request_count
    for (answer, ref, scripted), result in zip(ROWS, results, strict=True):
        out = result.to_dict()
        _shape(out)
        assert out["reward"] == min(max(scripted, 0), 1)
        assert result.passed is (out["reward"] >= grader.pass_threshold)
        meta = out["metadata"]
        assert (meta["name"], meta["type"]) == (grader.name, "score_model")
        assert not any(meta["errors"][flag] for flag in ERROR_FLAGS)
        assert meta["sampled_model_name"] == "gpt-4.1-2025-04-14"
        usage = {
            "prompt_tokens": 900,
            "completion_tokens": 60,
            "total_tokens": 960,
            "cached_tokens": 512,
        }
        assert meta["token_usage"] == usage
        assert out["model_grader_token_usage_per_model"] == {"gpt-4.1-2025-04-14": usage}
        assert meta["scores"]["result"] == scripted
        assert meta["scores"]["steps"][0]["conclusion"] == f"{answer!r} vs {ref!r}"


def test_the_request_is_the_one_the_service_would_send(server: FakeOpenAI) -> None:
    grader = _load(SPEC / "cookbook-score-model.json")
    with _runner(server) as runner:
        runner.grade(grader, "septic shock", {"reference_answer": "septic shock"})
    (request,) = server.requests
    body = request.body
    wire = gk.to_openai(grader)
    assert body["messages"][0]["role"] == "developer"  # the service's format instruction
    assert body["messages"][0]["content"].startswith("Respond ONLY with a single JSON object")
    assert body["messages"][1] == wire["input"][0]  # the rubric, verbatim
    assert body["messages"][2] == {
        "role": "user",
        "content": "Reference Answer: septic shock. Model's Answer: septic shock",
    }
    assert (body["model"], body["seed"], body["temperature"]) == ("gpt-4.1-2025-04-14", 42, 0)
    assert (body["top_p"], body["max_completion_tokens"]) == (1, 4096)
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["schema"]["required"] == ["steps", "result"]
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_image_grader_sends_the_image_and_reasoning_effort(server: FakeOpenAI) -> None:
    server.chat = lambda request: judge_reply(0.0)
    grader = _load(SPEC / "score-model-image.json")
    with _runner(server) as runner:
        result = runner.grade(grader, "x = 2", {"image_url": "https://example.com/fig1.png"})
    assert result.reward == 0.0 and result.ok
    (request,) = server.requests
    parts = request.body["messages"][1]["content"]
    assert parts[0] == {"type": "text", "text": "Does the answer x = 2 match the figure?"}
    assert parts[1] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/fig1.png", "detail": "auto"},
    }
    assert request.body["reasoning_effort"] == "medium"
    assert "temperature" not in request.body and "top_p" not in request.body


@pytest.mark.parametrize(
    ("text", "label", "reward"),
    [("ok", "too short", 0.0), ("a fine answer", "just right", 1.0), ("x" * 500, "too long", 0.0)],
)
def test_label_model_inside_multi(server: FakeOpenAI, text: str, label: str, reward: float) -> None:
    def by_length(request: FakeRequest) -> Response:
        enum = request.body["response_format"]["json_schema"]["schema"]["properties"]["result"][
            "enum"
        ]
        assert enum == ["too short", "just right", "too long"]
        return judge_reply(label)

    server.chat = by_length
    grader = _load(SPEC / "label-model-in-multi.json")
    with _runner(server) as runner:
        result = runner.grade(grader, text)
    out = result.to_dict()
    assert out["reward"] == reward and out["sub_rewards"] == {"label": reward}
    assert result.sub_results["label"].scores["result"] == label
    assert out["metadata"]["type"] == "multi"
    assert set(out["model_grader_token_usage_per_model"]) == {"gpt-4.1-mini-2025-04-14"}


def test_missing_variable_sends_nothing(server: FakeOpenAI) -> None:
    grader = _load(SPEC / "cookbook-score-model.json")
    with _runner(server) as runner:
        result = runner.grade(grader, "sepsis", {"answer": "sepsis"})
    errors = result.to_dict()["metadata"]["errors"]
    assert result.reward == 0.0 and errors["invalid_variable_error"] is True
    assert "item.reference_answer" in errors["invalid_variable_error_details"]
    assert server.request_count == 0


def test_a_batch_with_faults_loses_nothing(server: FakeOpenAI) -> None:
    replies: dict[str, Response] = {
        "refuse": ChatCompletion(content=None, refusal="no"),
        "garbage": ChatCompletion(content="seven"),
        "down": HTTPError(500),
        "ok": judge_reply(0.5),
    }
    server.chat = lambda request: replies[request.body["messages"][-1]["content"].split()[-1]]
    grader = gk.score_model("Grade {{ sample.output_text }}", model="gpt-4.1", name="j")
    samples = [kind for kind in replies for _ in range(10)]
    with _runner(server) as runner:
        results = runner.grade_many(grader, samples)
    flags = [next(iter(r.errors), None) for r in results]
    expected = {
        "refuse": "model_grader_refusal_error",
        "garbage": "model_grader_parse_error",
        "down": "model_grader_server_error",
        "ok": None,
    }
    assert flags == [expected[s] for s in samples]


def test_record_once_then_replay_offline(tmp_path: Path) -> None:
    grader = _load(FIXTURES / "cookbook-score-model-layered.json")
    samples = [answer for answer, _, _ in ROWS]
    items = [{"reference_answer": ref} for _, ref, _ in ROWS]
    tape = tmp_path / "judge.jsonl"
    with FakeOpenAI(chat=_clinical_judge) as server:
        engine = ModelEngine.from_env(
            base_url=server.base_url, api_key=KEY, cassette=tape, mode="record"
        )
        with gk.Runner(models=engine) as runner:
            recorded = runner.grade_many(grader, samples, items)
        assert server.request_count == len(ROWS)
        url = server.base_url
    # The server is gone and there is no key: replay needs neither.
    engine = ModelEngine.from_env(base_url=url, api_key=None, cassette=tape, mode="replay")
    with gk.Runner(models=engine) as runner:
        replayed = runner.grade_many(grader, samples, items)
        with pytest.raises(CassetteMiss, match=r"request [0-9a-f]{64}"):
            runner.grade(grader, "something new", {"reference_answer": "sepsis"})

    def strip(r: gk.GradeResult) -> dict[str, Any]:
        out = r.to_dict()
        out["metadata"].pop("execution_time")
        return out

    assert [strip(r) for r in replayed] == [strip(r) for r in recorded]
    assert engine.ledger.total.requests == 0 and engine.ledger.total.cache_hits == len(ROWS)
    assert len(Cassette(tape, mode="replay")) == len(ROWS)


def test_structured_output_can_be_dropped_for_servers_that_refuse_it(server: FakeOpenAI) -> None:
    grader = _load(SPEC / "cookbook-score-model.json")
    with _runner(server, structured_output=False) as runner:
        result = runner.grade(grader, "septic shock", {"reference_answer": "septic shock"})
    with _runner(server) as runner:
        runner.grade(grader, "septic shock", {"reference_answer": "septic shock"})
    plain, structured = server.requests
    assert result.reward == 1.0
    assert "response_format" not in plain.body and "response_format" in structured.body
    assert plain.body["messages"] == structured.body["messages"]
    assert plain.body["messages"][0]["role"] == "developer"
