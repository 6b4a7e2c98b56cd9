"""from_openai and the JSON Schema agree: one population, two verdicts, compared case by case.

graderkit accepts a payload for a target when ``from_openai`` loads it and ``check_target``
passes; the schema accepts it when ``validate_payload`` finds nothing (a criterion as the service
returns it is checked without its echo-only fields, which ``to_openai`` leaves out). The
population: every grader fixture in the repository, every one-step mutation of each (a field
removed, replaced by a value of another type, an unknown field added), and hypothesis-generated
graders with a generated mutation.

The only disagreements allowed are the checks JSON Schema cannot express, each named in
``SEMANTIC``: template syntax, formula syntax and names, ``range`` order and ``passing_labels``
being a subset of ``labels``. graderkit refuses those; the schema cannot.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.graders.wire import check_target, split_service_echo
from graderkit.errors import FormulaError, TemplateError
from graderkit.schema import Target, validate_payload
from graderkit.testing.strategies import graders

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TARGETS: tuple[Target, ...] = ("fine_tuning", "evals")
SEMANTIC = (
    "must be [min, max] with min < max",
    "must be a subset of labels",
)
"""Problems (besides TemplateError and FormulaError) that a JSON Schema cannot state."""

SOURCE_CHECKS = (
    "defines no module-level grade()",
    "has a syntax error",
    "grade() has",
    "the service accepts sources under",  # bytes of UTF-8: not a JSON Schema maxLength
)
"""A python grader's static checks (syntax, the ``grade(sample, item)`` signature): Python, not JSON."""


