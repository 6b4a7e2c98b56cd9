"""openai-python's request types for graders, as strict validators, with the known gaps named.

The SDK declares its request bodies as ``TypedDict`` params. Each target graderkit compiles for
maps to the SDK unions that carry a grader there:

* ``fine_tuning``: ``fine_tuning.alpha.grader_run_params.Grader`` (``graders/run``),
  ``grader_validate_params.Grader`` (``graders/validate``) and
  ``fine_tuning.reinforcement_method_param.Grader`` (``method.reinforcement.grader``);
* ``evals``: ``eval_create_params.TestingCriterion`` (one entry of ``testing_criteria``).

A grader is validated with a pydantic ``TypeAdapter`` over the union member its ``type`` names,
in strict mode with ``extra="forbid"`` (so a field the SDK does not declare is an error, as it
is for the service). ``Iterable[...]`` fields validate lazily in pydantic; every iterator is
drained so their items are checked too.

Two lists say where the SDK's types and the wire differ, each entry with its evidence:

* ``SDK_QUIRKS``: the SDK types something other than what the service takes (multi
  ``graders`` typed as one grader; the wire and the service use a map);
* ``BEYOND_SDK``: fields graderkit keeps, when the loaded JSON had them, that the SDK does not
  declare although the service accepts them (docs/parity.md, Part A).
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import typing_extensions
from openai.types import eval_create_params
from openai.types.fine_tuning import reinforcement_method_param
from openai.types.fine_tuning.alpha import grader_run_params, grader_validate_params
from openai.types.graders import multi_grader_param
from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import is_typeddict

SURFACES: dict[str, dict[str, Any]] = {
    "fine_tuning": {
        "graders/run": grader_run_params.Grader,
        "graders/validate": grader_validate_params.Grader,
        "method.reinforcement.grader": reinforcement_method_param.Grader,
    },
    "evals": {"testing_criteria[]": eval_create_params.TestingCriterion},
}
"""Target -> {where the grader goes: the SDK's union type for it}."""

MULTI_CHILD = multi_grader_param.Graders
"""The SDK's type for ``multi.graders`` (one grader; see ``SDK_QUIRKS``)."""

SDK_QUIRKS: dict[str, str] = {
    "multi.graders is a map": (
        "openai-python types MultiGraderParam.graders as ONE grader (`Graders`, with "
        "StringCheckGrader's docstring); the service takes a map key -> grader and says so "
        "(openai/openai-java#647, a maintainer: 'graders is a named dictionary'; openai-python "
        "PR #3918 open). Checked here as: every value of the map against `Graders`, and the "
        "multi with `graders` replaced by its first child."
    ),
}

AZURE_ONLY: dict[str, str] = {
    "endpoint": (
        "Azure AI Foundry's endpoint grader (preview): no OpenAI SDK declares it, so graderkit's "
        "endpoint graders, alone or inside a multi, have no SDK type to be checked against [AZ]"
    ),
}
"""Grader kinds only Azure takes: skipped when checking what graderkit emits."""

BEYOND_SDK: dict[tuple[str, str], str] = {
    ("fine_tuning", "pass_threshold"): (
        "kept on a fine-tuning grader when the loaded JSON had one: the cookbook sends one on an "
        "RFT score_model and the service accepts it [OBS]; graderkit never adds one"
    ),
    ("*", "multi.pass_threshold"): "Azure's sample sends one on a multi [AZ]",
    ("*", "multi.invalid_grade"): "Azure's RFT docs and demos send it [AZ]",
    ("*", "sampling_params.max_tokens"): "the legacy spelling of older guide examples [DOC]",
    ("*", "label_model.sampling_params"): "the guide's label_model example sends it [DOC]",
    ("*", "input_image.file_id"): "the graders/run API reference example sends it [DOC]",
}
"""(target or '*', field) -> why graderkit writes it back although the SDK does not declare it."""

_REQUIRED = {
    typing.Required,
    typing.NotRequired,
    typing_extensions.Required,
    typing_extensions.NotRequired,
}
_STRICT = ConfigDict(extra="forbid", strict=True)
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    if tp not in _ADAPTERS:
        # a TypedDict may not take a config itself; a list of it may (and passes it down)
        _ADAPTERS[tp] = TypeAdapter(list[tp], config=_STRICT)  # type: ignore[valid-type]
    return _ADAPTERS[tp]


def union_members(union: Any) -> list[Any]:
    """The TypedDicts of an SDK union (``Annotated``/``Union`` unwrapped)."""
    args = get_args(union)
    if get_origin(union) is typing.Annotated:
        return union_members(args[0])
    return [a for a in args if is_typeddict(a)] if args else [union]


def kind_of(member: Any) -> str:
    """The ``type`` literal a TypedDict member declares."""
    hints = typing.get_type_hints(member, include_extras=True)
    return str(get_args(strip_required(hints["type"]))[0])


def strip_required(tp: Any) -> Any:
    """``Required[X]`` / ``NotRequired[X]`` -> ``X``."""
    while get_origin(tp) in _REQUIRED:
        tp = get_args(tp)[0]
    return tp


def required_keys(td: Any) -> set[str]:
    """The keys a TypedDict marks ``Required`` (read from the hints: the SDK's modules use
    ``from __future__ import annotations``, which hides them from ``__required_keys__``)."""
    hints = typing.get_type_hints(td, include_extras=True)
    return {
        k
        for k, tp in hints.items()
        if get_origin(tp) in _REQUIRED and "Not" not in str(get_origin(tp))
    }


def member_for(union: Any, kind: str) -> Any | None:
    """The member of ``union`` for grader ``type`` ``kind`` (``None``: the SDK has none)."""
    for member in union_members(union):
        if kind_of(member) == kind:
            return member
    return None


def _drain(value: Any) -> None:
    """Consume pydantic's lazy ``Iterable`` validators so every item is checked."""
    if isinstance(value, Mapping):
        for sub in value.values():
            _drain(sub)
    elif isinstance(value, (list, tuple, Iterator)):
        for sub in value:
            _drain(sub)


def _validate(member: Any, data: Any) -> list[str]:
    try:
        _drain(_adapter(member).validate_python([data]))
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()]
    return []


