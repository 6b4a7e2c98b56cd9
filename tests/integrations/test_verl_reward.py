"""veRL: `graderkit export verl` loaded and called by veRL's own code.

veRL 0.9.1 is installed without its GPU stack (``pip install --no-deps verl`` plus what its
reward loading imports: tensordict, omegaconf; see the Makefile). The test writes the reward
file with the CLI, lets veRL's ``load_reward_manager`` load it from the config
(``get_custom_reward_fn``) into its ``naive`` reward manager, and scores responses through the
manager's ``run_single`` (decoding response token ids with a real tokenizer) and
``assemble_rm_scores``. Every score must equal ``gk.grade``'s reward.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graderkit as gk
from graderkit.cli import main
from graderkit.integrations.verl import VerlReward, verl_item, verl_source

pytestmark = [
    pytest.mark.filterwarnings("ignore:Ray state API is no longer experimental:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),  # transformers' own deprecations
]

EXACT = gk.string_check("{{ sample.output_text }}", "{{ item.ground_truth }}", name="exact")
FUZZY = gk.text_similarity("{{ sample.output_text }}", "{{ item.ground_truth }}", name="fuzzy")
STAMPED = gk.python_grader(
    "def grade(sample, item):\n"
    "    fresh = item['created'].startswith('2026-')\n"
    "    return 0.5 * fresh + 0.5 * (item['ground_truth'] in sample['output_text'])\n",
    name="stamped",
)
GRADER = gk.multi({"exact": EXACT, "fuzzy": FUZZY, "stamped": STAMPED},
                  "0.2 * exact + 0.3 * fuzzy + 0.5 * stamped", name="qa")  # fmt: skip
CREATED = np.datetime64("2026-01-06T09:30:00")
ROWS = [
    ("what is 2+2?", "4", "4"),
    ("what is 3+3?", "six", "6"),
    ("capital?", "paris", "paris"),
    ("capital?", "pariss", "paris"),
]
"""(prompt, response the policy produced, ground truth)."""


def test_the_item_is_extra_info_then_ground_truth_and_data_source() -> None:
    assert verl_item("d", "gt", {"ground_truth": "old", "q": 1}) == {
        "ground_truth": "gt", "q": 1, "data_source": "d"}  # fmt: skip
    assert verl_item("d", "gt", None) == {"ground_truth": "gt", "data_source": "d"}


def test_the_reward_returns_score_sub_rewards_and_error() -> None:
    got = VerlReward(GRADER)("qa", "4", "4", {"created": CREATED})
    expected = gk.grade(GRADER, "4", {"ground_truth": "4", "data_source": "qa", "created": CREATED})
    assert got == {"score": expected.reward, "qa/exact": 1.0, "qa/fuzzy": 1.0,
                   "qa/stamped": 1.0, "qa/error": 0.0}  # fmt: skip
    with pytest.warns(gk.GraderkitWarning, match=r"reads {{ item.answer }}, but veRL passed no"):
        VerlReward(gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="a"))(
            "qa", "4", "4", {}
        )
    bad = VerlReward(STAMPED)("qa", "4", "4", {"created": {1}})
    assert bad == {"score": 0.0, "stamped/error": 1.0}


def test_the_export_cli_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grader_file = tmp_path / "qa.json"
    grader_file.write_text(gk.to_json(GRADER))
    assert main(["export", "verl", str(grader_file), "--out", str(tmp_path)]) == 0
    written = tmp_path / "graderkit_qa_verl.py"
    assert f"wrote {written}" in capsys.readouterr().err
    assert f"reward.custom_reward_function.path={written.resolve()}" in written.read_text()
    assert main(["export", "verl", str(grader_file)]) == 0
    assert capsys.readouterr().out == verl_source(gk.from_openai(gk.to_json(GRADER)))


def test_compute_score_is_async_unless_the_grader_is_local(tmp_path: Path) -> None:
    for grader, expect_async in [
        (GRADER, True),
        (gk.multi(0.5 * EXACT + 0.5 * FUZZY, name="l"), False),
    ]:
        path = tmp_path / f"{grader.result_name}.py"
        path.write_text(verl_source(grader))
        spec = importlib.util.spec_from_file_location("custom_module", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert inspect.iscoroutinefunction(module.compute_score) is expect_async
        args = ("qa", "4", "4", {"created": CREATED})
        got = (
            asyncio.run(module.compute_score(*args))
            if expect_async
            else module.compute_score(*args)
        )
        assert got["score"] == VerlReward(grader)(*args)["score"]


def _batch(tokenizer: Any) -> Any:
    """A veRL DataProto like the rollout produces: left-padded prompts, right-padded responses."""
    import torch
    from verl import DataProto  # type: ignore[import-untyped]

    def ids(texts: list[str], left: bool) -> Any:
        rows = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
        width = max(map(len, rows))
        pad = tokenizer.pad_token_id
        padded = [
            [pad] * (width - len(r)) + r if left else r + [pad] * (width - len(r)) for r in rows
        ]
        return torch.tensor(padded), torch.tensor([[t != pad for t in r] for r in padded]).long()

    prompts, prompt_mask = ids([p for p, _, _ in ROWS], left=True)
    responses, response_mask = ids([r + "<eos>" for _, r, _ in ROWS], left=False)
    return DataProto.from_dict(
        tensors={"prompts": prompts, "responses": responses,
                 "input_ids": torch.cat([prompts, responses], dim=1),
                 "attention_mask": torch.cat([prompt_mask, response_mask], dim=1)},
        non_tensors={
            "data_source": np.array(["qa"] * len(ROWS), dtype=object),
            "reward_model": np.array([{"ground_truth": g} for *_, g in ROWS], dtype=object),
            "extra_info": np.array([{"question": p, "created": CREATED} for p, *_ in ROWS], dtype=object),
        },
    )  # fmt: skip


@pytest.mark.slow  # importing veRL (Ray, torch, tensordict) takes tens of seconds
def test_verl_loads_and_calls_the_exported_file(tmp_path: Path) -> None:
    from char_tokenizer import char_tokenizer
    from omegaconf import OmegaConf
    from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager  # type: ignore[import-untyped]

    path = tmp_path / "graderkit_qa_verl.py"
    path.write_text(verl_source(GRADER, str(path)))
    config = OmegaConf.create({"reward": {
        "custom_reward_function": {"path": str(path), "name": "compute_score", "reward_kwargs": {}},
        "reward_manager": {"source": "register", "name": "naive"},
    }})  # fmt: skip
    loaded = get_custom_reward_fn(config)  # veRL's own file loader
    assert loaded is not None and inspect.iscoroutinefunction(loaded)  # a python grader: awaited
    tokenizer = char_tokenizer(tmp_path / "tokenizer")
    data = _batch(tokenizer)

    async def score() -> tuple[Any, list[dict[str, Any]]]:
        manager = load_reward_manager(config, tokenizer)
        return manager, [await manager.run_single(data[i : i + 1]) for i in range(len(data))]

    manager, outputs = asyncio.run(score())
    assert type(manager).__name__ == "NaiveRewardManager"
    for (prompt, response, truth), out in zip(ROWS, outputs, strict=True):
        item = {"question": prompt, "created": CREATED, "ground_truth": truth, "data_source": "qa"}
        expected = gk.grade(GRADER, response, item)
        assert out["reward_score"] == expected.reward
        assert out["reward_extra_info"]["qa/stamped"] == expected.sub_rewards["stamped"]
        assert out["reward_extra_info"]["qa/error"] == 0.0
    scores = [out["reward_score"] for out in outputs]
    rm_scores = manager.assemble_rm_scores(data, scores)
    assert rm_scores.sum(dim=1).tolist() == pytest.approx(scores)
    assert 0 < min(scores) < max(scores) == 1.0  # the decoded text reached the grader