def graderkit_verdict(payload: Any, target: Target) -> tuple[bool, gk.InvalidGrader | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        try:
            check_target(gk.from_openai(payload), target)
        except gk.InvalidGrader as exc:
            return False, exc
    return True, None


def schema_verdict(payload: Any, target: Target) -> tuple[bool, list[str]]:
    body = split_service_echo(payload)[0] if isinstance(payload, dict) else payload
    errors = validate_payload(body, target)
    return not errors, errors


def is_semantic(exc: gk.InvalidGrader) -> bool:
    if isinstance(exc, (TemplateError, FormulaError)) or exc.problem.startswith(SEMANTIC):
        return True
    return exc.field.rsplit(".", 1)[-1] == "source" and any(c in exc.problem for c in SOURCE_CHECKS)


def disagreement(payload: Any, target: Target) -> str | None:
    """Why the two verdicts differ (``None`` when they agree or differ only semantically)."""
    ours, exc = graderkit_verdict(payload, target)
    theirs, errors = schema_verdict(payload, target)
    if ours == theirs:
        return None
    if not ours and exc is not None and is_semantic(exc):
        return None
    side = f"graderkit refuses ({exc})" if not ours else f"the schema refuses ({errors})"
    return f"{target}: {side}: {json.dumps(payload)[:400]}"


# ---------------------------------------------------------------- the population


def _graders_in(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "testing_criteria" in data:
        return [c for c in data["testing_criteria"] if isinstance(c, dict)]
    return [data] if isinstance(data, dict) and "type" in data else []


def _second_round_seeds() -> list[dict[str, Any]]:
    endpoint = {"type": "endpoint", "name": "remote", "url": "https://grader.example.com/g",
                "headers": {"X-Functions-Key": "********"}, "rate_limit": 50,
                "pass_threshold": 1.0}  # fmt: skip
    python = {"type": "python", "source": "def grade(sample, item):\n    return 1.0\n"}
    critic = {"type": "score_model", "name": "critic", "model": "gpt-4.1", "range": [0, 10],
              "input": [{"role": "critic", "content": "Rate {{ sample.output_text }}"},
                        {"role": "user", "content": ["Answer: {{ sample.output_text }}",
                                                     {"type": "input_text", "text": "0-10"}]}]}  # fmt: skip
    multi = {"type": "multi", "name": "both", "pass_threshold": 0.5,
             "graders": {"python": python, "endpoint": endpoint},
             "calculate_output": "(python + endpoint) / 2"}  # fmt: skip
    urls = ["https://fn.example.net/api/grade?code=abc", "https://[::1]:8443/g", "HTTPS://a.b/g",
            "https://a.b/g h", "https://", "http://127.0.0.1:8080/g", "ftp://a.b/g"]  # fmt: skip
    return [endpoint, critic, multi, *({**endpoint, "url": url} for url in urls)]


def seeds() -> list[dict[str, Any]]:
    files = [
        *sorted((FIXTURES / "spec-examples").glob("*.json")),
        FIXTURES / "cookbook-score-model-layered.json",
        *sorted((FIXTURES / "evals").glob("*.eval.json")),
        *sorted((FIXTURES / "real").glob("*.json")),  # the corpus of real graders, when present
        *sorted((ROOT / "examples").rglob("*.json")),
    ]
    found = [g for f in files if f.name != "observed.json" for g in _graders_in(f)]
    return [*found, *_second_round_seeds()]


VALUES: tuple[Any, ...] = (None, 0, 1.5, -1, True, "", "x", "{{ bad }}", [], [0, 1], {},
                           {"type": "input_text", "text": "t"})  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def mutate(payload: Any, path: tuple[Any, ...], op: str, value: Any = None) -> Any:
    """``payload`` with one change at ``path``: ``delete``, ``set`` to ``value`` or ``add`` an
    unknown key ``zz_unknown`` to the object there."""
    out = copy.deepcopy(payload)
    if not path:
        return {**out, "zz_unknown": 1} if op == "add" and isinstance(out, dict) else out
    node = out
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if op == "delete":
        del node[last]
    elif op == "set":
        node[last] = value
    elif isinstance(node[last], dict):
        node[last]["zz_unknown"] = 1
    return out


def mutants(seed: dict[str, Any]) -> Iterator[Any]:
    yield seed
    for path in _paths(seed):
        yield mutate(seed, path, "add")
        if path:
            yield mutate(seed, path, "delete")
            for value in VALUES:
                yield mutate(seed, path, "set", value)


# ---------------------------------------------------------------- the tests


def test_every_fixture_gets_the_same_verdict() -> None:
    problems = [
        problem
        for payload in seeds()
        for target in TARGETS
        if (problem := disagreement(payload, target)) is not None
    ]
    assert problems == []


@pytest.mark.slow
def test_every_one_step_mutation_of_every_fixture_gets_the_same_verdict() -> None:
    tally: Counter[tuple[str, bool]] = Counter()
    problems = []
    for seed in seeds():
        for payload in mutants(seed):
            for target in TARGETS:
                tally[(target, schema_verdict(payload, target)[0])] += 1
                problem = disagreement(payload, target)
                if problem is not None:
                    problems.append(problem)
    assert problems == [], f"{len(problems)} disagreements, e.g.\n" + "\n".join(problems[:10])
    # the comparison is only worth something if both sides accept and refuse a lot
    for target in TARGETS:
        assert tally[(target, True)] >= 200 and tally[(target, False)] >= 1000, tally


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    grader = draw(graders())
    payload = grader.wire()
    if draw(st.booleans()):
        return payload
    path = draw(st.sampled_from(list(_paths(payload))))
    op = draw(st.sampled_from(["delete", "set", "add"]) if path else st.just("add"))
    value = draw(st.sampled_from(VALUES)) if op == "set" else None
    return mutate(payload, path, op, value)


@pytest.mark.slow
@given(_mutated(), st.sampled_from(TARGETS))
def test_generated_graders_and_their_mutations_get_the_same_verdict(
    payload: Any, target: Target
) -> None:
    assert disagreement(payload, target) is None


@pytest.mark.parametrize(
    ("payload", "target"),
    [
        ({"type": "score_model", "model": "m", "input": [{"role": "user", "content": "{{ x }}"}]},
         "fine_tuning"),
        ({"type": "multi", "graders": {"a": {"type": "string_check", "input": "a",
          "reference": "b", "operation": "eq"}}, "calculate_output": "b"}, "fine_tuning"),
        ({"type": "score_model", "model": "m", "range": [1, 0],
          "input": [{"role": "user", "content": "x"}]}, "evals"),
        ({"type": "python", "source": "x = 1"}, "fine_tuning"),
        ({"type": "python", "source": "def grade(:"}, "evals"),
    ],
    ids=["template", "formula", "range-order", "python-no-grade", "python-syntax"],
)  # fmt: skip
def test_the_allowed_disagreements_are_refused_by_graderkit_only(
    payload: dict[str, Any], target: Target
) -> None:
    assert schema_verdict(payload, target)[0] is True
    ours, exc = graderkit_verdict(payload, target)
    assert ours is False and exc is not None and is_semantic(exc)
