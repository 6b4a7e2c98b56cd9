"""OpenRLHF: `graderkit export openrlhf` loaded and called by OpenRLHF's own code.

OpenRLHF 0.11.2 is installed without its GPU stack (``pip install --no-deps openrlhf`` plus
``pylatexenc``, which its ``openrlhf.utils`` package imports; see the Makefile). The test hands
the exported file to OpenRLHF's ``SingleTurnAgentExecutor`` as ``remote_rm_url`` (its loader
of reward function files) and runs ``execute``: OpenRLHF tokenizes the prompt with a real
tokenizer, asks the generation engine for a continuation, decodes prompt and response into the
query, calls ``reward_func`` and reads the rewards back. The engine is the one scripted part:
vLLM cannot be installed on a CPU machine, and OpenRLHF's next consumer,
``openrlhf/trainer/ppo_utils/samples_generator.py``, imports it at module level
(``ModuleNotFoundError: No module named 'vllm'``), so the test applies that module's one use
of the reward, ``torch.tensor([reward])``, itself.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import graderkit as gk
from graderkit.cli import main
from graderkit.integrations.openrlhf import (
    END_MARKERS,
    OpenRLHFReward,
    openrlhf_row,
    openrlhf_source,
)

EXACT = gk.string_check("{{ sample.output_text }}", "{{ item.label }}", name="exact")
FUZZY = gk.text_similarity("{{ sample.output_text }}", "{{ item.label }}", name="fuzzy")
GRADER = gk.multi(0.5 * EXACT + 0.5 * FUZZY, name="qa")
ROWS = [
    ("q: 2+2? a: ", "4", "4"),
    ("q: 3+3? a: ", "six", "6"),
    ("q: capital? a: ", "pariss", "paris"),
]
"""(prompt, the scripted engine's response, label)."""


@pytest.mark.parametrize(
    ("query", "prompt", "expected"),
    [
        ("p: x<eos>", "p: ", "x"),
        ("p: x<|im_end|><|endoftext|>", "p: ", "x"),
        ("other x</s>", "p: ", "other x"),
        ("p: <eos> inside", "p: ", "<eos> inside"),
    ],
)
def test_the_response_is_the_query_after_the_prompt(query: str, prompt: str, expected: str) -> None:
    assert openrlhf_row(query, prompt, None, END_MARKERS)[0] == expected


def test_labels_become_items() -> None:
    row = {"prompt": "p", "query": "px"}
    assert openrlhf_row("px", "p", {"answer": "4"})[1] == {
        "answer": "4",
        "label": {"answer": "4"},
        **row,
    }
    assert openrlhf_row("px", "p", "{not json")[1] == {"label": "{not json", **row}
    assert openrlhf_row("px", "p", ["a"])[1] == {"label": ["a"], **row}


def test_the_reward_func_returns_tensors_per_query() -> None:
    out = OpenRLHFReward(GRADER)(
        [p + r + "<eos>" for p, r, _ in ROWS], [p for p, _, _ in ROWS], [g for *_, g in ROWS]
    )
    expected = [
        gk.grade(GRADER, r, {"label": g, "prompt": p, "query": p + r + "<eos>"}) for p, r, g in ROWS
    ]
    assert out["rewards"].tolist() == pytest.approx([e.reward for e in expected])
    assert out["scores"].tolist() == out["rewards"].tolist()
    assert sorted(out["extra_logs"]) == ["qa/error", "qa/exact", "qa/fuzzy"]
    assert out["extra_logs"]["qa/fuzzy"].tolist() == pytest.approx(
        [e.sub_rewards["fuzzy"] for e in expected]
    )


def test_the_export_cli_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grader_file = tmp_path / "qa.json"
    grader_file.write_text(gk.to_json(GRADER))
    assert main(["export", "openrlhf", str(grader_file), "--out", str(tmp_path / "rm.py")]) == 0
    assert f"--remote_rm_url {(tmp_path / 'rm.py').resolve()}" in (tmp_path / "rm.py").read_text()
    assert main(["export", "openrlhf", str(grader_file)]) == 0
    assert capsys.readouterr().out == openrlhf_source(gk.from_openai(gk.to_json(GRADER)))


class ScriptedEngine:
    """Stands in for OpenRLHF's vLLM engine: answers each prompt with a scripted response."""

    def __init__(self, tokenizer: Any, replies: dict[str, str]) -> None:
        self.tokenizer, self.replies = tokenizer, replies

    async def generate(self, prompt_token_ids: list[int], params: Any, multi_modal_data: Any = None) -> Any:  # fmt: skip
        prompt = self.tokenizer.decode(prompt_token_ids)
        ids = self.tokenizer(self.replies[prompt], add_special_tokens=False)["input_ids"]
        output = SimpleNamespace(token_ids=[*ids, self.tokenizer.eos_token_id], finish_reason="stop", logprobs=None)  # fmt: skip
        return SimpleNamespace(outputs=[output])


@pytest.mark.filterwarnings("ignore::FutureWarning")  # transformers' own deprecations
@pytest.mark.parametrize("label_kind", ["string", "json object"])
def test_openrlhf_loads_and_calls_the_exported_file(tmp_path: Path, label_kind: str) -> None:
    import torch
    from char_tokenizer import char_tokenizer
    from openrlhf.utils.agent import SingleTurnAgentExecutor  # type: ignore[import-untyped]

    path = tmp_path / "graderkit_qa_openrlhf.py"
    grader = GRADER
    if label_kind == "json object":  # a label column holding JSON: its keys are the item's
        grader = gk.multi(0.5 * EXACT.replace(reference="{{ item.answer }}") + 0.5 * FUZZY.replace(reference="{{ item.answer }}"), name="qa")  # fmt: skip
    path.write_text(openrlhf_source(grader, str(path)))
    tokenizer = char_tokenizer(tmp_path / "tokenizer")
    executor = SingleTurnAgentExecutor(remote_rm_url=str(path))  # OpenRLHF's own file loader
    engine = ScriptedEngine(tokenizer, {p: r for p, r, _ in ROWS})
    params = SimpleNamespace(max_tokens=16, logprobs=None)

    def label(truth: str) -> str:
        return truth if label_kind == "string" else json.dumps({"answer": truth})

    async def run() -> list[dict[str, Any]]:
        return [
            await executor.execute(p, label(g), params, 64, tokenizer, engine) for p, _, g in ROWS
        ]

    outputs = asyncio.run(run())
    for (prompt, response, truth), out in zip(ROWS, outputs, strict=True):
        _, item = openrlhf_row(prompt + response + "<eos>", prompt, label(truth))
        expected = gk.grade(grader, response, item)
        assert out["reward"].tolist() == pytest.approx([expected.reward])
        assert torch.tensor([out["reward"]]).shape == (1,)  # samples_generator's use of it
        assert out["extra_logs"]["qa/error"].tolist() == [0.0]
    rewards = [out["reward"].item() for out in outputs]
    assert rewards[0] == 1.0 and 0 < rewards[2] < 1
