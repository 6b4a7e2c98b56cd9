"""OpenRLHF: a grader as a reward function file, ``reward_func(queries, prompts, labels)``.

OpenRLHF takes a Python file where it would take a reward server's URL::

    --remote_rm_url /path/to/graderkit_clinical_openrlhf.py --label_key answer

and calls the file's ``reward_func`` with lists: ``queries`` (prompt and response decoded
together, special tokens kept), ``prompts`` and ``labels`` (the ``--label_key`` column).
``graderkit export openrlhf GRADER --out DIR`` writes that file (see
[`openrlhf_source`][graderkit.integrations.openrlhf.openrlhf_source]);
[`OpenRLHFReward`][graderkit.integrations.openrlhf.OpenRLHFReward] is the same function.

* The sample is [`response_text`][graderkit.integrations.openrlhf.response_text]: the query
  after its prompt, without trailing end-of-sequence markers.
* The item is [`openrlhf_item`][graderkit.integrations.openrlhf.openrlhf_item]: a dict label
  (or a JSON-object string) gives its keys, any other label is ``{{ item.label }}``; the prompt
  is ``{{ item.prompt }}``.
* It returns what OpenRLHF reads: ``{"rewards": tensor, "scores": tensor, "extra_logs":
  {"<name>/<key>": tensor, "<name>/error": tensor}}``, one entry per query.

The remote option instead: serve the grader with ``graderkit serve`` and pass its
``/get_reward`` URL as ``--remote_rm_url`` (OpenRLHF posts ``{"query", "prompts", "labels"}``).

Nothing here imports OpenRLHF; the file needs graderkit and torch (OpenRLHF has torch).
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graderkit._core.graders.models import GraderBase
from graderkit.integrations._completions import MissingColumns
from graderkit.integrations._reward_file import grader_literal, reward_file_name
from graderkit.integrations._threads import runner_or_default

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["END_MARKERS", "OpenRLHFReward", "openrlhf_item", "openrlhf_source", "response_text"]

END_MARKERS = (
    "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>", "<eos>",
)  # fmt: skip
"""End-of-sequence texts that tokenizers decode with ``skip_special_tokens=False``."""


def response_text(query: str, prompt: str, end_markers: Sequence[str] = END_MARKERS) -> str:
    """The response inside an OpenRLHF query: the text after ``prompt`` (the whole query when
    it does not start with the prompt), with trailing ``end_markers`` removed.

    Examples:
        >>> response_text("Q: 2+2? A: 4<|im_end|>", "Q: 2+2? A: ")
        '4'
    """
    text = query[len(prompt) :] if query.startswith(prompt) else query
    stripped = True
    while stripped:
        stripped = False
        for marker in end_markers:
            if marker and text.endswith(marker):
                text, stripped = text[: -len(marker)], True
    return text


def openrlhf_item(label: Any, prompt: Any) -> dict[str, Any]:
    """The item for one query: a mapping label's keys (a string holding a JSON object counts),
    else ``{"label": label}``; then ``prompt``.

    Examples:
        >>> openrlhf_item("4", "2+2?")
        {'label': '4', 'prompt': '2+2?'}
        >>> openrlhf_item('{"answer": "4", "topic": "math"}', "2+2?")
        {'answer': '4', 'topic': 'math', 'prompt': '2+2?'}
    """
    if isinstance(label, str) and label.lstrip().startswith("{"):
        with contextlib.suppress(ValueError):  # not JSON: the label stays a string
            label = json.loads(label)
    item: dict[str, Any] = dict(label) if isinstance(label, Mapping) else {"label": label}
    item["prompt"] = prompt
    return item


class OpenRLHFReward:
    """OpenRLHF's ``reward_func(queries, prompts, labels)`` over one grader.

    Args:
        grader: any grader (or its JSON).
        runner: the runner holding the backends (default: graderkit's shared runner).
        end_markers: the texts stripped from the end of each response.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.label }}", name="exact")
        >>> out = OpenRLHFReward(exact)(["2+2? 4</s>", "3+3? 7</s>"], ["2+2? ", "3+3? "], ["4", "6"])
        >>> out["rewards"].tolist(), sorted(out["extra_logs"])
        ([1.0, 0.0], ['exact/error'])
    """

    def __init__(
        self,
        grader: GraderBase | Mapping[str, Any],
        *,
        runner: Runner | None = None,
        end_markers: Sequence[str] = END_MARKERS,
    ) -> None:
        from graderkit._core.graders.wire import from_openai

        self.grader = grader if isinstance(grader, GraderBase) else from_openai(dict(grader))
        self.runner = runner
        self.end_markers = tuple(end_markers)
        self.__name__ = self.grader.result_name
        self._columns = MissingColumns(self.grader, "OpenRLHF")

    def __repr__(self) -> str:
        return f"OpenRLHFReward({self.grader.label})"

    def __call__(
        self, queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any]
    ) -> dict[str, Any]:
        """Rewards (and scores, and per-key logs) for a batch of queries, as tensors."""
        samples = [response_text(q, str(p), self.end_markers) for q, p in zip(queries, prompts, strict=True)]  # fmt: skip
        items = [openrlhf_item(label, p) for label, p in zip(labels, prompts, strict=True)]
        if items:
            self._columns.check(items[0].keys())
        results = runner_or_default(self.runner).grade_many(self.grader, samples, items)
        rewards = [r.reward for r in results]
        logs: dict[str, list[float]] = {}
        for r in results:
            for key, value in r.sub_rewards.items():
                logs.setdefault(f"{self.__name__}/{key}", []).append(value)
            logs.setdefault(f"{self.__name__}/error", []).append(1.0 if r.errors else 0.0)
        torch = importlib.import_module("torch")  # untyped here; OpenRLHF depends on it
        tensor = torch.tensor
        return {
            "rewards": tensor(rewards, dtype=torch.float32),
            "scores": tensor(rewards, dtype=torch.float32),
            "extra_logs": {key: tensor(v, dtype=torch.float32) for key, v in logs.items()},
        }


OPENRLHF_TEMPLATE = '''"""OpenRLHF reward function: graderkit grader {label}.

Generated by `graderkit export openrlhf`. Pass this file where OpenRLHF takes a reward URL:

    --remote_rm_url {path} --label_key <the column your grader reads as item.label>

Needs graderkit where OpenRLHF runs. Model graders read OPENAI_BASE_URL and OPENAI_API_KEY.
"""

import json

from graderkit.integrations.openrlhf import OpenRLHFReward

GRADER = json.loads({literal})

_reward = OpenRLHFReward(GRADER)


def reward_func(queries, prompts, labels):
    """{{"rewards": tensor, "scores": tensor, "extra_logs": {{...}}}} for a batch of queries."""
    return _reward(queries, prompts, labels)
'''


def openrlhf_source(grader: GraderBase, path: str | None = None) -> str:
    """The reward file ``graderkit export openrlhf`` writes (``path`` goes into its docstring).

    Examples:
        >>> import graderkit as gk
        >>> source = openrlhf_source(gk.string_check("{{sample.output_text}}", "4", name="exact"))
        >>> "def reward_func(queries, prompts, labels):" in source
        True
    """
    where = path or reward_file_name(grader, "openrlhf")
    return OPENRLHF_TEMPLATE.format(label=grader.label, path=where, literal=grader_literal(grader))
