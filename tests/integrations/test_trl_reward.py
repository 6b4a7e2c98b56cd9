"""A grader as a TRL reward function: unit behaviour, concurrency, and a real GRPO step."""

from __future__ import annotations

import asyncio
import datetime
import pickle
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.judge.engine import ModelEngine
from graderkit.integrations.trl import AsyncTRLReward, TRLReward, reward_function
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, judge_reply

EXACT = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
FUZZY = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
CLINICAL = gk.multi(0.85 * FUZZY + 0.15 * EXACT, name="clinical")


def _length_judge(request: FakeRequest) -> Any:
    """A deterministic judge: the score is the answer's length / 10, capped at 1."""
    return judge_reply(min(1.0, len(request.body["messages"][-1]["content"]) / 10))


def _judge_expected(text: str) -> float:
    return min(1.0, len(text) / 10)


JUDGE = gk.score_model("{{sample.output_text}}", model="gpt-4.1-mini", name="judge")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(chat=_length_judge, latency=0.05) as fake:
        yield fake


@pytest.fixture
def runner(server: FakeOpenAI) -> Iterator[gk.Runner]:
    engine = ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
    with gk.Runner(models=engine, concurrency=16) as runner:
        yield runner


def test_the_function_is_named_after_the_grader_and_reads_dataset_columns() -> None:
    reward = reward_function(CLINICAL)
    assert isinstance(reward, TRLReward) and reward.__name__ == "clinical"
    got = reward(prompts=["p1", "p2"], completions=["sepsis", "sepsiss"], answer=["sepsis"] * 2)
    expected = [gk.grade(CLINICAL, c, {"answer": "sepsis"}).reward for c in ("sepsis", "sepsiss")]
    assert got == expected and got[0] == 1.0 and 0 < expected[1] < 1


def test_conversational_completions_use_the_last_assistant_message() -> None:
    reward = reward_function(EXACT)
    prompts = [[{"role": "user", "content": "?"}]] * 3
    completions = [
        [{"role": "assistant", "content": "draft"}, {"role": "assistant", "content": "yes"}],
        [{"role": "assistant", "content": [{"type": "text", "text": "y"}, {"type": "text", "text": "es"}]}],
        [{"role": "assistant", "content": "no"}],
    ]  # fmt: skip
    assert reward(prompts=prompts, completions=completions, answer=["yes"] * 3) == [1.0, 1.0, 0.0]


