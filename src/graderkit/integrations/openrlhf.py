"""OpenRLHF: a grader as a reward function file, ``reward_func(queries, prompts, labels)``.

OpenRLHF takes a Python file where it would take a reward server's URL::

    --remote_rm_url /path/to/graderkit_clinical_openrlhf.py --label_key answer

and calls the file's ``reward_func`` with lists: ``queries`` (prompt and response decoded
together, special tokens kept), ``prompts`` and ``labels`` (the ``--label_key`` column).
``graderkit export openrlhf GRADER --out DIR`` writes that file (see
[`openrlhf_source`][graderkit.integrations.openrlhf.openrlhf_source]);
[`OpenRLHFReward`][graderkit.integrations.openrlhf.OpenRLHFReward] is the same function.

* The sample and item are [`openrlhf_row`][graderkit.integrations.openrlhf.openrlhf_row]'s
  (the same rule ``graderkit serve`` applies): the query after its prompt, without trailing
  end-of-sequence markers ([`END_MARKERS`][graderkit.integrations.openrlhf.END_MARKERS] by
  default); the item is ``prompt``, ``label`` and ``query``, plus the label's keys when it is
  a JSON object.
* It returns what OpenRLHF reads: ``{"rewards": tensor, "scores": tensor, "extra_logs":
  {"<name>/<key>": tensor, "<name>/error": tensor}}``, one entry per query.

The remote option instead: serve the grader with ``graderkit serve`` and pass its
``/get_reward`` URL as ``--remote_rm_url`` (OpenRLHF posts ``{"query", "prompts", "labels"}``).

Nothing here imports OpenRLHF; the file needs graderkit and torch (OpenRLHF has torch).
"""

from __future__ import annotations

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

__all__ = ["END_MARKERS", "OpenRLHFReward", "openrlhf_row", "openrlhf_source"]

END_MARKERS = (
    "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>", "<eos>",
)  # fmt: skip
"""End-of-sequence texts that tokenizers decode with ``skip_special_tokens=False``."""


def openrlhf_row(
    query: str, prompt: str, label: Any, strip: Sequence[str] = ()
) -> tuple[str, dict[str, Any]]:
    """The (sample, item) graded for one OpenRLHF row: the one rule for the reward file and
    for ``graderkit serve``'s ``/get_reward``.

    OpenRLHF sends ``query`` = prompt + response (decoded with special tokens), the ``prompt``
    and the dataset's ``label``. The sample is the response: ``query`` without the leading
    ``prompt`` (the whole query when it does not start with it), then without any of the
    ``strip`` suffixes (end-of-sequence text). The item is ``{"prompt", "label", "query"}``
    plus, when the label is a JSON object (or a string holding one), its keys, so a grader
    reads ``{{ item.label }}`` or ``{{ item.reference_answer }}``.

    Examples:
        >>> openrlhf_row("Q: capital? A: Paris<eos>", "Q: capital? A: ", "Paris", ["<eos>"])
        ('Paris', {'prompt': 'Q: capital? A: ', 'label': 'Paris', 'query': 'Q: capital? A: Paris<eos>'})
        >>> openrlhf_row("x", "", '{"reference_answer": "y"}')[1]["reference_answer"]
        'y'
    """
    response = query[len(prompt) :] if prompt and query.startswith(prompt) else query
    trimmed = True
    while trimmed:
        trimmed = False
        for suffix in strip:
            if suffix and response.endswith(suffix):
                response, trimmed = response[: -len(suffix)], True
    item: dict[str, Any] = {}
    fields = label
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            fields = json.loads(label)
        except (ValueError, RecursionError):
            fields = None
    if isinstance(fields, dict):
        item.update(fields)
    item.update({"prompt": prompt, "label": label, "query": query})
    return response, item


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
        rows = [
            openrlhf_row(q, str(p), label, self.end_markers)
            for q, p, label in zip(queries, prompts, labels, strict=True)
        ]
        samples, items = [r[0] for r in rows], [r[1] for r in rows]
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
