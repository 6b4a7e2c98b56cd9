"""An endpoint grader's call, the pure half: the body it POSTs and the grade its reply gives.

Azure's endpoint grader (preview) POSTs ``{"sample": {...}, "item": {...}}`` to the grader's
``url`` and reads a number from the JSON reply's ``score`` ("the same API as a Python grader").
[`endpoint_body`][graderkit._core.judge.endpoint_reply.endpoint_body] builds that body;
[`EndpointReply`][graderkit._core.judge.endpoint_reply.EndpointReply] is what one call returned
(from the network, the cache or a cassette);
[`interpret_endpoint_reply`][graderkit._core.judge.endpoint_reply.interpret_endpoint_reply]
turns it, or a [`ChatFailure`][graderkit._core.judge.reply.ChatFailure] after every retry, into a
[`GradeResult`][graderkit.GradeResult]. The call itself lives in ``graderkit._run.judge``.

Examples:
    >>> import graderkit as gk
    >>> remote = gk.endpoint("https://grader.example.com/grade", name="remote")
    >>> interpret_endpoint_reply(remote, EndpointReply({"score": 0.5})).reward
    0.5
    >>> r = interpret_endpoint_reply(remote, EndpointReply({"score": "high"}))
    >>> r.reward, r.errors
    (0.0, {'endpoint_grader_internal_error': "the reply's 'score' is not a finite number: 'high'"})
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graderkit._core.graders.models import EndpointGrader
from graderkit._core.judge.reply import ChatFailure, Usage
from graderkit._core.results.grade_result import GradeResult, failure, is_finite_number

__all__ = ["EndpointReply", "endpoint_body", "interpret_endpoint_reply"]

_SNIPPET = 300


@dataclass(frozen=True, slots=True)
class EndpointReply:
    """The JSON an endpoint answered with (HTTP 2xx), as parsed; ``text`` is the start of a
    body that was not JSON (then ``body`` is ``None``).

    ``usage`` is always ``None`` (an endpoint reports no tokens); it is here so the engine
    accounts every kind of call alike.
    """

    body: Any
    text: str | None = None
    usage: Usage | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the cache and cassettes)."""
        return {"body": self.body, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndpointReply:
        """The inverse of [`to_dict`][graderkit._core.judge.endpoint_reply.EndpointReply.to_dict]."""
        text = data.get("text")
        return cls(data.get("body"), text if isinstance(text, str) else None)


def endpoint_body(sample: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON an endpoint grader POSTs: ``{"sample": ..., "item": ...}``.

    Parity [AZ] (microsoft-foundry's endpoint grader demo): the sample and the item exactly as
    a python grader's ``grade(sample, item)`` receives them.

    Raises:
        TypeError: a value JSON cannot hold (the caller reports it per sample).

    Examples:
        >>> endpoint_body({"output_text": "4"}, {"answer": "4"})
        {'sample': {'output_text': '4'}, 'item': {'answer': '4'}}
    """
    body = {"sample": dict(sample), "item": dict(item)}
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the sample or item cannot be sent as JSON: {exc}") from None
    return body


def interpret_endpoint_reply(
    grader: EndpointGrader, outcome: EndpointReply | ChatFailure
) -> GradeResult:
    """The grade an endpoint's reply gives.

    Parity [INF] (the service documents only the flag names): a finite number in ``score``
    (an int or a float, never a bool) is the reward, as given (no clamping, like a python
    grader's return value); a failed call after every retry (connection error, timeout, an
    HTTP error status) is reward 0 + ``endpoint_grader_server_error``; a reply that is not a
    JSON object with a numeric ``score`` is reward 0 + ``endpoint_grader_internal_error``.
    ``endpoint_grader_safety_check_error`` (the service's own URL checks) is never raised
    locally.
    """
    name, kind = grader.result_name, grader.type
    if isinstance(outcome, ChatFailure):
        return failure(name, kind, "endpoint_grader_server_error", outcome.details)
    body = outcome.body
    if not isinstance(body, Mapping) or "score" not in body:
        snippet = outcome.text if outcome.text is not None else json.dumps(body)[:_SNIPPET]
        return failure(
            name,
            kind,
            "endpoint_grader_internal_error",
            f'the reply is not a JSON object with a "score": {snippet}',
        )
    score = body["score"]
    if not is_finite_number(score):
        return failure(
            name,
            kind,
            "endpoint_grader_internal_error",
            f"the reply's 'score' is not a finite number: {score!r}"[: _SNIPPET + 60],
        )
    return GradeResult(reward=float(score), name=name, type=kind, scores={"score": score})
