"""verifiers.v1 rewards (verifiers 0.4's API): the mapping, and verifiers' own eval run.

The eval test runs verifiers' ``run_eval`` (what ``vf-eval`` runs): verifiers loads the taskset
in verifiers_taskset.py by id, runs its ``null`` harness (a chat program in a subprocess, which
talks through verifiers' interception server to graderkit's loopback OpenAI server with the
official openai client), and scores each trace with the Task's rewards. Every reward must equal
``gk.grade``'s. The main test environment runs this file against verifiers 0.3's ``v1``
package; test_verifiers_04.py runs it again in a virtualenv with verifiers 0.4.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit.integrations.verifiers import TaskReward, graded_by, task_item, task_rewards
from graderkit.testing.fake_openai import ChatCompletion, FakeOpenAI, FakeRequest, judge_reply

HERE = Path(__file__).parent
EXPECTED_VERIFIERS = os.environ.get("GRADERKIT_EXPECT_VERIFIERS")
"""Set by test_verifiers_04.py: the verifiers version this run must use."""


def test_the_installed_verifiers_is_the_expected_one() -> None:
    import verifiers  # type: ignore[import-untyped]

    expected = EXPECTED_VERIFIERS or "0.3."
    assert verifiers.__version__.startswith(expected)


def test_a_weighted_multi_becomes_one_reward_per_key() -> None:
    from verifiers_taskset import CLINICAL, JUDGE, ClinicalTask

    rewards = task_rewards(CLINICAL)
    assert [(r.__name__, r._vf_weight) for r in rewards] == [("fuzzy", 0.85), ("exact", 0.15)]
    assert [(r.__name__, r._vf_weight) for r in task_rewards(gk.multi(gk.max(*CLINICAL.graders.values()), name="m"))] == [("m", 1.0)]  # fmt: skip
    assert all(isinstance(r, TaskReward) and r.reward for r in rewards)
    assert (
        repr(task_rewards(JUDGE)[0]) == "TaskReward(score_model 'judge', name='judge', weight=1.0)"
    )
    hooks = ClinicalTask(_data()).hooks("reward")  # verifiers' own discovery of @vf.reward
    assert sorted(h.__name__ for h in hooks) == ["exact", "fuzzy", "judge", "stamped"]


def _data() -> Any:
    from verifiers_taskset import CREATED, ROWS, ClinicalData

    return ClinicalData(**ROWS[0], created=CREATED)


def test_the_item_is_the_task_data_without_rollout_settings() -> None:
    from verifiers_taskset import CREATED

    item = task_item(_data())
    assert item["answer"] == "sepsis" and item["prompt"] == "q1" and item["created"] == CREATED
    assert not {"idx", "skills", "timeout", "resources", "network_allow"} & item.keys()


def test_graded_by_never_shadows_task_methods() -> None:
    score = gk.string_check("{{ sample.output_text }}", "x", name="score")

    @graded_by(score)
    class Task:
        def score(self) -> str:
            return "verifiers' own"

    assert Task().score() == "verifiers' own" and Task._graderkit_score.__name__ == "score"


@pytest.fixture(autouse=True)
def _taskset_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))


def _trace(data: Any, reply: Any) -> Any:
    """A trace as verifiers records it: the prompt, then one sampled assistant message."""
    import verifiers.v1 as vf  # type: ignore[import-untyped]
    from verifiers.v1.graph import MessageNode  # type: ignore[import-untyped]

    return vf.Trace(
        task=vf.TraceTask(type="ClinicalTask", data=data),
        agent=vf.AgentInfo(config=vf.AgentConfig()),
        nodes=[MessageNode(message=vf.UserMessage(content="q?")),
               MessageNode(parent=0, message=reply, sampled=True)],
    )  # fmt: skip


def test_task_score_records_graderkit_rewards_without_a_runtime() -> None:
    import verifiers.v1 as vf
    from verifiers_taskset import CLINICAL, CREATED, STAMPED, ClinicalData

    @graded_by(CLINICAL)
    @graded_by(STAMPED)
    class LocalTask(vf.Task[ClinicalData]):  # type: ignore[misc]
        pass

    data = ClinicalData(prompt=[vf.UserMessage(content="q2")], answer="sepsis", created=CREATED)
    trace = _trace(data, vf.AssistantMessage(content="sepsiss (q2)"))
    asyncio.run(LocalTask(data).score(trace))  # verifiers' own scoring: discovery, invoke, record
    item = {"prompt": [{"role": "user", "content": "q2"}], "answer": "sepsis", "created": CREATED}
    clinical = gk.grade(CLINICAL, "sepsiss (q2)", item)
    assert {k: r.score for k, r in trace.rewards.items()} == {
        **clinical.sub_rewards, "stamped": gk.grade(STAMPED, "sepsiss (q2)", item).reward}  # fmt: skip
    assert trace.reward == pytest.approx(clinical.reward + 1.0)  # stamped: fresh and asked


def test_tool_calls_in_verifiers_messages_become_output_tools() -> None:
    import verifiers.v1 as vf

    city = gk.string_check(
        "{{ sample.output_tools[0].function.name }} {{ sample.output_tools[0].function.arguments }}",
        'weather {"city": "Paris"}',
        name="city",
    )
    call = vf.ToolCall(id="c1", name="weather", arguments='{"city": "Paris"}')
    trace = _trace(_data(), vf.AssistantMessage(content=None, tool_calls=[call]))
    [reward] = task_rewards(city)
    assert asyncio.run(reward(task=_data(), trace=trace)) == 1.0


def _chat(request: FakeRequest) -> Any:
    """The policy answers from REPLIES; the judge scores by the answer's length."""
    from verifiers_taskset import REPLIES

    messages = request.body["messages"]
    if request.body["model"] == "policy":
        return ChatCompletion(content=REPLIES[_text(messages[-1]["content"])])
    return judge_reply(min(1.0, len(_text(messages[-1]["content"])) / 100))


