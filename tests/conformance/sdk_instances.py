"""Grader JSON built from the fields openai-python declares, enumerated from its types.

For every grader TypedDict of a target (see ``sdk_request_types.SURFACES``), the instances are a
covering set, one factor at a time: the required fields alone; then each optional field added;
then, for each field, every other variant of its type (each ``Literal`` value, each arm of a
``Union``, ``None`` for ``Optional``), recursively into nested TypedDicts and lists.

Where the SDK types a field as plain ``str`` or ``float`` the value must still mean something
(a template, a model name, a ``[min, max]`` range): ``VALUES`` gives the documented value per
field name, and each is commented with where the meaning comes from.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, get_args, get_origin

from sdk_request_types import MULTI_CHILD, SURFACES, required_keys, strip_required, union_members
from typing_extensions import is_typeddict

VALUES: dict[str, list[Any]] = {
    "name": ["checker"],
    "model": ["gpt-4.1-mini"],
    "input": ["{{ sample.output_text }}"],  # string_check/text_similarity: a template
    "reference": ["{{ item.answer }}"],
    "text": ["Grade {{ sample.output_text }} against {{ item.answer }}."],
    "content": ["Grade {{ sample.output_text }}."],
    "source": ["def grade(sample, item):\n    return 1.0\n"],
    "image_tag": ["2025-05-08"],  # the guide's tag
    "image_url": ["{{ item.image_url }}", "https://example.com/cat.png"],
    "data": ["{{ item.audio_b64 }}"],
    "detail": ["auto", "high", "low"],  # SDK: str, documented 'high' | 'low' | 'auto'
    "role": ["user", "critic"],  # an Evals simple message takes any role string
    "pass_threshold": [0.5],
    "temperature": [0.0, 1.5],
    "top_p": [0.9],
    "seed": [42],
    "max_completions_tokens": [256],
    "calculate_output": ["a"],  # the multi below has one sub-grader under key 'a'
}


WHOLE: dict[str, list[Any]] = {
    "range": [[0, 1], [1.0, 7.0]],  # SDK: Iterable[float]; the service needs [min, max]
    "labels": [["good", "bad"]],
    "passing_labels": [["good"]],  # a subset of labels
}
"""Values for list-typed fields whose items depend on each other."""


def variants(tp: Any, field: str) -> list[Any]:
    """Every variant of a value of type ``tp`` for ``field`` (first one: the plain case)."""
    tp = strip_required(tp)
    if field in WHOLE:
        return WHOLE[field]
    origin, args = get_origin(tp), get_args(tp)
    if origin is typing.Annotated:
        return variants(args[0], field)
    if origin is typing.Literal:
        return list(args)
    if origin is typing.Union:
        out: list[Any] = []
        for arm in args:
            out += [None] if arm is type(None) else variants(arm, field)
        return _unique(out)
    if is_typeddict(tp):
        return typed_dicts(tp)
    if origin in (list, Iterable, Sequence, typing.Iterable) or _is_sequence_not_str(tp):
        return [[v] for v in variants(args[0], field)]
    if origin is dict or tp is object:
        return [{"note": "any JSON"}]
    if field in VALUES:
        return VALUES[field]
    if tp is str:
        return ["text"]
    if tp is float:
        return [0.5]
    if tp is int:
        return [1]
    if tp is bool:
        return [True, False]
    raise TypeError(f"no example values for {field}: {tp!r}")


def _is_sequence_not_str(tp: Any) -> bool:
    return getattr(tp, "__name__", "") == "SequenceNotStr" or (
        getattr(get_origin(tp), "__name__", "") == "SequenceNotStr"
    )


def _unique(values: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(json.dumps(v, sort_keys=True), v)
    return list(seen.values())


def typed_dicts(td: Any) -> list[dict[str, Any]]:
    """The covering set of instances of TypedDict ``td``."""
    hints = typing.get_type_hints(td, include_extras=True)
    needed = required_keys(td)
    required = [k for k in hints if k in needed]
    optional = [k for k in hints if k not in needed]
    options = {k: variants(hints[k], k) for k in hints}
    base = {k: options[k][0] for k in required}
    out = [base]
    for k in optional:
        out.append({**base, k: options[k][0]})
    for k in hints:
        for v in options[k][1:]:
            out.append({**base, k: v})
    return _unique(out)


def sdk_instances(target: str) -> list[tuple[str, dict[str, Any]]]:
    """(case id, grader JSON) for every grader kind the SDK allows at ``target``."""
    members: dict[str, Any] = {}
    for union in SURFACES[target].values():
        for member in union_members(union):
            members.setdefault(member.__name__, member)
    cases: list[tuple[str, dict[str, Any]]] = []
    for name, member in members.items():
        if name == "MultiGraderParam":
            for child in union_members(MULTI_CHILD):
                for i, inst in enumerate(typed_dicts(child)):
                    multi = {"type": "multi", "name": "combined", "graders": {"a": inst}}
                    cases.append(
                        (
                            f"{target}:multi[{child.__name__}]#{i}",
                            {**multi, "calculate_output": "a"},
                        )
                    )
            continue
        for i, inst in enumerate(typed_dicts(member)):
            cases.append((f"{target}:{name}#{i}", inst))
    return cases


def describe(case: Mapping[str, Any]) -> str:
    """One line of JSON for messages."""
    return json.dumps(case, ensure_ascii=False)[:300]
