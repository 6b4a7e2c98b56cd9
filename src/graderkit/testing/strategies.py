"""Hypothesis strategies for graders, for fuzzing graderkit and your own grader code.

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

from typing import Any

from hypothesis import strategies as st

from graderkit._core.factories import label_model, multi, score_model, string_check, text_similarity
from graderkit._core.models import GraderBase
from graderkit._core.similarity import METRIC_NAMES

__all__ = ["graders", "leaf_graders", "names", "templates"]

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
    content = st.one_of(templates(), st.lists(text_part, min_size=1, max_size=2))
    message = st.builds(
        lambda role, c: {"role": role, "content": c},
        st.sampled_from(["system", "developer", "user", "assistant"]),
        content,
    )
    return st.lists(message, min_size=1, max_size=3)


def leaf_graders(
    *, model_graders: bool = True, thresholds: bool = True
) -> st.SearchStrategy[GraderBase]:
    """Any grader kind allowed inside a multi (model graders and thresholds optional)."""
    threshold = (st.none() | st.floats(0, 1)) if thresholds else st.none()
    options = [
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
    multis = st.builds(lambda kc, n: multi(kc[0], kc[1], name=n), weighted, names())
    return st.one_of(top, multis)
