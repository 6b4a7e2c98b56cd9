"""A judge model's reply, and the grade the service would derive from it.

[`ChatReply`][graderkit._core.judge.reply.ChatReply] is what one chat-completions call returned
(transport-neutral: the engine fills it from any OpenAI-compatible server, the cache or a
cassette); [`ChatFailure`][graderkit._core.judge.reply.ChatFailure] is a call that failed after
every retry. [`interpret_reply`][graderkit._core.judge.reply.interpret_reply] turns either into a
[`GradeResult`][graderkit.GradeResult] shaped like ``graders/run``'s response.

Examples:
    >>> import graderkit as gk
    >>> judge = gk.score_model("Rate {{ sample.output_text }}", model="gpt-4.1", name="judge")
    >>> reply = ChatReply(content='{"steps": [], "result": 1.4}', finish_reason="stop",
    ...                   usage=Usage(10, 5, 15, 0), model="gpt-4.1-2025-04-14")
    >>> r = interpret_reply(judge, reply)
    >>> r.reward, r.sampled_model_name, r.token_usage
    (1.0, 'gpt-4.1-2025-04-14', {'prompt_tokens': 10, 'completion_tokens': 5, 'total_tokens': 15, 'cached_tokens': 0})
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graderkit._core.graders.models import LabelModelGrader, ScoreModelGrader
from graderkit._core.results.grade_result import GradeResult, failure, is_finite_number

__all__ = [
    "ChatFailure",
    "ChatReply",
    "Usage",
    "clamp_score",
    "classify_reply",
    "interpret_reply",
    "reply_scores",
]

ModelGrader = ScoreModelGrader | LabelModelGrader
_SNIPPET = 300


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call, in the service's ``token_usage`` vocabulary."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        """``{prompt_tokens, completion_tokens, total_tokens, cached_tokens}``."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cached_tokens": self.cached_tokens,
        }

    @classmethod
    def from_api(cls, usage: Mapping[str, Any] | None) -> Usage | None:
        """From a chat-completions ``usage`` object (``cached_tokens`` sits in
        ``prompt_tokens_details``); tolerant of servers that omit fields."""
        if not isinstance(usage, Mapping):
            return None
        details = usage.get("prompt_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        prompt = _int(usage.get("prompt_tokens"))
        completion = _int(usage.get("completion_tokens"))
        total = _int(usage.get("total_tokens")) or prompt + completion
        return cls(
            prompt,
            completion,
            total,
            _int(cached if cached is not None else usage.get("cached_tokens")),
        )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What one chat-completions call returned (the first choice).

    Attributes:
        content: the message content (the judge's JSON), or ``None``.
        refusal: the refusal text when the model refused, else ``None``.
        finish_reason: ``"stop"``, ``"length"``, ``"content_filter"``, ...
        usage: token counts, when the server reported them.
        model: the model the server says answered (a resolved snapshot on OpenAI).
    """

    content: str | None
    refusal: str | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the cache and cassettes)."""
        return {
            "content": self.content,
            "refusal": self.refusal,
            "finish_reason": self.finish_reason,
            "usage": None if self.usage is None else self.usage.to_dict(),
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatReply:
        """The inverse of [`to_dict`][graderkit._core.judge.reply.ChatReply.to_dict]."""
        usage = data.get("usage")
        return cls(
            content=data.get("content"),
            refusal=data.get("refusal"),
            finish_reason=data.get("finish_reason"),
            usage=Usage(**usage) if isinstance(usage, Mapping) else None,
            model=data.get("model"),
        )

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> ChatReply:
        """From a ``chat.completion`` response body.

        Raises:
            ValueError: when the body has no ``choices[0].message``.
        """
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise ValueError("the response has no choices[0]")
        message = choices[0].get("message")
        if not isinstance(message, Mapping):
            raise ValueError("the response has no choices[0].message")
        content, refusal = message.get("content"), message.get("refusal")
        model = body.get("model")
        return cls(
            content=content if isinstance(content, str) else None,
            refusal=refusal if isinstance(refusal, str) and refusal else None,
            finish_reason=choices[0].get("finish_reason"),
            usage=Usage.from_api(body.get("usage")),
            model=model if isinstance(model, str) else None,
        )


@dataclass(frozen=True, slots=True)
class ChatFailure:
    """A call that failed after every retry (a transport or server failure).

    Attributes:
        details: what happened, e.g. ``"HTTP 500 after 4 attempts: ..."`` (never credentials).
        status: the last HTTP status, or ``None`` for connection errors and timeouts.
        attempts: how many attempts were made.
    """

    details: str
    status: int | None = None
    attempts: int = 1


def clamp_score(value: float, bounds: tuple[float, float]) -> float:
    """Parity [DOC]: "The output of the grader will be truncated to the given range".

    Examples:
        >>> clamp_score(1.4, (0, 1)), clamp_score(-2, (0, 1)), clamp_score(0.25, (0, 1))
        (1.0, 0.0, 0.25)
    """
    lo, hi = bounds
    return float(min(max(value, lo), hi))


def classify_reply(grader: ModelGrader, reply: ChatReply) -> tuple[str | None, str | None, Any]:
    """Decide which error flag (if any) a reply raises, and extract ``result``.

    Parity [DOC flags; INF triggers and order]: a refusal (or ``finish_reason`` content_filter)
    raises ``model_grader_refusal_error``; ``finish_reason`` length raises
    ``model_grader_exceeded_max_tokens_error``; content that is not a JSON object with a
    ``result`` raises ``model_grader_parse_error``, and so does a score_model ``result`` that is
    not a finite number (numeric strings and booleans included: "default to 0 for all
    non-numeric outputs") and a label_model ``result`` that is not one of ``labels``.

    Returns:
        ``(flag, details, parsed)``: ``flag`` is ``None`` on success, ``parsed`` the JSON object.
    """
    if reply.refusal or reply.finish_reason == "content_filter":
        return "model_grader_refusal_error", reply.refusal or "finish_reason content_filter", None
    if reply.finish_reason == "length":
        details = "the judge hit the completion token limit (finish_reason length)"
        return "model_grader_exceeded_max_tokens_error", details, None
    if not reply.content:
        return "model_grader_parse_error", "the judge returned no content", None
    try:
        parsed = json.loads(reply.content)
    except ValueError as exc:
        return "model_grader_parse_error", f"not JSON ({exc}): {reply.content[:_SNIPPET]!r}", None
    if not isinstance(parsed, dict) or "result" not in parsed:
        return "model_grader_parse_error", f"no 'result' key: {reply.content[:_SNIPPET]!r}", None
    result = parsed["result"]
    if isinstance(grader, ScoreModelGrader) and not is_finite_number(result):
        return "model_grader_parse_error", f"result {result!r} is not a finite number", parsed
    if isinstance(grader, LabelModelGrader) and result not in grader.labels:
        return (
            "model_grader_parse_error",
            f"result {result!r} is not one of {list(grader.labels)}",
            parsed,
        )
    return None, None, parsed


def reply_scores(parsed: Mapping[str, Any] | None) -> dict[str, Any]:
    """What graderkit puts in ``metadata.scores`` for a model grader.

    Parity [UNK -> graderkit choice]: the service's content is undocumented. We keep the judge's
    raw ``result`` (before clamping) and its ``steps``, so a report can show why the judge
    scored as it did (the cookbook's reward-hacking lesson). Empty when nothing parsed.
    """
    if not parsed:
        return {}
    out: dict[str, Any] = {"result": parsed.get("result")}
    steps = parsed.get("steps")
    if isinstance(steps, list):
        out["steps"] = steps
    return out


def interpret_reply(grader: ModelGrader, reply: ChatReply | ChatFailure) -> GradeResult:
    """The grade for one judge reply, shaped like ``graders/run``'s result.

    score_model: reward = ``clamp_score(result, range)``. label_model: reward 1.0 when
    ``result`` is in ``passing_labels``, else 0.0 [DOC/OBS-AZ]. Any flag gives reward 0 [DOC:
    "default to 0"]. ``token_usage`` and ``model_grader_token_usage_per_model`` (keyed by the
    sampled model name [INF]) are reported whenever the server reported usage, errors included;
    ``sampled_model_name`` is the model the server says answered, else ``grader.model``.
    ``passed`` and ``execution_time`` are left to the runner.

    Args:
        grader: the grader that made the call.
        reply: the call's reply, or its failure after retries.

    Returns:
        The result.
    """
    name, kind = grader.result_name, grader.type
    if isinstance(reply, ChatFailure):
        return failure(name, kind, "model_grader_server_error", reply.details)
    model = reply.model or grader.model
    usage = None if reply.usage is None else reply.usage.to_dict()
    extra: dict[str, Any] = {
        "token_usage": usage,
        "sampled_model_name": model,
        "token_usage_per_model": {} if usage is None else {model: usage},
    }
    flag, details, parsed = classify_reply(grader, reply)
    scores = reply_scores(parsed)
    if flag is not None:
        return failure(name, kind, flag, details, scores=scores, **extra)
    result = parsed["result"]
    if isinstance(grader, ScoreModelGrader):
        reward = clamp_score(result, grader.bounds)
    else:
        reward = 1.0 if result in grader.passing_labels else 0.0
    return GradeResult(reward=reward, name=name, type=kind, scores=scores, **extra)
