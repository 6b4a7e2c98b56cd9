"""The front door: one factory per grader kind, named after the wire ``type``.

Factories validate at build time and raise [`InvalidGrader`][graderkit.InvalidGrader] naming the
grader, the argument, the bad value and the fix. Arguments with defaults are keyword-only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from graderkit._core.formula.arithmetic import Expression
from graderkit._core.graders.messages import Message, SamplingParams
from graderkit._core.graders.models import (
    EndpointGrader,
    GraderBase,
    LabelModelGrader,
    MultiGrader,
    ScoreModelGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.graders.problems import build_model
from graderkit._core.graders.sample_fields import warn_about_sample_fields
from graderkit.errors import GraderkitWarning, InvalidGrader

__all__ = ["endpoint", "label_model", "multi", "score_model", "string_check", "text_similarity"]

G = TypeVar("G", bound=GraderBase)

Operation = Literal["eq", "ne", "like", "ilike"]
Metric = Literal[
    "cosine", "fuzzy_match", "bleu", "gleu", "meteor",
    "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l",
]  # fmt: skip
MessagesLike = str | Sequence[Message | Mapping[str, Any]]


def _build(cls: type[G], kind: str, name: object, fields: dict[str, Any]) -> G:
    label = f"{kind} {name!r}" if isinstance(name, str) and name else kind
    if not isinstance(name, str) or not name.strip():
        raise InvalidGrader(label, "name", name, "must be a non-empty string naming the grader")
    data = {k: v for k, v in fields.items() if v is not None}
    grader = build_model(cls, {"name": name, **data}, label=label)
    warn_about_sample_fields(grader, stacklevel=3)
    return grader


def string_check(
    input: str, reference: str, *, operation: Operation = "eq", name: str
) -> StringCheckGrader:
    """A ``string_check`` grader: 1.0 when ``input`` and ``reference`` satisfy ``operation``.

    Args:
        input: the text to check, usually a template such as ``{{ sample.output_text }}``.
        reference: what to compare with, e.g. ``{{ item.answer }}``.
        operation: ``eq`` (equal), ``ne`` (not equal), ``like`` (``input`` contains
            ``reference``, case-sensitive) or ``ilike`` (contains, case-insensitive).
        name: the grader's name (shown in results).

    Raises:
        InvalidGrader: an unknown operation or a malformed template.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
        >>> gk.grade(exact, "Paris", {"answer": "Paris"}).reward
        1.0
    """
    return _build(
        StringCheckGrader,
        "string_check",
        name,
        {"input": input, "reference": reference, "operation": operation},
    )


def text_similarity(
    input: str,
    reference: str,
    *,
    evaluation_metric: Metric = "fuzzy_match",
    name: str,
    pass_threshold: float | None = None,
) -> TextSimilarityGrader:
    """A ``text_similarity`` grader scoring ``input`` against ``reference``.

    Args:
        input: the text to score, usually ``{{ sample.output_text }}``.
        reference: the reference text, e.g. ``{{ item.answer }}``.
        evaluation_metric: ``fuzzy_match``, ``bleu``, ``gleu``, ``meteor``, ``rouge_1`` to
            ``rouge_5``, ``rouge_l`` or ``cosine``.
        name: the grader's name.
        pass_threshold: the score at or above which an Evals criterion passes (required for
            the Evals target).

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="f")
        >>> round(gk.grade(fuzzy, "Pariss", {"answer": "Paris"}).reward, 3)
        0.909
    """
    return _build(
        TextSimilarityGrader,
        "text_similarity",
        name,
        {
            "input": input,
            "reference": reference,
            "evaluation_metric": evaluation_metric,
            "pass_threshold": pass_threshold,
        },
    )


def _messages(input: MessagesLike) -> list[Any]:
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    return list(input)


def score_model(
    input: MessagesLike,
    *,
    model: str,
    name: str,
    range: tuple[float, float] = (0, 1),
    sampling_params: SamplingParams | Mapping[str, Any] | None = None,
    pass_threshold: float | None = None,
) -> ScoreModelGrader:
    """A ``score_model`` grader: a judge model returns a number, clamped to ``range``.

    Args:
        input: the rubric prompt: one string (sent as a user message) or a list of messages
            (``{"role": ..., "content": ...}`` dicts or [`Message`][graderkit.Message]s), with
            ``{{ item.x }}`` / ``{{ sample.output_text }}`` templates.
        model: the judge model, e.g. ``"gpt-4.1-2025-04-14"``.
        name: the grader's name.
        range: ``(min, max)`` of the score.
        sampling_params: e.g. ``{"temperature": 0, "seed": 42}``.
        pass_threshold: optional threshold for the Evals target.

    Examples:
        >>> import graderkit as gk
        >>> judge = gk.score_model(
        ...     "Score 0-1: does {{ sample.output_text }} mean {{ item.answer }}?",
        ...     model="gpt-4.1-mini-2025-04-14", name="judge")
        >>> judge.wire()["input"]
        [{'role': 'user', 'content': 'Score 0-1: does {{ sample.output_text }} mean {{ item.answer }}?'}]
    """
    grader = _build(
        ScoreModelGrader,
        "score_model",
        name,
        {
            "model": model,
            "input": _messages(input),
            "range": range,
            "sampling_params": sampling_params,
            "pass_threshold": pass_threshold,
        },
    )
    warn_about_model_grader(grader)
    return grader


def label_model(
    input: MessagesLike,
    *,
    model: str,
    labels: Sequence[str],
    passing_labels: Sequence[str],
    name: str,
    sampling_params: SamplingParams | Mapping[str, Any] | None = None,
) -> LabelModelGrader:
    """A ``label_model`` grader: a judge picks one of ``labels``; reward 1 if it passes.

    Only allowed inside a [`multi`][graderkit.multi] grader or as an Evals criterion.

    Examples:
        >>> import graderkit as gk
        >>> tone = gk.label_model("Is this polite? {{ sample.output_text }}", model="gpt-4.1-mini",
        ...     labels=["polite", "rude"], passing_labels=["polite"], name="tone")
        >>> tone.passing_labels
        ('polite',)
    """
    grader = _build(
        LabelModelGrader,
        "label_model",
        name,
        {
            "model": model,
            "input": _messages(input),
            "labels": list(labels),
            "passing_labels": list(passing_labels),
            "sampling_params": sampling_params,
        },
    )
    warn_about_model_grader(grader)
    return grader


def multi(
    graders: Expression | Mapping[str, GraderBase],
    calculate_output: str | None = None,
    *,
    name: str,
    pass_threshold: float | None = None,
) -> MultiGrader:
    """A ``multi`` grader combining sub-graders with a formula.

    Write the formula as arithmetic on graders, or pass the key -> grader map and the formula
    text. Formula variables are the map's keys.

    Args:
        graders: an expression such as ``0.85 * fuzzy + 0.15 * exact``, or a dict
            ``{"fuzzy": fuzzy, "exact": exact}``.
        calculate_output: the formula text, when ``graders`` is a dict.
        name: the grader's name.
        pass_threshold: the reward at or above which a sample passes (Azure's samples set
            one on a multi grader; ``passed = reward >= pass_threshold``).

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> both = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
        >>> sorted(both.graders), both.calculate_output
        (['exact', 'fuzzy'], '0.85 * fuzzy + 0.15 * exact')
    """
    if isinstance(graders, Expression):
        if calculate_output is not None:
            raise InvalidGrader(
                f"multi {name!r}",
                "calculate_output",
                calculate_output,
                "must not be given with an expression; the expression is the formula",
            )
        calculate_output = graders.calculate_output
        graders = graders.graders
    elif isinstance(graders, GraderBase):
        key = graders.name or "grader"
        graders, calculate_output = {key: graders}, calculate_output or key
    grader = _build(
        MultiGrader,
        "multi",
        name,
        {
            "graders": dict(graders),
            "calculate_output": calculate_output,
            "pass_threshold": pass_threshold,
        },
    )
    warn_about_multi(grader)
    return grader


def endpoint(
    url: str,
    *,
    name: str,
    headers: Mapping[str, str] | None = None,
    rate_limit: int | None = None,
    pass_threshold: float | None = None,
) -> EndpointGrader:
    """An ``endpoint`` grader (Azure AI Foundry, preview): your HTTP service grades.

    The grader POSTs ``{"sample": {...}, "item": {...}}`` as JSON to ``url`` and reads the
    number in the reply's ``score``. OpenAI's own service has no endpoint grader; Azure's takes
    it for fine-tuning, inside ``multi`` and as an Evals criterion.

    Args:
        url: an ``https://`` URL (``http://`` only to a loopback host, for local runs; such a
            grader cannot be compiled).
        name: the grader's name.
        headers: sent with every request, e.g. ``{"X-Functions-Key": "..."}``.
        rate_limit: requests per second the service may send (a positive integer).
        pass_threshold: the score at or above which an Evals criterion passes.

    Raises:
        InvalidGrader: a URL that is not https, a header that is not a string, or a
            ``rate_limit`` that is not a positive integer.

    Examples:
        >>> import graderkit as gk
        >>> remote = gk.endpoint("https://grader.example.com/api/grade", name="remote",
        ...                      rate_limit=20)
        >>> remote.url, remote.rate_limit
        ('https://grader.example.com/api/grade', 20)
    """
    return _build(
        EndpointGrader,
        "endpoint",
        name,
        {
            "url": url,
            "headers": dict(headers) if headers is not None else None,
            "rate_limit": rate_limit,
            "pass_threshold": pass_threshold,
        },
    )


def warn_about_multi(grader: MultiGrader) -> None:
    """Warn about a ``pass_threshold`` inside a multi (kept, but the service may ignore it)."""
    for key, child in grader.graders.items():
        if getattr(child, "pass_threshold", None) is not None:
            warnings.warn(
                f"{grader.label}: graders.{key}.pass_threshold is ignored inside a multi grader "
                "(thresholds apply to Evals criteria); remove it unless you load it as given",
                GraderkitWarning,
                stacklevel=3,
            )


def warn_about_model_grader(grader: ScoreModelGrader | LabelModelGrader) -> None:
    """Warn about sampling parameters the service refuses for this judge model."""
    from graderkit._core.judge.request import build_warnings

    for message in build_warnings(grader):
        warnings.warn(f"{grader.label}: {message}", GraderkitWarning, stacklevel=3)
