"""OpenAI grader JSON in and out: [`from_openai`][graderkit.from_openai] and
[`to_openai`][graderkit.to_openai].

Round-trips are lossless: ``to_openai(from_openai(x)) == x`` for every valid grader ``x``.
Fields present are kept; optional fields absent are not invented. The one deliberate change is
``operation: "neq"`` (the guide's prose spelling), which loads as ``ne`` with a warning. A
criterion exactly as the service returns it (with ``id``, ``grdr_id``, ...) loads too; its
echo-only fields stay in ``wire()`` and are left out by ``to_openai``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any, Literal

from graderkit._core.graders.factories import warn_about_model_grader, warn_about_multi
from graderkit._core.graders.json_text import check_shape, read_json
from graderkit._core.graders.messages import evals_only_roles
from graderkit._core.graders.models import (
    KINDS,
    EndpointGrader,
    GraderBase,
    LabelModelGrader,
    MultiGrader,
    ScoreModelGrader,
)
from graderkit._core.graders.problems import ECHO_FIELDS, build_model, suggest
from graderkit._core.graders.sample_fields import warn_about_sample_fields
from graderkit._core.graders.wiremodel import remember_order
from graderkit.errors import _NO_VALUE, GraderkitWarning, InvalidGrader

__all__ = [
    "TARGETS",
    "Target",
    "check_target",
    "from_openai",
    "split_service_echo",
    "to_json",
    "to_openai",
]

Target = Literal["fine_tuning", "evals"]
TARGETS: tuple[str, ...] = ("fine_tuning", "evals")
"""``fine_tuning``: ``method.reinforcement.grader`` and the ``graders/run`` / ``validate``
request; ``evals``: one entry of an eval's ``testing_criteria``."""


def from_openai(data: Mapping[str, Any] | str | bytes) -> GraderBase:
    """Load grader JSON (a dict, or JSON text) into a grader object.

    Args:
        data: the grader JSON, as sent in ``reinforcement.grader``, ``testing_criteria[i]``
            or ``graders/run``'s ``grader``: a dict, JSON text, or UTF-8 bytes.

    Returns:
        The grader (a ``StringCheckGrader``, ``MultiGrader``, ...).

    Raises:
        InvalidGrader: with the JSON path of the problem, e.g.
            ``graders.clinical.operation='eq ' is not one of 'eq', 'ne', 'like', 'ilike'``.
            Any input gives this error or a grader, never another exception: text that is
            not UTF-8 or not JSON, too large, nested too deeply or holding numbers JSON
            cannot carry is refused before it is parsed into a grader (see
            ``graderkit._core.graders.json_text``).

    Examples:
        >>> import graderkit as gk
        >>> g = gk.from_openai('{"type": "string_check", "name": "x", "input": "{{sample.output_text}}",'
        ...                    ' "reference": "a", "operation": "eq"}')
        >>> g
        string_check('{{sample.output_text}}', 'a', name='x')
        >>> gk.to_openai(g)["operation"]
        'eq'
    """
    if isinstance(data, (str, bytes)):
        data = read_json(data)
    else:
        check_shape(data)
    if not isinstance(data, Mapping):
        raise InvalidGrader("<json>", "", data, "must be a JSON object with a 'type'")
    root = _label(data)
    body, echo = split_service_echo(data)
    grader = _load(body, path="", label=root)
    remember_order(grader, data)
    grader._echo = echo
    _warn(grader)
    return grader