@dataclass(frozen=True)
class Verdict:
    """What the SDK's types say of one grader JSON at one surface."""

    surface: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def check(wire: Mapping[str, Any], union: Any, *, azure_only: bool = False) -> list[str]:
    """Problems the SDK's ``union`` finds in ``wire`` (multi checked as ``SDK_QUIRKS`` says);
    with ``azure_only``, graders of an ``AZURE_ONLY`` kind are passed over."""
    kind = wire.get("type")
    if azure_only and kind in AZURE_ONLY:
        return []
    member = member_for(union, str(kind))
    if member is None:
        return [f"type={kind!r}: the SDK has no such grader here"]
    if kind != "multi" or not isinstance(wire.get("graders"), Mapping):
        return _validate(member, dict(wire))
    children = dict(wire["graders"])
    problems: list[str] = []
    for key, child in children.items():
        if azure_only and child.get("type") in AZURE_ONLY:
            continue
        child_member = member_for(MULTI_CHILD, str(child.get("type")))
        if child_member is None:
            problems.append(f"graders.{key}.type={child.get('type')!r}: not an SDK sub-grader")
        else:
            problems += [f"graders.{key}.{p}" for p in _validate(child_member, child)]
    first = next(
        (c for c in children.values() if not (azure_only and c.get("type") in AZURE_ONLY)), None
    )
    if first is not None:
        problems += [p for p in _validate(member, {**wire, "graders": first}) if "graders" not in p]
    return problems


def verdicts(wire: Mapping[str, Any], target: str, *, azure_only: bool = False) -> list[Verdict]:
    """One verdict per SDK surface of ``target`` (``azure_only``: see `check`)."""
    return [
        Verdict(surface, tuple(check(wire, union, azure_only=azure_only)))
        for surface, union in SURFACES[target].items()
    ]


def without_beyond_sdk(wire: Mapping[str, Any], target: str) -> tuple[dict[str, Any], list[str]]:
    """``wire`` without the ``BEYOND_SDK`` fields it carries, and the list of those removed."""
    removed: list[str] = []

    def allowed(field: str) -> bool:
        return (target, field) in BEYOND_SDK or ("*", field) in BEYOND_SDK

    def strip(node: dict[str, Any], kind: str, path: str) -> dict[str, Any]:
        out = dict(node)
        if "pass_threshold" in out and (
            (kind == "multi" and allowed("multi.pass_threshold"))
            or (kind != "multi" and target == "fine_tuning" and allowed("pass_threshold"))
        ):
            removed.append(f"{path}pass_threshold")
            del out["pass_threshold"]
        if kind == "multi" and "invalid_grade" in out:
            removed.append(f"{path}invalid_grade")
            del out["invalid_grade"]
        if kind == "multi" and isinstance(out.get("graders"), Mapping):
            out["graders"] = {
                k: strip(dict(v), str(v.get("type")), f"{path}graders.{k}.")
                for k, v in out["graders"].items()
            }
            # inside a multi the target's own rule for pass_threshold applies to children too
        params = out.get("sampling_params")
        if isinstance(params, Mapping):
            if kind == "label_model":
                removed.append(f"{path}sampling_params")
                del out["sampling_params"]
            elif "max_tokens" in params:
                removed.append(f"{path}sampling_params.max_tokens")
                out["sampling_params"] = {k: v for k, v in params.items() if k != "max_tokens"}
        if isinstance(out.get("input"), list):
            out["input"] = [
                _strip_file_id(m, f"{path}input[{i}].", removed) for i, m in enumerate(out["input"])
            ]
        return out

    return strip(dict(wire), str(wire.get("type")), ""), removed


def _strip_file_id(message: Any, path: str, removed: list[str]) -> Any:
    if not isinstance(message, Mapping):
        return message
    content = message.get("content")
    parts = content if isinstance(content, list) else [content]
    changed = []
    for i, part in enumerate(parts):
        if isinstance(part, Mapping) and part.get("type") == "input_image" and "file_id" in part:
            removed.append(f"{path}content[{i}].file_id")
            part = {k: v for k, v in part.items() if k != "file_id"}
        changed.append(part)
    return {**message, "content": changed if isinstance(content, list) else changed[0]}
