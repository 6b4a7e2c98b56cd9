"""Hypothesis strategies for graders, samples, dataset rows and perturbed answers.

- graders: [`graders`][graderkit.testing.strategies.graders],
  [`leaf_graders`][graderkit.testing.strategies.leaf_graders] (fuzz graderkit or your tooling);
- samples: [`samples`][graderkit.testing.strategies.samples] (text, JSON, tool calls);
- dataset rows: [`items`][graderkit.testing.strategies.items] (from a JSON Schema of your rows);
- answers that look the same to a reader:
  [`perturbations`][graderkit.testing.strategies.perturbations] (case, whitespace,
  punctuation, unicode look-alikes).

Examples:
    >>> from hypothesis import given
    >>> import graderkit as gk
    >>> from graderkit.testing.strategies import graders
    >>> @given(graders())
    ... def test_round_trip(grader):
    ...     assert gk.to_openai(gk.from_openai(gk.to_openai(grader))) == gk.to_openai(grader)
    >>> test_round_trip()
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from graderkit._core.graders.factories import (
    endpoint,
    label_model,
    multi,
    score_model,
    string_check,
    text_similarity,
)
from graderkit._core.graders.models import GraderBase
from graderkit._core.metrics.similarity import METRIC_NAMES
from graderkit._optional import requires
from graderkit.testing.perturb import LOOKALIKES, PUNCTUATION, WHITESPACE
from graderkit.testing.schema_strategy import from_schema, json_values

with requires("graderkit.testing's hypothesis strategies"):
    from hypothesis import strategies as st

__all__ = [
    "graders",
    "items",
    "json_samples",
    "leaf_graders",
    "names",
    "perturbations",
    "samples",
    "templates",
    "text_samples",
    "tool_call_samples",
]

_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


def names() -> st.SearchStrategy[str]:
    """Grader names: short identifiers."""
    return _KEYS


def templates() -> st.SearchStrategy[str]:
    """Template strings mixing literal text with ``{{ item.* }}`` and ``{{ sample.* }}``."""
    literal = st.text(
        st.characters(exclude_characters="{}", exclude_categories=["Cs"]), max_size=12
    )
    variable = st.one_of(
        st.just("{{ sample.output_text }}"),
        st.builds("{{{{item.{}}}}}".format, _KEYS),
        st.builds("{{{{ sample.output_json.{} }}}}".format, _KEYS),
    )
    return st.lists(st.one_of(literal, variable), min_size=1, max_size=4).map("".join)


def _messages() -> st.SearchStrategy[list[dict[str, Any]]]:
    text_part = st.builds(lambda t: {"type": "input_text", "text": t}, templates())
    parts = st.lists(st.one_of(text_part, templates()), min_size=1, max_size=2)  # plain strings too
    content = st.one_of(templates(), parts)
    message = st.builds(
        lambda role, c: {"role": role, "content": c},
        st.sampled_from(["system", "developer", "user", "assistant"]),
        content,
    )
    return st.lists(message, min_size=1, max_size=3)


def leaf_graders(
    *, model_graders: bool = True, thresholds: bool = True
) -> st.SearchStrategy[GraderBase]:
    """Any grader kind allowed inside a multi (model graders and thresholds optional;
    ``model_graders`` also covers endpoint graders, which call out too)."""
    threshold = (st.none() | st.floats(0, 1)) if thresholds else st.none()
    options: list[st.SearchStrategy[GraderBase]] = [
        st.builds(
            lambda i, r, op, n: string_check(i, r, operation=op, name=n),
            templates(),
            templates(),
            st.sampled_from(["eq", "ne", "like", "ilike"]),
            names(),
        ),
        st.builds(
            lambda i, r, m, n, t: text_similarity(
                i, r, evaluation_metric=m, name=n, pass_threshold=t
            ),
            templates(),
            templates(),
            st.sampled_from(METRIC_NAMES),
            names(),
            threshold,
        ),
    ]
    if model_graders:
        rng = st.tuples(st.integers(-5, 0), st.integers(1, 10))
        params = st.none() | st.fixed_dictionaries(
            {}, optional={"seed": st.integers(0, 99), "temperature": st.floats(0, 2)}
        )
        options.append(
            st.builds(
                lambda m, r, n, sp: score_model(
                    m, model="gpt-4.1-mini", range=r, name=n, sampling_params=sp
                ),
                _messages(),
                rng,
                names(),
                params,
            )
        )
        options.append(
            st.builds(
                lambda host, n, headers, rate, t: endpoint(
                    f"https://{host}.example.com/grade",
                    name=n,
                    headers=headers,
                    rate_limit=rate,
                    pass_threshold=t,
                ),
                _KEYS,
                names(),
                st.none() | st.dictionaries(_KEYS, st.text(max_size=8), max_size=2),
                st.none() | st.integers(1, 500),
                threshold,
            )
        )
        labels = st.lists(_KEYS, min_size=1, max_size=4, unique=True)
        options.append(
            labels.flatmap(
                lambda ls: st.builds(
                    lambda m, passing, n: label_model(
                        m, model="gpt-4.1-mini", labels=ls, passing_labels=passing, name=n
                    ),
                    _messages(),
                    st.lists(st.sampled_from(ls), min_size=1, unique=True),
                    names(),
                )
            )
        )
    return st.one_of(options)


def graders(*, model_graders: bool = True) -> st.SearchStrategy[GraderBase]:
    """Any valid grader for the fine-tuning target (label_model only inside a multi)."""
    top = leaf_graders(model_graders=model_graders).filter(lambda g: g.type != "label_model")
    inner = leaf_graders(model_graders=model_graders, thresholds=False)
    children = st.dictionaries(_KEYS, inner, min_size=1, max_size=3)
    weighted = children.map(lambda d: (d, " + ".join(f"0.5 * {k}" for k in d)))
    multis = st.builds(
        lambda kc, n, t: multi(kc[0], kc[1], name=n, pass_threshold=t),
        weighted,
        names(),
        st.none() | st.floats(0, 1),
    )
    return st.one_of(top, multis)


# ---- samples ------------------------------------------------------------------------------


def text_samples(
    text: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[str]:
    """Plain-text samples (a ``graders/run`` ``model_sample``): any text by default."""
    return text if text is not None else st.text(st.characters(exclude_categories=["Cs"]))


def json_samples(schema: Mapping[str, Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Structured-output samples: ``output_json`` a JSON object (valid against ``schema`` when
    given) and ``output_text`` its JSON text, as a model with ``response_format`` produces."""
    values = from_schema(schema) if schema is not None else st.dictionaries(_KEYS, json_values())
    return values.map(
        lambda v: {
            "output_text": json.dumps(v, ensure_ascii=False),
            "output_json": v,
            "output_tools": [],
            "choices": [],
        }
    )