def test_tool_calls_become_output_tools_with_json_string_arguments() -> None:
    tool = gk.string_check(
        "{{sample.output_tools[0].function.arguments}}", '{"city": "Paris"}', name="tool"
    )
    completion = [{"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "weather", "arguments": {"city": "Paris"}}}]}]  # fmt: skip
    assert reward_function(tool)(prompts=["?"], completions=[completion]) == [1.0]


def test_the_prompt_and_every_column_are_in_the_item_but_trainer_keywords_are_not() -> None:
    seen = gk.python_grader(
        "def grade(sample, item):\n    return float(sorted(item) == ['answer', 'prompt'])\n",
        name="keys",
    )
    logged: list[tuple[str, float]] = []
    got = reward_function(seen)(
        prompts=["p"],
        completions=["c"],
        completion_ids=[[1, 2]],
        answer=["a"],
        trainer_state=object(),
        log_metric=lambda name, value: logged.append((name, value)),
    )
    assert got == [1.0]
    assert logged == [("keys/error_rate", 0.0)]


def test_errors_give_zero_or_none_and_are_logged() -> None:
    logged: dict[str, float] = {}
    columns = {"answer": ["a", "b"], "log_metric": logged.__setitem__}
    zero = reward_function(CLINICAL)(prompts=["p", "q"], completions=["a", "b"], **columns)
    missing = {"log_metric": logged.__setitem__}  # no answer column: invalid_variable_error
    with pytest.warns(gk.GraderkitWarning, match="reads {{ item.answer }}"):
        assert reward_function(EXACT)(prompts=["p"], completions=["a"], **missing) == [0.0]
    assert logged["exact/error_rate"] == 1.0
    with pytest.warns(gk.GraderkitWarning):
        none = reward_function(EXACT, on_error="none")(prompts=["p"], completions=["a"])
    assert (zero, none) == ([1.0, 1.0], [None])
    assert logged["clinical/fuzzy"] == 1.0 and logged["clinical/exact"] == 1.0


def test_a_missing_column_warns_once_per_column_naming_grader_and_key() -> None:
    both = gk.multi(
        {"a": EXACT, "r": gk.string_check("{{sample.output_text}}", "{{item.ref}}", name="r")},
        "a + r",
        name="both",
    )
    reward = reward_function(both)
    with pytest.warns(gk.GraderkitWarning) as caught:
        reward(prompts=["p"], completions=["x"], other=["y"])
    assert sorted(str(w.message).split(",")[0] for w in caught) == [
        "multi 'both' reads {{ item.answer }}",
        "multi 'both' reads {{ item.ref }}",
    ]
    assert "TRL passed no 'ref' (it passed: other, prompt)" in str(caught[1].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reward(prompts=["p"], completions=["x"], other=["y"]) == [0.0]  # no second warning


PY_EXACT = gk.python_grader(
    "def grade(sample, item):\n"
    "    assert item['created'].startswith('2026-')\n"
    "    return float(sample['output_text'].strip() == item['answer'])\n",
    name="py_exact",
)


@pytest.mark.parametrize("on_error", ["zero", "none"])
def test_a_non_json_column_is_converted_or_flagged_never_raised(on_error: Any) -> None:
    logged: dict[str, float] = {}
    got = reward_function(PY_EXACT, on_error=on_error)(
        prompts=["p", "q", "r"],
        completions=["4", "4", "5"],
        answer=["4", "4", "4"],
        created=[datetime.datetime(2026, 1, 6), {"a set"}, datetime.date(2026, 2, 1)],
        log_metric=logged.__setitem__,
    )
    assert got == [1.0, 0.0 if on_error == "zero" else None, 0.0]
    assert logged["py_exact/error_rate"] == pytest.approx(1 / 3)


def test_verifiers_style_pydantic_messages_are_read() -> None:
    from pydantic import BaseModel

    class AssistantMessage(BaseModel):
        role: str = "assistant"
        content: str | None = None

    completions = [[AssistantMessage(content="4")], AssistantMessage(content="5")]
    assert reward_function(EXACT)(prompts=["p"] * 2, completions=completions, answer=["4"] * 2) == [
        1.0,
        0.0,
    ]


def test_model_graders_run_concurrently_through_the_engine(
    server: FakeOpenAI, runner: gk.Runner
) -> None:
    texts = [f"answer {'x' * i}" for i in range(12)]
    before = server.request_count
    got = reward_function(JUDGE, runner=runner)(prompts=["p"] * 12, completions=texts)
    assert got == [_judge_expected(t) for t in texts]
    assert server.request_count - before == 12
    assert server.max_in_flight > 1


def test_the_async_function_gives_the_same_rewards(runner: gk.Runner) -> None:
    texts = ["a", "bbbbbbbbbbbb", "ccc"]
    reward = reward_function(JUDGE, runner=runner, asynchronous=True)
    assert isinstance(reward, AsyncTRLReward) and asyncio.iscoroutinefunction(reward.__call__)

    async def main() -> list[float | None]:
        return await reward(prompts=["p"] * 3, completions=texts)

    assert asyncio.run(main()) == [_judge_expected(t) for t in texts]


def test_the_function_pickles_without_a_runner() -> None:
    reward = reward_function(CLINICAL)
    copy = pickle.loads(pickle.dumps(reward))
    assert copy.grader == CLINICAL and copy.__name__ == "clinical"
    assert copy(prompts=["p"], completions=["sepsis"], answer=["sepsis"]) == [1.0]


def test_on_error_is_validated() -> None:
    with pytest.raises(ValueError, match="on_error must be"):
        reward_function(EXACT, on_error="skip")  # type: ignore[call-overload]


# --------------------------------------------------------------------------- a real GRPO step


def _tiny_model_and_tokenizer(directory: Path) -> tuple[Any, Any]:
    """A one-layer Llama over a character vocabulary, built from a config: nothing downloaded."""
    from char_tokenizer import VOCAB, char_tokenizer
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = char_tokenizer(directory)
    vocab = VOCAB
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
        pad_token_id=0, bos_token_id=1, eos_token_id=1,
    )  # fmt: skip
    return LlamaForCausalLM(config), tokenizer


@pytest.mark.filterwarnings("ignore::FutureWarning")  # transformers' own deprecations
def test_grpo_trains_one_step_with_graderkit_rewards(tmp_path: Path, runner: gk.Runner) -> None:
    import torch
    from datasets import Dataset  # type: ignore[import-untyped]
    from trl import GRPOConfig, GRPOTrainer  # type: ignore[attr-defined]

    torch.manual_seed(0)
    model, tokenizer = _tiny_model_and_tokenizer(tmp_path / "tokenizer")
    rows = [{"prompt": "what is a", "answer": "a"}, {"prompt": "what is b", "answer": "b"}] * 2
    seen: list[tuple[str, str]] = []

    def record(
        prompts: list[str], completions: list[str], answer: list[str], **_: Any
    ) -> list[float]:
        seen.extend(zip(completions, answer, strict=True))
        return [0.0] * len(completions)

    local = reward_function(CLINICAL, runner=runner)
    judge = reward_function(JUDGE, runner=runner, asynchronous=True)
    args = GRPOConfig(
        output_dir=str(tmp_path / "out"), per_device_train_batch_size=2, num_generations=2,
        max_completion_length=6, max_steps=1, use_cpu=True, report_to=[], logging_steps=1,
        save_strategy="no", seed=0, reward_weights=[1.0, 1.0, 0.0],
    )  # fmt: skip
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[local, judge, record],  # type: ignore[list-item]  # TRL types no async
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    trainer.train()

    assert trainer.state.global_step == 1
    logs = trainer.state.log_history[0]
    assert len(seen) == 2
    clinical = [gk.grade(CLINICAL, c, {"answer": a}).reward for c, a in seen]
    judged = [_judge_expected(c) for c, _ in seen]
    assert logs["rewards/clinical/mean"] == pytest.approx(sum(clinical) / 2, rel=1e-5)
    assert logs["rewards/judge/mean"] == pytest.approx(sum(judged) / 2, rel=1e-5)
    assert logs["clinical/error_rate"] == 0.0 and logs["judge/error_rate"] == 0.0


@pytest.mark.filterwarnings("ignore::FutureWarning")  # transformers' own deprecations
@pytest.mark.parametrize("trainer_name", ["GRPO", "RLOO"])
def test_a_python_grader_trains_over_a_timestamp_column(tmp_path: Path, trainer_name: str) -> None:
    """The issue's crash: a datetime column made every python-grader reward call raise."""
    import torch
    import trl
    from datasets import Dataset  # type: ignore[import-untyped]

    torch.manual_seed(0)
    model, tokenizer = _tiny_model_and_tokenizer(tmp_path / "tokenizer")
    created = datetime.datetime(2026, 1, 6, 9, 30)
    rows = [{"prompt": "what is a", "answer": "a", "created": created}] * 4
    seen: list[tuple[str, Any]] = []

    def record(completions: list[str], created: list[Any], **_: Any) -> list[float]:
        seen.extend(zip(completions, created, strict=True))
        return [0.0] * len(completions)

    reward = reward_function(PY_EXACT)
    config_cls = getattr(trl, f"{trainer_name}Config")
    trainer_cls = getattr(trl, f"{trainer_name}Trainer")
    args = config_cls(
        output_dir=str(tmp_path / "out"), per_device_train_batch_size=2, num_generations=2,
        max_completion_length=4, max_steps=1, use_cpu=True, report_to=[], logging_steps=1,
        save_strategy="no", seed=0, reward_weights=[1.0, 0.0], beta=0.0,
    )  # fmt: skip
    trainer = trainer_cls(
        model=model,
        reward_funcs=[reward, record],
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    trainer.train()

    assert trainer.state.global_step == 1
    logs = trainer.state.log_history[0]
    assert seen and all(isinstance(at, datetime.datetime) for _, at in seen)  # TRL's own value
    expected = [gk.grade(PY_EXACT, c, {"answer": "a", "created": at}).reward for c, at in seen]
    assert logs["rewards/py_exact/mean"] == pytest.approx(sum(expected) / len(expected), abs=1e-6)
    assert logs["py_exact/error_rate"] == 0.0
