"""A grader as a verifiers Rubric: the weighted-sum mapping, and scoring with real verifiers."""

from __future__ import annotations

import asyncio
import math
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._run.judge.engine import ModelEngine
from graderkit.integrations._linear import weighted_sum
from graderkit.integrations.verifiers import (
    RubricReward,
    require_verifiers,
    reward_functions,
    rollout_item,
    to_rubric,
)
from graderkit.testing.fake_openai import ChatCompletion, FakeOpenAI, FakeRequest, judge_reply

FUZZY = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
EXACT = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
TOPIC = gk.string_check("{{sample.output_text}}", "{{item.topic}}", operation="ilike", name="t")
CHILDREN = {"fuzzy": FUZZY, "exact": EXACT, "topic": TOPIC}


def _multi(formula: str) -> gk.MultiGrader:
    return gk.multi(CHILDREN, formula, name="m")


@pytest.mark.parametrize(
    ("formula", "weights"),
    [
        ("0.85 * fuzzy + 0.15 * exact", {"fuzzy": 0.85, "exact": 0.15, "topic": 0.0}),
        ("(fuzzy + exact + topic) / 3", {k: 1 / 3 for k in CHILDREN}),
        ("fuzzy - 0.5 * topic", {"fuzzy": 1.0, "exact": 0.0, "topic": -0.5}),
        ("-(exact * 2) + fuzzy * 3 / 2", {"fuzzy": 1.5, "exact": -2.0, "topic": 0.0}),
        ("2 * (fuzzy + 0.5 * (exact - topic))", {"fuzzy": 2.0, "exact": 1.0, "topic": -1.0}),
        ("fuzzy + exact - exact", {"fuzzy": 1.0, "exact": 0.0, "topic": 0.0}),
    ],
)
def test_weighted_sums_are_detected(formula: str, weights: dict[str, float]) -> None:
    got = weighted_sum(_multi(formula))
    assert got is not None
    assert got.keys() == weights.keys()
    assert all(math.isclose(got[k], weights[k]) for k in weights)


@pytest.mark.parametrize(
    "formula",
    ["max(fuzzy, exact)", "fuzzy * exact", "fuzzy ^ 2", "fuzzy + 0.1", "1 - fuzzy",
     "abs(fuzzy)", "fuzzy / exact", "fuzzy / (2 - 2)"],
)  # fmt: skip
def test_other_formulas_are_not_weighted_sums(formula: str) -> None:
    assert weighted_sum(_multi(formula)) is None
    [(function, weight)] = reward_functions(_multi(formula))
    assert (function.__name__, weight) == ("m", 1.0)


TERMS = st.lists(
    st.tuples(
        st.sampled_from(sorted(CHILDREN)),
        st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3)),
        st.sampled_from(["*", "/"]),
    ),
    min_size=1,
    max_size=6,
)
REWARDS = st.fixed_dictionaries({k: st.floats(0, 1) for k in CHILDREN})


@given(TERMS, REWARDS)
def test_the_weighted_sum_equals_the_formula(terms: list[Any], rewards: dict[str, float]) -> None:
    parts = []
    for key, c, op in terms:
        if op == "/" and c == 0:
            op = "*"
        parts.append(f"{key} {op} {abs(c)}" if c >= 0 else f"-({key} {op} {-c})")
    grader = _multi(" + ".join(parts))
    weights = weighted_sum(grader)
    assert weights is not None
    expected = grader.formula.evaluate(rewards)
    assert math.isclose(sum(weights[k] * rewards[k] for k in CHILDREN), expected, abs_tol=1e-9)


def test_the_item_merges_info_columns_answer_and_prompt() -> None:
    item = rollout_item("q", "a", {"answer": "ignored", "x": 1}, {"x": 2, "state": {}, "y": [3]})
    assert item == {"answer": "a", "x": 2, "y": [3], "prompt": "q"}
    assert rollout_item("q", None, None, {}) == {"answer": None, "prompt": "q"}


def test_reward_functions_call_like_verifiers_does() -> None:
    pairs = reward_functions(gk.multi(0.85 * FUZZY + 0.15 * EXACT, name="clinical"))
    assert [(f.__name__, w) for f, w in pairs] == [("fuzzy", 0.85), ("exact", 0.15)]
    completion = [{"role": "assistant", "content": "sepsiss"}]

    async def score() -> list[float]:
        return [
            await f(prompt=[], completion=completion, answer="sepsis", info={}) for f, _ in pairs
        ]

    fuzzy, exact = asyncio.run(score())
    assert fuzzy == gk.grade(FUZZY, "sepsiss", {"answer": "sepsis"}).reward and exact == 0.0
    assert repr(pairs[0][0]) == "RubricReward(text_similarity 'fuzzy', name='fuzzy')"


def test_a_missing_or_new_verifiers_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "verifiers", None)
    with pytest.raises(ImportError, match=r"pip install 'graderkit\[verifiers\]'"):
        require_verifiers()
    monkeypatch.setitem(sys.modules, "verifiers", types.ModuleType("verifiers"))
    with pytest.raises(ImportError, match="has no classic Rubric"):
        to_rubric(EXACT)


# ---------------------------------------------------------------------------- real verifiers