def split_service_echo(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a grader as the service returns it into (the grader's JSON, the echo-only part).

    Parity [OBS/OBS-AZ]: a stored Evals criterion comes back with ``id``
    (``<name>-<uuid>``) and, on Azure, ``grdr_id``, ``created_at``, ``inactive_at`` and the like
    (``ECHO_FIELDS`` in ``graderkit._core.graders.problems``); in such an echo a ``null``
    stands for an absent field (OpenAI's API reference echoes ``"sampling_params": null`` on a
    label_model) and an endpoint's ``rate_limit`` comes back as ``max_rps``. A grader with none
    of the echo fields is returned unchanged (its nulls are then refused, as the SDK's request
    types refuse them).

    Examples:
        >>> split_service_echo({"type": "label_model", "id": "l-9b87", "sampling_params": None})
        ({'type': 'label_model'}, {'id': 'l-9b87', 'sampling_params': None})
    """
    if not any(key in ECHO_FIELDS for key in data):
        return dict(data), {}
    endpoint = data.get("type") == "endpoint"
    body: dict[str, Any] = {}
    echo: dict[str, Any] = {}
    for key, value in data.items():
        if key in ECHO_FIELDS or value is None or (endpoint and key == "max_rps"):
            echo[key] = value
        else:
            body[key] = value
    return body, echo


def _warn(grader: GraderBase) -> None:
    """The warnings the factories give, for loaded graders too."""
    if isinstance(grader, MultiGrader):
        warn_about_multi(grader)
        for child in grader.graders.values():
            _warn(child)
    elif isinstance(grader, (ScoreModelGrader, LabelModelGrader)):
        warn_about_model_grader(grader)
    warn_about_sample_fields(grader, stacklevel=4)


def _label(data: Mapping[str, Any]) -> str:
    kind, name = data.get("type"), data.get("name")
    kind = kind if isinstance(kind, str) else "grader"
    return f"{kind} {name!r}" if isinstance(name, str) and name else kind


def _kind(data: Mapping[str, Any], path: str, label: str) -> type[GraderBase]:
    where = f"{path}.type" if path else "type"
    if "type" not in data:
        raise InvalidGrader(label, where, _NO_VALUE, f"is missing; expected one of {list(KINDS)}")
    kind = data["type"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidGrader(
            label,
            where,
            kind,
            f"is not a grader type; expected one of {list(KINDS)}" + suggest(kind, KINDS),
        )
    return KINDS[kind]


def _load(data: Any, *, path: str, label: str) -> GraderBase:
    if not isinstance(data, Mapping):
        raise InvalidGrader(label, path, data, "must be a grader object")
    cls = _kind(data, path, label)
    if cls is MultiGrader:
        return _load_multi(data, path=path, label=label)
    if data.get("operation") == "neq":
        warnings.warn(
            f"{label}: {path + '.' if path else ''}operation 'neq' loaded as 'ne' "
            "(the service's enum value); it will be written back as 'ne'",
            GraderkitWarning,
            stacklevel=3,
        )
        data = {**data, "operation": "ne"}
    return build_model(cls, data, label=label, prefix=path)


def _load_multi(data: Mapping[str, Any], *, path: str, label: str) -> GraderBase:
    where = f"{path}.graders" if path else "graders"
    if path:
        raise InvalidGrader(
            label, f"{path}.type", "multi", "cannot appear inside a multi grader (no nesting)"
        )
    graders = data.get("graders")
    if isinstance(graders, list):
        raise InvalidGrader(
            label,
            where,
            "[...]",
            "must be a map of key -> grader, not a list: the formula's variables are the keys "
            '(e.g. {"fuzzy": {...}, "exact": {...}}); the OpenAI SDK types it wrongly',
        )
    children: dict[str, Any] = {}
    if isinstance(graders, Mapping):
        for key, child in graders.items():
            children[key] = _load(child, path=f"{where}.{key}", label=label)
    return build_model(MultiGrader, {**data, "graders": children or graders}, label=label)


def check_target(grader: GraderBase, target: Target) -> None:
    """Raise when ``grader`` may not appear where ``target`` puts it (spec: where types go).

    Besides the kinds' places: a message role other than user/assistant/system/developer is
    only for an Evals criterion (see
    [`is_simple_message`][graderkit._core.graders.messages.is_simple_message]), and an endpoint
    grader's loopback ``http://`` URL (accepted for local runs) is refused for every target.
    """
    if target not in TARGETS:
        raise InvalidGrader(grader.label, "target", target, f"must be one of {list(TARGETS)}")
    if target == "fine_tuning" and grader.type == "label_model":
        raise InvalidGrader(
            grader.label,
            "type",
            "label_model",
            "cannot be the top-level grader of a fine-tuning job or graders/run; "
            "wrap it in a multi grader: gk.multi(grader, name=...)",
        )
    if target == "evals" and grader.type == "multi":
        raise InvalidGrader(
            grader.label,
            "type",
            "multi",
            "is only for fine-tuning; add each sub-grader as its own Evals testing criterion",
        )
    if (
        target == "evals"
        and grader.type == "text_similarity"
        and getattr(grader, "pass_threshold", None) is None
    ):
        raise InvalidGrader(
            grader.label,
            "pass_threshold",
            _NO_VALUE,
            "is required for the Evals target; e.g. grader.replace(pass_threshold=0.8)",
        )
    if target == "fine_tuning" and isinstance(grader, ScoreModelGrader):
        for index, role in evals_only_roles(grader.input):
            raise InvalidGrader(
                grader.label,
                f"input[{index}].role",
                role,
                "is only allowed in an Evals criterion; for fine-tuning use one of 'user', "
                "'assistant', 'system', 'developer'",
            )
    _check_urls(grader)


def _check_urls(grader: GraderBase, path: str = "") -> None:
    if isinstance(grader, MultiGrader):
        for key, child in grader.graders.items():
            _check_urls(child, f"graders.{key}.")
    elif isinstance(grader, EndpointGrader) and grader.url.startswith("http:"):  # loopback only
        raise InvalidGrader(
            grader.label,
            f"{path}url",
            grader.url,
            "is a loopback http:// URL, which graderkit accepts for local runs only; "
            "the service needs a public https:// URL: grader.replace(url='https://...')",
        )


def to_openai(grader: GraderBase, target: Target = "fine_tuning") -> dict[str, Any]:
    """Compile a grader to the JSON OpenAI accepts for ``target``.

    Args:
        grader: any grader.
        target: ``"fine_tuning"`` (``method.reinforcement.grader``, and the ``grader`` of
            ``graders/run`` and ``graders/validate``) or ``"evals"`` (an entry of
            ``testing_criteria``).

    Raises:
        InvalidGrader: the grader may not appear there (e.g. ``label_model`` at the top of a
            fine-tuning job, ``multi`` as an Evals criterion, ``text_similarity`` without
            ``pass_threshold`` for Evals).

    Examples:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "yes", name="yes")
        >>> gk.to_openai(g)
        {'type': 'string_check', 'name': 'yes', 'input': '{{sample.output_text}}', 'reference': 'yes', 'operation': 'eq'}
    """
    check_target(grader, target)
    payload = grader.wire()
    for key in grader.service_echo:
        payload.pop(key, None)
    return payload


def to_json(grader: GraderBase, target: Target = "fine_tuning", *, indent: int | None = 2) -> str:
    """[`to_openai`][graderkit.to_openai] as JSON text.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> print(gk.to_json(exact))
        {
          "type": "string_check",
          "name": "exact",
          "input": "{{sample.output_text}}",
          "reference": "{{item.answer}}",
          "operation": "eq"
        }
        >>> gk.from_openai(gk.to_json(exact, indent=None)) == exact
        True
    """
    return json.dumps(to_openai(grader, target), indent=indent, ensure_ascii=False)