def tool_call_samples(
    names: Sequence[str] | None = None,
    arguments: Mapping[str, Any] | None = None,
    *,
    max_calls: int = 3,
) -> st.SearchStrategy[dict[str, Any]]:
    """Samples whose answer is tool calls, shaped like Chat Completions ``tool_calls``.

    Args:
        names: the function names to call (default: short identifiers).
        arguments: a JSON Schema for the arguments object (default: any object).
        max_calls: at most this many calls per sample.

    ``output_tools[i].function.arguments`` is a JSON *string*, as the API sends it;
    ``choices[0].message.tool_calls`` holds the same calls.
    """
    name = st.sampled_from(list(names)) if names else _KEYS
    args = (
        from_schema(arguments) if arguments is not None else st.dictionaries(_KEYS, json_values())
    )
    call = st.builds(
        lambda i, n, a: {
            "id": f"call_{i:04d}",
            "type": "function",
            "function": {"name": n, "arguments": json.dumps(a, ensure_ascii=False)},
        },
        st.integers(0, 9999),
        name,
        args,
    )
    return st.lists(call, min_size=1, max_size=max_calls).map(_tool_sample)


def _tool_sample(calls: list[dict[str, Any]]) -> dict[str, Any]:
    message = {"role": "assistant", "content": None, "tool_calls": calls}
    return {
        "output_text": "",
        "output_json": None,
        "output_tools": calls,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }


