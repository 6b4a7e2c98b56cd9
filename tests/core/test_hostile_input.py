"""Typed errors only: whatever goes into ``from_openai``, the template parser, the formula parser
or grader arithmetic, out comes a grader, a formula, or a `GraderkitError` naming where.

The named cases are the ones that escaped as ``RecursionError``, ``ValueError`` or
``UnicodeDecodeError`` before; the hypothesis tests throw random JSON, deep nesting, huge
numbers and random bytes at the same doors (a small run here, the profile's run in the slow
suite). Time bounds are measured in ``bench/bench_hostile_input.py``, not asserted here.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graderkit as gk
from graderkit._core.formula.evaluation import MAX_FORMULA_CHARS, parse_formula
from graderkit._core.graders.json_text import MAX_DEPTH, MAX_NUMBER_DIGITS
from graderkit._core.templating.template import MAX_TEMPLATE_CHARS, parse_template
from graderkit.testing.schema_strategy import json_values
from graderkit.testing.strategies import leaf_graders

EXACT = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")


def _score_model_with_range(high: str) -> str:
    return (
        '{"type": "score_model", "name": "judge", "model": "gpt-4.1", "input": '
        '[{"role": "user", "content": "x"}], "range": [0, ' + high + "]}"
    )


def _sum_of(count: int) -> Any:
    total: Any = EXACT
    for _ in range(count - 1):
        total = total + EXACT
    return total


def _nested_arithmetic(count: int) -> Any:
    total: Any = EXACT
    for _ in range(count):
        total = (total + 1) * 0.5
    return total


NAMED: dict[str, tuple[Callable[[], object], type[gk.GraderkitError], str]] = {
    "deeply nested JSON text (was RecursionError)": (
        lambda: gk.from_openai("[" * 100_000 + "]" * 100_000),
        gk.InvalidGrader,
        f"more than {MAX_DEPTH} levels deep",
    ),
    "deeply nested JSON object in a field": (
        lambda: gk.from_openai(
            '{"type": "string_check", "name": "x", "input": ' + '{"a": ' * 5000 + "1"
            + "}" * 5000 + "}"
        ),
        gk.InvalidGrader,
        "levels deep",
    ),
    "deeply nested dict": (
        lambda: gk.from_openai({"type": "string_check", "name": "x", "input": _deep_list(5000)}),
        gk.InvalidGrader,
        "levels deep",
    ),
    "a dict that contains itself": (
        lambda: gk.from_openai(_cycle()),
        gk.InvalidGrader,
        "levels deep",
    ),
    "bytes that are not UTF-8 (was UnicodeDecodeError)": (
        lambda: gk.from_openai(b'{"type": "string_check", "name": "\xff"}'),
        gk.InvalidGrader,
        "is not UTF-8 text: byte 0xff at offset 34",
    ),
    "a 5,000-digit integer (was ValueError)": (
        lambda: gk.from_openai(_score_model_with_range("9" * 5000)),
        gk.InvalidGrader,
        f"has more than {MAX_NUMBER_DIGITS} digits",
    ),
    "a float too large for a double": (
        lambda: gk.from_openai(_score_model_with_range("1e999")),
        gk.InvalidGrader,
        "must be finite",
    ),
    "NaN in JSON text": (
        lambda: gk.from_openai(_score_model_with_range("NaN")),
        gk.InvalidGrader,
        "NaN and Infinity are not numbers in JSON",
    ),
    "NaN in a dict (was written back as NaN, which is not JSON)": (
        lambda: gk.from_openai(
            {"type": "text_similarity", "name": "t", "input": "a", "reference": "b",
             "evaluation_metric": "bleu", "pass_threshold": float("nan")}
        ),
        gk.InvalidGrader,
        "pass_threshold=nan must be a finite number",
    ),
    "a list as the type (was TypeError: unhashable)": (
        lambda: gk.from_openai({"type": ["python"], "name": "x"}),
        gk.InvalidGrader,
        "type=['python'] is not a grader type",
    ),
    "a 5,000-digit template index (was ValueError)": (
        lambda: parse_template("{{ item.rows[" + "9" * 5000 + "] }}"),
        gk.TemplateError,
        "indexes have at most 18 digits",
    ),
    "a 5,000-digit template index in a grader": (
        lambda: gk.string_check("{{ item.rows[" + "9" * 5000 + "] }}", "a", name="x"),
        gk.TemplateError,
        "string_check 'x': input=",
    ),
    "a template over the size limit": (
        lambda: parse_template("{{ item.a }}" * (MAX_TEMPLATE_CHARS // 12 + 1)),
        gk.TemplateError,
        f"a template is limited to {MAX_TEMPLATE_CHARS}",
    ),
    "a 1M-term formula (was 10 s of parsing)": (
        lambda: parse_formula(" + ".join(["a"] * 1_000_000), variables=["a"]),
        gk.FormulaError,
        f"a formula is limited to {MAX_FORMULA_CHARS}",
    ),
    "a 500-term formula built with Python operators (was RecursionError in unparse)": (
        lambda: gk.multi(_sum_of(500), name="total"),
        gk.FormulaError,
        "would be nested 101 levels deep (max 100)",
    ),
    "nested Python arithmetic": (
        lambda: _nested_arithmetic(600),
        gk.FormulaError,
        "levels deep",
    ),
    "a string in grader arithmetic": (
        lambda: EXACT + "1",  # type: ignore[operator]
        gk.FormulaError,
        "cannot be used in a grader formula",
    ),
    "an infinite number in grader arithmetic": (
        lambda: EXACT * float("inf"),
        gk.FormulaError,
        "is not a finite number",
    ),
    "a 400-digit integer in grader arithmetic": (
        lambda: EXACT * 10**400,
        gk.FormulaError,
        "is not a finite number",
    ),
}  # fmt: skip


def _deep_list(depth: int) -> list[Any]:
    node: list[Any] = []
    for _ in range(depth):
        node = [node]
    return node


def _cycle() -> dict[str, Any]:
    data: dict[str, Any] = {"type": "string_check", "name": "x"}
    data["input"] = data
    return data


@pytest.mark.parametrize("case", sorted(NAMED))
def test_each_named_hostile_input_gives_a_typed_error(case: str) -> None:
    attempt, error, message = NAMED[case]
    with pytest.raises(error) as caught:
        attempt()
    assert message in str(caught.value)


def test_limits_leave_real_inputs_alone() -> None:
    assert parse_formula("max(a, b) * 0.5 + min(a, b) / 2", variables="ab").variables == {"a", "b"}
    assert len(_sum_of(100).graders) == 1  # a long but legal expression still builds
    assert gk.multi(EXACT * -0.5, name="m").calculate_output == "exact * -0.5"
    assert parse_template("{{ item.rows[123456789012345678] }}").variables[0].path == (
        "rows",
        123456789012345678,
    )
    fine = _score_model_with_range("9" * MAX_NUMBER_DIGITS)
    assert gk.from_openai(fine).range[1] == int("9" * MAX_NUMBER_DIGITS)  # type: ignore[attr-defined]
    utf8 = gk.from_openai(
        '\ufeff{"type": "string_check", "name": "é", "input": "a", "reference": "b", '
        '"operation": "eq"}'.encode()
    )
    assert utf8.name == "é"


# ---- hypothesis: any input -> a result or a GraderkitError ----------------------------------


def _typed_or_ok(attempt: Callable[[], object]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        with contextlib.suppress(gk.GraderkitError):
            attempt()


def _grader_like() -> st.SearchStrategy[Any]:
    """Real grader JSON with one value replaced by random JSON, nesting or a huge number."""
    wild = st.one_of(
        json_values(max_leaves=30),
        st.integers(min_value=-(10**60), max_value=10**60),
        st.integers(1, 200).map(_deep_list),
        st.text(alphabet="{}[].0123456789 itemsample", max_size=60),
    )

    def mutate(pair: tuple[gk.GraderBase, Any], key_index: int, new_key: bool) -> Any:
        grader, value = pair
        wire = gk.to_openai(grader) if grader.type != "label_model" else grader.wire()
        keys = list(wire)
        key = "extra" if new_key else keys[key_index % len(keys)]
        return {**wire, key: value}

    return st.builds(mutate, st.tuples(leaf_graders(), wild), st.integers(0, 20), st.booleans())


INPUTS = st.one_of(
    json_values(max_leaves=30),
    _grader_like(),
    _grader_like().map(lambda d: json.dumps(d, allow_nan=True)),
    _grader_like().map(lambda d: json.dumps(d, allow_nan=True).encode()),
    st.binary(max_size=200),
    st.text(max_size=200),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "0" + "}" * n),
)


def _from_openai(value: Any) -> None:
    gk.from_openai(value)


def _formula(text: str) -> None:
    parse_formula(text, variables=["a", "b"])


TEXTS = st.one_of(
    st.text(max_size=120),
    st.text(alphabet="ab+-*/^(),. 0123456789e", max_size=200),
    st.integers(1, 400).map(lambda n: "(" * n + "a" + ")" * n),
    st.integers(1, 400).map(lambda n: "-" * n + "a"),
)
TEMPLATES = st.one_of(
    st.text(max_size=120),
    st.text(alphabet="{} .[]0123456789itemsample_\n", max_size=200),
    st.integers(1, 60).map(lambda n: "{{ item.a[" + "9" * n + "] }}"),
)
OPERANDS = st.one_of(
    st.just(EXACT),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
OPS = st.sampled_from(
    ["+", "-", "*", "/", "**", "neg", "abs"]
)  # the operators Arithmetic implements


def _arithmetic(steps: list[tuple[str, Any]]) -> None:
    value: Any = EXACT
    for op, operand in steps:
        if op == "neg":
            value = -value
        elif op == "abs":
            value = abs(value)
        elif op == "+":
            value = value + operand
        elif op == "-":
            value = operand - value
        elif op == "*":
            value = value * operand
        elif op == "/":
            value = operand / value
        else:
            value = value**operand
    if not isinstance(value, gk.GraderBase):  # an expression: compile it
        gk.multi(value, name="m")


ARITHMETIC = st.lists(st.tuples(OPS, OPERANDS), max_size=150)
DOORS: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], None]]] = {
    "from_openai": (INPUTS, _from_openai),
    "parse_formula": (TEXTS, _formula),
    "parse_template": (TEMPLATES, parse_template),
    "arithmetic": (ARITHMETIC, _arithmetic),
}


@pytest.mark.parametrize("door", sorted(DOORS))
def test_any_input_gives_a_result_or_a_graderkit_error(door: str) -> None:
    inputs, attempt = DOORS[door]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(inputs)
    def check(value: Any) -> None:
        _typed_or_ok(lambda: attempt(value))

    check()


@pytest.mark.slow
@pytest.mark.parametrize("door", sorted(DOORS))
def test_any_input_gives_a_result_or_a_graderkit_error_thoroughly(door: str) -> None:
    inputs, attempt = DOORS[door]

    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(inputs)
    def check(value: Any) -> None:
        _typed_or_ok(lambda: attempt(value))

    check()