def _text(content: Any) -> str:
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


@pytest.mark.slow  # starts verifiers' interception server and a harness subprocess per rollout
def test_verifiers_own_eval_gives_graderkit_rewards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifiers.v1.cli.eval.runner import run_eval  # type: ignore[import-untyped]
    from verifiers.v1.configs.cli.eval import EvalConfig  # type: ignore[import-untyped]
    from verifiers_taskset import CLINICAL, CREATED, REPLIES, ROWS, RUNNER, STAMPED

    bin_dir = str(Path(sys.executable).parent)  # the environment's uv, for verifiers' harness
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    with FakeOpenAI(chat=_chat) as server:
        for name in ("OPENAI_API_KEY", "GK_POLICY_KEY"):
            monkeypatch.setenv(name, "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        config = EvalConfig(
            env={"taskset": {"id": "verifiers_taskset"},
                 "agent": {"harness": {"id": "null"}, "runtime": {"type": "subprocess"}}},
            model="policy", client={"base_url": server.base_url, "api_key_var": "GK_POLICY_KEY"},
            push=False, rich=None, output_dir=tmp_path, num_rollouts=1,
        )  # fmt: skip
        episodes = asyncio.run(run_eval(config))
        RUNNER.close()
        judged = sum(r.body["model"] == "gpt-4.1-mini" for r in server.requests)

    traces = {_asked(t.task.data.model_dump()["prompt"]): t for e in episodes for t in e.traces}
    assert len(traces) == len(ROWS) and judged == len(ROWS)
    for row in ROWS:
        trace = traces[_asked(row["prompt"])]
        assert trace.errors == [] and trace.ok
        reply, item = REPLIES[_asked(row["prompt"])], {**row, "created": CREATED}
        clinical = gk.grade(CLINICAL, reply, item)
        expected = {
            "fuzzy": clinical.sub_rewards["fuzzy"],
            "exact": clinical.sub_rewards["exact"],
            "stamped": gk.grade(STAMPED, reply, item).reward,
            "judge": min(1.0, len(f"Score {reply} against {row['answer']}.") / 100),
        }
        assert {k: r.score for k, r in trace.rewards.items()} == pytest.approx(expected, abs=1e-12)
        total = clinical.reward + expected["stamped"] + expected["judge"]
        assert trace.reward == pytest.approx(total, abs=1e-12)
    assert len({t.reward for t in traces.values()}) == len(ROWS)


def _asked(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else _text(prompt[-1]["content"])