def samples() -> st.SearchStrategy[str | dict[str, Any]]:
    """Any sample: plain text, structured JSON output, or tool calls."""
    return st.one_of(text_samples(), json_samples(), tool_call_samples())


def items(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dataset rows valid against a JSON Schema of your rows (see
    [`from_schema`][graderkit.testing.schema_strategy.from_schema] for the keywords)."""
    return from_schema(schema)


# ---- perturbations ------------------------------------------------------------------------

Perturbation = Literal["case", "whitespace", "punctuation", "unicode"]
PERTURBATION_KINDS: tuple[Perturbation, ...] = ("case", "whitespace", "punctuation", "unicode")


def perturbations(
    text: str | st.SearchStrategy[str],
    kinds: Sequence[Perturbation] = PERTURBATION_KINDS,
) -> st.SearchStrategy[str]:
    """Variants of ``text`` that read the same: changed case, whitespace, punctuation, or
    unicode (look-alike letters, zero-width spaces, decomposed accents). Every variant differs
    from ``text``.

    Use them to pin down what your grader should ignore, e.g. "a normalising grader gives
    every case variant of the gold answer full marks".

    Examples:
        >>> from hypothesis import given
        >>> @given(perturbations("acute appendicitis", kinds=["case"]))
        ... def test_case(variant):
        ...     assert variant.casefold() == "acute appendicitis"
        >>> test_case()
    """
    unknown = sorted(set(kinds) - set(PERTURBATION_KINDS))
    if unknown or not kinds:
        raise ValueError(f"kinds must be some of {list(PERTURBATION_KINDS)}, got {list(kinds)}")
    if not isinstance(text, str):
        return text.flatmap(lambda t: perturbations(t, kinds))
    makers = {
        "case": _case,
        "whitespace": _whitespace,
        "punctuation": _punctuation,
        "unicode": _unicode,
    }
    return st.one_of([makers[kind](text) for kind in kinds])


def _case(text: str) -> st.SearchStrategy[str]:
    """At least one letter with its case swapped."""
    cased = [i for i, c in enumerate(text) if c.swapcase() != c]
    if not cased:
        return st.nothing()
    return st.sets(st.sampled_from(cased), min_size=1).map(
        lambda idx: "".join(c.swapcase() if i in idx else c for i, c in enumerate(text))
    )


def _insertions(text: str, pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``text`` with 1-3 pieces inserted before a word or at the end (words keep their order)."""
    words = text.split(" ")

    def insert(choices: list[tuple[int, str]]) -> str:
        before = [""] * (len(words) + 1)
        for slot, piece in choices:
            before[slot] += piece
        return " ".join(b + w for b, w in zip(before, words, strict=False)) + before[-1]

    slots = st.integers(0, len(words))
    return st.lists(st.tuples(slots, pieces), min_size=1, max_size=3).map(insert)


def _whitespace(text: str) -> st.SearchStrategy[str]:
    return _insertions(text, st.sampled_from(WHITESPACE))


def _punctuation(text: str) -> st.SearchStrategy[str]:
    return _insertions(text, st.sampled_from(PUNCTUATION))


def _unicode(text: str) -> st.SearchStrategy[str]:
    mappable = [i for i, c in enumerate(text) if c in LOOKALIKES]
    swaps = (
        st.sets(st.sampled_from(mappable), min_size=1).map(
            lambda idx: "".join(LOOKALIKES[c] if i in idx else c for i, c in enumerate(text))
        )
        if mappable
        else st.nothing()
    )
    zero_width = st.integers(0, len(text)).map(lambda i: text[:i] + "\u200b" + text[i:])
    nfd = unicodedata.normalize("NFD", text)
    decomposed = st.just(nfd) if nfd != text else st.nothing()
    return st.one_of(swaps, zero_width, decomposed)