def _state(vf: Any, answer: str, text: str, **columns: Any) -> Any:
    from verifiers.types import State  # type: ignore[import-untyped]

    state = State(input={"prompt": [{"role": "user", "content": "?"}], "answer": answer,
                         "info": {"topic": "infection"}, "example_id": 0, **columns})  # fmt: skip
    state["completion"] = [{"role": "assistant", "content": text}]
    state["trajectory"] = []
    return state


TEXTS = ["sepsis", "sepsiss", "septic shock", "infection: sepsis", "gout"]


def test_the_rubric_reward_equals_the_multi_reward() -> None:
    vf = require_verifiers()
    clinical = gk.multi(CHILDREN, "0.7 * fuzzy + 0.2 * exact + 0.1 * topic", name="clinical")
    rubric = to_rubric(clinical)
    assert isinstance(rubric, vf.Rubric) and rubric.weights == [0.7, 0.2, 0.1]
    states = [_state(vf, "sepsis", text) for text in TEXTS]
    asyncio.run(rubric.score_group(states))
    for state, text in zip(states, TEXTS, strict=True):
        expected = gk.grade(clinical, text, {"answer": "sepsis", "topic": "infection"})
        assert state["reward"] == pytest.approx(expected.reward, abs=1e-12)
        assert state["metrics"] == pytest.approx(dict(expected.sub_rewards), abs=1e-12)
    assert len({s["reward"] for s in states}) == len(TEXTS)


def test_a_non_linear_grader_is_one_function_and_columns_reach_the_item() -> None:
    vf = require_verifiers()
    best = gk.multi({"fuzzy": FUZZY, "ref": gk.string_check(
        "{{sample.output_text}}", "{{item.alias}}", name="ref")}, "max(fuzzy, ref)", name="best")  # fmt: skip
    rubric = to_rubric(best)
    state = _state(vf, "sepsis", "blood poisoning", alias="blood poisoning")
    asyncio.run(rubric.score_rollout(state))
    assert state["reward"] == 1.0 and state["metrics"] == {"best": 1.0}


def _judge(request: FakeRequest) -> Any:
    return judge_reply(len(request.body["messages"][-1]["content"]) / 100)


@pytest.fixture
def judged() -> Iterator[tuple[FakeOpenAI, gk.Runner]]:
    with FakeOpenAI(chat=_judge, latency=0.05) as server:
        engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        with gk.Runner(models=engine, concurrency=8) as runner:
            yield server, runner


def test_judge_calls_run_concurrently_across_rollouts(judged: tuple[FakeOpenAI, gk.Runner]) -> None:
    vf = require_verifiers()
    server, runner = judged
    judge = gk.score_model("{{sample.output_text}}", model="gpt-4.1-mini", name="judge")
    rubric = to_rubric(judge, runner=runner)
    texts = [f"answer {'x' * i}" for i in range(8)]
    states = [_state(vf, "-", text) for text in texts]
    asyncio.run(rubric.score_group(states))
    assert [s["reward"] for s in states] == [len(t) / 100 for t in texts]
    assert server.max_in_flight > 1
    assert isinstance(rubric.funcs[0], RubricReward)


# ------------------------------------------------ verifiers 0.3's own rollout: SingleTurnEnv

REPLIES = {"q1": "sepsis", "q2": "sepsiss", "q3": "septic shock", "q4": "gout"}
ASKED = gk.python_grader(
    "def grade(sample, item):\n"
    "    return float(item['prompt'][-1]['content'] in ('q1', 'q2')) * len(sample['output_text']) / 10\n",
    name="asked",
)


def test_single_turn_env_evaluate_gives_graderkit_rewards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's failure: verifiers passes its own pydantic messages, which read as empty."""
    from datasets import Dataset  # type: ignore[import-untyped]

    vf = require_verifiers()
    clinical = gk.multi({"fuzzy": FUZZY, "exact": EXACT, "asked": ASKED},
                        "0.6 * fuzzy + 0.2 * exact + 0.2 * asked", name="clinical")  # fmt: skip

    def chat(request: FakeRequest) -> Any:
        return ChatCompletion(content=REPLIES[request.body["messages"][-1]["content"]])

    rows = [{"question": q, "answer": "sepsis"} for q in REPLIES]
    monkeypatch.setenv("GK_POLICY_KEY", "sk-test")
    with FakeOpenAI(chat=chat) as server:
        env = vf.SingleTurnEnv(dataset=Dataset.from_list(rows), rubric=to_rubric(clinical))
        client = vf.ClientConfig(api_base_url=server.base_url, api_key_var="GK_POLICY_KEY")
        outputs = env.evaluate_sync(client=client, model="policy", num_examples=len(rows))[
            "outputs"
        ]
    assert len(outputs) == len(rows)
    for out in outputs:
        text = REPLIES[out["prompt"][-1].content]
        assert type(out["completion"][-1]).__name__ == "AssistantMessage"  # pydantic, not dict
        item = {
            "answer": "sepsis",
            "prompt": [{"role": "user", "content": out["prompt"][-1].content}],
        }
        expected = gk.grade(clinical, text, item)
        assert out["reward"] == pytest.approx(expected.reward, abs=1e-12)
        assert {k: out["metrics"][k] for k in clinical.graders} == pytest.approx(
            dict(expected.sub_rewards)
        )
    assert len({out["reward"] for out in outputs}) == len(rows)
