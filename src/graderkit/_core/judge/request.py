"""The chat-completions request a model grader sends, built the way the service builds it.

A ``score_model`` or ``label_model`` grader becomes one ``POST /v1/chat/completions`` body:
the service's own **developer** message asking for the reply format (recorded on Azure), then
every message of the grader rendered against (sample, item), a strict structured reply
``{"steps": [{"description", "conclusion"}], "result": ...}`` asked for with
``response_format``, and the grader's ``sampling_params`` mapped onto the API's fields with the
service's defaults. Each inference about the service lives in one named function below; the
module docstring of [`model_reply`][graderkit._core.judge.reply] lists the other half.

Examples:
    >>> import graderkit as gk
    >>> judge = gk.score_model("Is {{ sample.output_text }} right?", model="gpt-4.1", name="j")
    >>> body = build_request(judge, {"output_text": "4"}, {})
    >>> [m["role"] for m in body["messages"]], body["messages"][1]["content"]
    (['developer', 'user'], 'Is 4 right?')
    >>> body["temperature"], body["max_completion_tokens"]
    (1, 4096)
    >>> body["response_format"]["json_schema"]["schema"]["required"]
    ['steps', 'result']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graderkit._core.graders.messages import (
    ContentPart,
    InputAudio,
    InputImage,
    InputText,
    Message,
    OutputText,
    SamplingParams,
)
from graderkit._core.graders.models import LabelModelGrader, ScoreModelGrader
from graderkit._core.templating.template import render_text

__all__ = [
    "DEFAULT_MAX_COMPLETION_TOKENS",
    "ModelGrader",
    "build_request",
    "build_warnings",
    "chat_role",
    "content_part",
    "developer_instruction",
    "is_reasoning_model",
    "render_messages",
    "response_format",
    "sampling_fields",
]

ModelGrader = ScoreModelGrader | LabelModelGrader

DEFAULT_MAX_COMPLETION_TOKENS = 4096
"""Parity [OBS] (CB-IMG): the service recorded ``max_completions_tokens: 4096`` when unset."""

_STEPS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "A sequence of steps outlining the reasoning process.",
    "items": {
        "type": "object",
        "properties": {
            "description": {
                "type": "string",
                "description": "Detailed description of the reasoning in this step.",
            },
            "conclusion": {
                "type": "string",
                "description": "The conclusion of the reasoning in this step.",
            },
        },
        "required": ["description", "conclusion"],
        "additionalProperties": False,
    },
}

_O_SERIES = re.compile(r"o\d")


def is_reasoning_model(model: str) -> bool:
    """Whether ``model`` is an OpenAI reasoning model (the o-series and the gpt-5 family).

    Parity [INF]: the service refuses ``temperature`` changes for reasoning models and
    ``reasoning_effort`` for the others (GUIDE). We decide by name: the part after the last
    ``/`` (so ``openai/o4-mini`` counts), lower-cased, starting with ``o`` and a digit (``o1``,
    ``o3-mini``, ``o4-mini-2025-04-16``) or with ``gpt-5`` without ``chat`` in it
    (``gpt-5-chat-latest`` is not a reasoning model). Self-hosted and Azure deployment names
    carry no such signal; pass ``reasoning=`` to [`build_request`][graderkit._core.judge.request.build_request]
    (or ``reasoning_models=`` to the engine) to decide yourself.

    Examples:
        >>> [is_reasoning_model(m) for m in ("o4-mini", "gpt-5-mini", "gpt-4.1", "gpt-5-chat-latest")]
        [True, True, False, False]
    """
    name = model.rsplit("/", 1)[-1].lower()
    if _O_SERIES.match(name):
        return True
    return name.startswith("gpt-5") and "chat" not in name


def sampling_fields(params: SamplingParams | None, *, reasoning: bool) -> dict[str, Any]:
    """The request fields for ``sampling_params``, with the service's defaults filled in.

    Parity [OBS] (CB-IMG) for the defaults: temperature 1, top_p 1, no seed,
    ``max_completions_tokens`` 4096 (sent as the API's ``max_completion_tokens``; the legacy
    ``max_tokens`` is used when only it is given). Parity [INF] for the rest: a reasoning model
    gets no ``temperature``/``top_p`` (the API refuses them; its default is 1 anyway) and only
    it gets ``reasoning_effort``; a non-reasoning model never gets ``reasoning_effort``.
    [`build_warnings`][graderkit._core.judge.request.build_warnings] reports what is dropped.

    Examples:
        >>> sampling_fields(SamplingParams(temperature=0, seed=42), reasoning=False)
        {'max_completion_tokens': 4096, 'seed': 42, 'temperature': 0, 'top_p': 1}
        >>> sampling_fields(SamplingParams(reasoning_effort="low"), reasoning=True)
        {'max_completion_tokens': 4096, 'reasoning_effort': 'low'}
    """
    p = params or SamplingParams()
    limit = p.max_completions_tokens or p.max_tokens or DEFAULT_MAX_COMPLETION_TOKENS
    out: dict[str, Any] = {"max_completion_tokens": limit}
    if p.seed is not None:
        out["seed"] = p.seed
    if reasoning:
        if p.reasoning_effort is not None:
            out["reasoning_effort"] = p.reasoning_effort
    else:
        out["temperature"] = 1 if p.temperature is None else p.temperature
        out["top_p"] = 1 if p.top_p is None else p.top_p
    return out


def build_warnings(grader: ModelGrader, *, reasoning: bool | None = None) -> list[str]:
    """Combinations of ``model`` and ``sampling_params`` that the service refuses.

    Local runs drop the offending field (see
    [`sampling_fields`][graderkit._core.judge.request.sampling_fields]); the service would
    reject the grader, so these are worth fixing before export.

    Examples:
        >>> import graderkit as gk, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     g = gk.score_model("x", model="o4-mini", name="j", sampling_params={"temperature": 0})
        >>> build_warnings(g)
        ['sampling_params.temperature=0 is not supported for reasoning model o4-mini (the service refuses temperature changes); it is not sent']
    """
    p = grader.sampling_params
    if p is None:
        return []
    is_reasoning = is_reasoning_model(grader.model) if reasoning is None else reasoning
    out: list[str] = []
    if is_reasoning:
        for field in ("temperature", "top_p"):
            value = getattr(p, field)
            if value is not None and value != 1:
                out.append(
                    f"sampling_params.{field}={value!r} is not supported for reasoning model "
                    f"{grader.model} (the service refuses {field} changes); it is not sent"
                )
    elif p.reasoning_effort is not None:
        out.append(
            f"sampling_params.reasoning_effort={p.reasoning_effort!r} is not supported for "
            f"non-reasoning model {grader.model} (the service refuses it); it is not sent"
        )
    return out


def response_format(grader: ModelGrader) -> dict[str, Any]:
    """The strict JSON-schema ``response_format`` the judge must answer in.

    Parity [DOC-replica] for score_model: the cookbook's local copy of the service's format,
    named ``float_score_classification``, ``result`` a number whose description states the
    range. Parity [INF] for label_model: the same shape named ``label_classification`` with
    ``result`` a string constrained to an ``enum`` of ``labels`` (the service says it "uses
    structured outputs so that labels are always valid").

    Examples:
        >>> import graderkit as gk
        >>> g = gk.label_model("x", model="gpt-4.1", labels=["a", "b"], passing_labels=["a"], name="l")
        >>> response_format(g)["json_schema"]["schema"]["properties"]["result"]["enum"]
        ['a', 'b']
    """
    if isinstance(grader, ScoreModelGrader):
        lo, hi = grader.bounds
        name = "float_score_classification"
        result: dict[str, Any] = {
            "type": "number",
            "description": "The float score assigned to the response. This should be in "
            f"inclusive range {_number(lo)} to {_number(hi)}.",
        }
    else:
        name = "label_classification"
        result = {
            "type": "string",
            "description": "The label assigned to the response; exactly one of the labels.",
            "enum": list(grader.labels),
        }
    schema = {
        "type": "object",
        "properties": {"steps": _STEPS_SCHEMA, "result": result},
        "required": ["steps", "result"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


_REPLY_SHAPE = '{"steps":[{"description":"string","conclusion":"string"}],"result":'


def developer_instruction(grader: ModelGrader) -> dict[str, str]:
    """The developer message the service puts before a model grader's own messages.

    Parity [OBS-AZ] for score_model: Azure's recorded eval output item
    (azure-sdk-for-python ``samples/audio/eval_output.json``) shows the judge's input starting
    with exactly this text, the range written as floats (``[0.0, 1.0]`` for range ``[0, 1]``).
    Parity [INF] for label_model, by analogy: the same sentence with ``"result":string`` and
    ``result must be one of: `` followed by the labels, comma-separated, in the grader's order.

    Examples:
        >>> import graderkit as gk
        >>> judge = gk.score_model("Rate it.", model="gpt-4.1", range=(0, 10), name="j")
        >>> print(developer_instruction(judge)["content"])
        Respond ONLY with a single JSON object matching: {"steps":[{"description":"string","conclusion":"string"}],"result":number}. Do not include any extra text. result must be a float in [0.0, 10.0].
        >>> tone = gk.label_model("Tone?", model="gpt-4.1", labels=["polite", "rude"],
        ...                       passing_labels=["polite"], name="tone")
        >>> developer_instruction(tone)["content"].split("text. ")[1]
        'result must be one of: polite, rude.'
    """
    if isinstance(grader, ScoreModelGrader):
        lo, hi = grader.bounds
        shape, rule = "number", f"result must be a float in [{float(lo)!r}, {float(hi)!r}]."
    else:
        shape, rule = "string", f"result must be one of: {', '.join(grader.labels)}."
    text = (
        f"Respond ONLY with a single JSON object matching: {_REPLY_SHAPE}{shape}}}. "
        f"Do not include any extra text. {rule}"
    )
    return {"role": "developer", "content": text}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def content_part(
    part: ContentPart, sample: Mapping[str, Any], item: Mapping[str, Any]
) -> dict[str, Any]:
    """One content part in chat-completions form, its templates rendered.

    Parity [INF]: ``input_text`` and ``output_text`` become ``{"type": "text"}``;
    ``input_image`` becomes ``{"type": "image_url", "image_url": {"url", "detail"?}}`` (an image
    given only by ``file_id`` becomes ``{"type": "file", "file": {"file_id"}}``);
    ``input_audio`` becomes ``{"type": "input_audio", "input_audio": {"data", "format"}}``.

    Raises:
        MissingVariable: when a template variable does not resolve.
    """
    if isinstance(part, (InputText, OutputText)):
        return {"type": "text", "text": render_text(part.text, sample, item)}
    if isinstance(part, InputImage):
        if not part.image_url and part.file_id:
            return {"type": "file", "file": {"file_id": part.file_id}}
        image: dict[str, Any] = {"url": render_text(part.image_url, sample, item)}
        if part.detail is not None:
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    if isinstance(part, InputAudio):
        audio = part.input_audio
        data = render_text(audio.data, sample, item)
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio.format}}
    raise TypeError(f"unknown content part {part!r}")


def render_messages(
    messages: tuple[Message, ...], sample: Mapping[str, Any], item: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The grader's messages as chat-completions messages, every template rendered.

    Parity [OBS] (CB-IMG, and Azure's recorded judge input after the developer message):
    roles are sent as given (see [`chat_role`][graderkit._core.judge.request.chat_role]),
    string content stays a string, and a single content part or a list of parts becomes a list
    of parts (the service's record shows parts flattened to ``<image>URL</image>`` text; we read
    that as its display, not what the judge is sent [INF]).

    Raises:
        MissingVariable: when a template variable does not resolve.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.content
        rendered: str | list[dict[str, Any]]
        if isinstance(content, str):
            rendered = render_text(content, sample, item)
        else:
            parts = content if isinstance(content, tuple) else (content,)
            rendered = [content_part(part, sample, item) for part in parts]
        out.append({"role": chat_role(message.role), "content": rendered})
    return out


def chat_role(role: str) -> str:
    """The chat-completions role a grader message is sent with: the role as given.

    Parity [INF]: an Evals criterion may carry any role string on a simple message (the SDK
    allows it); what the service then sends its judge is undocumented, so graderkit sends the
    role unchanged (an OpenAI server refuses an unknown role, which shows up as
    ``model_grader_server_error`` with the server's message).

    Examples:
        >>> chat_role("developer"), chat_role("critic")
        ('developer', 'critic')
    """
    return role


def build_request(
    grader: ModelGrader,
    sample: Mapping[str, Any],
    item: Mapping[str, Any],
    *,
    reasoning: bool | None = None,
    structured: bool = True,
) -> dict[str, Any]:
    """The chat-completions request body for one (sample, item).

    Args:
        grader: a ``score_model`` or ``label_model`` grader.
        sample: the ``sample`` namespace.
        item: the ``item`` namespace.
        reasoning: whether the judge is a reasoning model (default:
            [`is_reasoning_model`][graderkit._core.judge.request.is_reasoning_model]).
        structured: include the strict ``response_format`` (the service does); ``False`` for
            servers that refuse structured output.

    Returns:
        ``{"model", "messages", "response_format", "max_completion_tokens", ...}``, ready for
        ``POST /v1/chat/completions``; ``messages`` starts with the
        [`developer_instruction`][graderkit._core.judge.request.developer_instruction]; it
        never contains credentials.

    Raises:
        MissingVariable: when a template variable does not resolve.
    """
    is_reasoning = is_reasoning_model(grader.model) if reasoning is None else reasoning
    body: dict[str, Any] = {
        "model": grader.model,
        "messages": [developer_instruction(grader), *render_messages(grader.input, sample, item)],
    }
    if structured:
        body["response_format"] = response_format(grader)
    return {**body, **sampling_fields(grader.sampling_params, reasoning=is_reasoning)}
