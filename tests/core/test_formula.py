"""Tests for graderkit._core.formula.evaluation: grammar, precedence, errors, evaluation, properties."""

from __future__ import annotations

import inspect
import math
import operator
import pickle
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.formula.evaluation import (
    FUNCTIONS,
    MAX_DEPTH,
    BinOp,
    Call,
    Formula,
    FormulaDomainError,
    Name,
    Neg,
    Node,
    Number,
    parse_formula,
    unparse,
)
from graderkit.errors import FormulaError, InvalidGrader


def num(text: str) -> Number:
    return Number(float(text), text)


# --------------------------------------------------------------------------- precedence
# The expected values are Python's own evaluation of the same expression with `**` for `^`:
# Part A pins Python's rules for `**` (tightest, right-associative, exponent may be negated).


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("-2^2", -(2**2), id="neg-binds-looser-than-pow"),
        pytest.param("2^3^2", 2**3**2, id="pow-right-assoc"),
        pytest.param("2^-1", 2**-1, id="negative-exponent"),
        pytest.param("2^-2^2", 2 ** -(2**2), id="negative-exponent-chain"),
        pytest.param("(-2)^2", (-2) ** 2, id="parenthesized-base"),
        pytest.param("1-2-3", 1 - 2 - 3, id="minus-left-assoc"),
        pytest.param("8/4/2", 8 / 4 / 2, id="divide-left-assoc"),
        pytest.param("2*3^2", 2 * 3**2, id="pow-before-times"),
        pytest.param("1+2*3", 1 + 2 * 3, id="times-before-plus"),
        pytest.param("-3*-2", -3 * -2, id="neg-operands"),
        pytest.param("--3", 3, id="double-neg"),
        pytest.param("1 - -1", 1 - -1, id="minus-neg"),
        pytest.param("min(1)", 1, id="min-one-arg"),
        pytest.param("max(1,2,3)", 3, id="max-variadic"),
        pytest.param("min(3, -1, 2)", -1, id="min-variadic"),
        pytest.param("log(exp(1))", math.log(math.exp(1)), id="natural-log"),
        pytest.param("log(100)", math.log(100), id="log-is-not-base-10"),
        pytest.param("sqrt(16) + abs(-2.5)", 4 + 2.5, id="sqrt-abs"),
        pytest.param("floor(2.7) + ceil(-2.7)", 2 + -2, id="floor-ceil"),
        pytest.param(".5 + 5. + 1e-3 + 2E+2", 0.5 + 5.0 + 1e-3 + 2e2, id="number-forms"),
        pytest.param("0.85 * 1 + 0.15 * 0", 0.85 * 1 + 0.15 * 0, id="cookbook-weights"),
        pytest.param("2 * 3", 6, id="not-clipped-above-one"),
        pytest.param("0 - 5", -5, id="not-clipped-below-zero"),
    ],
)
def test_precedence_and_values(text: str, expected: float) -> None:
    value = parse_formula(text).evaluate({})
    assert type(value) is float
    assert value == expected


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        pytest.param("-2^2", Neg(BinOp("^", num("2"), num("2"))), id="neg-pow"),
        pytest.param("2^3^2", BinOp("^", num("2"), BinOp("^", num("3"), num("2"))), id="pow-pow"),
        pytest.param("2^-1", BinOp("^", num("2"), Neg(num("1"))), id="pow-neg"),
        pytest.param("a-b-c", BinOp("-", BinOp("-", Name("a"), Name("b")), Name("c")), id="left"),
        pytest.param("min (a)", Call("min", (Name("a"),)), id="call-with-space"),
        pytest.param("min + 1", BinOp("+", Name("min"), num("1")), id="function-name-as-variable"),
        pytest.param("((a))", Name("a"), id="redundant-parens"),
        pytest.param(" 1.50 ", Number(1.5, "1.50"), id="number-keeps-text"),
    ],
)
def test_trees(text: str, tree: Node) -> None:
    assert parse_formula(text).tree == tree


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("((a)) - (b - c) ^ (2) * -x", "a - (b - c) ^ 2 * -x", id="mixed"),
        pytest.param("(a+b)/2", "(a + b) / 2", id="mean"),
        pytest.param("a-(b-c)", "a - (b - c)", id="keeps-needed-parens"),
        pytest.param("(a-b)-c", "a - b - c", id="drops-left-parens"),
        pytest.param("(2^3)^2", "(2 ^ 3) ^ 2", id="left-pow-parens"),
        pytest.param("(-2)^2", "(-2) ^ 2", id="neg-base-parens"),
        pytest.param("-(a*b)", "-(a * b)", id="neg-product"),
        pytest.param("max( a ,b,1e3 )", "max(a, b, 1e3)", id="call"),
    ],
)
def test_unparse(text: str, canonical: str) -> None:
    assert unparse(parse_formula(text).tree) == canonical


def test_variables_and_cache() -> None:
    formula = parse_formula("0.5 * function_name + 0.5 * max(arguments, min(x))")
    assert formula.variables == frozenset({"function_name", "arguments", "x"})
    assert parse_formula(formula.source) is formula


def test_functions_table() -> None:
    unary: dict[str, tuple[int, int | None]] = {f: (1, 1) for f in ("abs", "floor", "ceil")}
    unary.update({f: (1, 1) for f in ("exp", "sqrt", "log")})
    assert dict(FUNCTIONS) == {"min": (1, None), "max": (1, None), **unary}


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param("", ["is empty"], id="empty"),
        pytest.param("   ", ["is empty"], id="blank"),
        pytest.param(
            "1 +", ["unexpected end of formula at column 4", "expected a number"], id="dangling"
        ),
        pytest.param(
            "(a + b", ["column 7", "expected ')' to close '(' at column 1"], id="unclosed"
        ),
        pytest.param(
            "a + b)", ["unexpected ')' at column 6", "expected an operator"], id="extra-close"
        ),
        pytest.param(
            "+1", ["unexpected '+' at column 1", "unary plus is not supported"], id="unary-plus"
        ),
        pytest.param("a * +b", ["unexpected '+' at column 5"], id="unary-plus-inside"),
        pytest.param("2 ** 3", ["'**' at column 3", "use '^'"], id="python-power"),
        pytest.param("a % b", ["unexpected '%' at column 3"], id="modulo"),
        pytest.param(
            "a b", ["unexpected 'b' at column 3", "expected an operator"], id="juxtaposition"
        ),
        pytest.param("2x", ["unexpected 'x' at column 2"], id="implicit-times"),
        pytest.param("1.2.3", ["unexpected '.3' at column 4"], id="two-points"),
        pytest.param("1e", ["unexpected 'e' at column 2"], id="exponent-without-digits"),
        pytest.param(
            "min()", ["min() at column 1 with 0", "at least 1 argument"], id="min-no-args"
        ),
        pytest.param(
            "log(1, 10)", ["log() at column 1 with 2", "exactly 1 argument"], id="log-base"
        ),
        pytest.param("abs()", ["abs() at column 1 with 0", "exactly 1 argument"], id="abs-no-args"),
        pytest.param("min(1,)", ["unexpected ')' at column 7"], id="trailing-comma"),
        pytest.param("a, b", ["unexpected ',' at column 2"], id="comma-outside-call"),
        pytest.param(
            "x + mn(a)",
            ["unknown function 'mn' at column 5", "did you mean 'min'"],
            id="typo-function",
        ),
        pytest.param(
            "round(a)",
            ["unknown function 'round' at column 1", "known functions: abs,"],
            id="round",
        ),
        pytest.param("1e999", ["'1e999' at column 1, which is too large"], id="huge-number"),
        pytest.param("a ≥ b", ["unexpected '≥' at column 3"], id="unicode-operator"),
        pytest.param("٣ + 1", ["unexpected '٣' at column 1"], id="non-ascii-digit"),
        pytest.param(
            "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
            ["nested too deeply"],
            id="deep-parens",
        ),
        pytest.param("-" * (MAX_DEPTH + 1) + "1", ["nested too deeply"], id="deep-negation"),
        pytest.param("+".join(["a"] * (MAX_DEPTH + 1)), ["nested too deeply"], id="long-sum"),
    ],
)
def test_syntax_errors(text: str, fragments: list[str]) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, grader="multi 'm'")
    error = info.value
    assert type(error) is FormulaError
    assert isinstance(error, InvalidGrader) and isinstance(error, ValueError)
    assert (error.grader, error.field, error.value) == ("multi 'm'", "calculate_output", text)
    assert str(error).startswith("multi 'm': calculate_output=")
    for fragment in fragments:
        assert fragment in str(error)


def test_deep_caller_stack_still_gives_formula_error() -> None:
    text = "(" * MAX_DEPTH + "deep_stack" + ")" * MAX_DEPTH

    def recurse(frames: int) -> Formula:
        return recurse(frames - 1) if frames else parse_formula(text)

    spare = sys.getrecursionlimit() - len(inspect.stack())
    with pytest.raises(FormulaError, match="nested too deeply"):
        recurse(spare - 100)


def test_depth_limit_is_inclusive() -> None:
    parse_formula("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH)
    parse_formula("+".join(["a"] * MAX_DEPTH))


@pytest.mark.parametrize(
    ("text", "known", "fragments"),
    [
        pytest.param(
            "a + b", ["a"], ["unknown name 'b' at column 5", "keys of 'graders': 'a'"], id="one"
        ),
        pytest.param(
            "scroe / 2",
            ["score", "style"],
            ["'scroe' at column 1", "did you mean 'score'?"],
            id="typo",
        ),
        pytest.param(
            "y + x + y", ["a"], ["'y' at column 1 (also unknown: 'x')"], id="first-by-position"
        ),
        pytest.param("a", [], ["none (the multi grader has no graders)"], id="no-keys"),
    ],
)
def test_unknown_names(text: str, known: list[str], fragments: list[str]) -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, field="graders.calculate_output", variables=known)
    assert info.value.field == "graders.calculate_output"
    for fragment in fragments:
        assert fragment in str(info.value)


def test_known_names_pass() -> None:
    formula = parse_formula("(name + email) / 2", variables={"name": 0, "email": 0, "extra": 0})
    assert formula.evaluate({"name": 1.0, "email": 0.5}) == (1.0 + 0.5) / 2


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("text", "values", "fragments"),
    [
        pytest.param(
            "a / b", {"a": 1, "b": 0}, ["division by zero in 'a / b' (b = 0.0)"], id="div-zero-name"
        ),
        pytest.param(
            "1 / (a - a)", {"a": 2}, ["division by zero in '1 / (a - a)'"], id="div-zero-expr"
        ),
        pytest.param(
            "log(a)", {"a": 0}, ["log of a number <= 0 in 'log(a)' (argument = 0.0)"], id="log-zero"
        ),
        pytest.param("log(-1)", {}, ["log of a number <= 0"], id="log-negative"),
        pytest.param(
            "sqrt(-a)", {"a": 1}, ["square root of a negative number in 'sqrt(-a)'"], id="sqrt"
        ),
        pytest.param("exp(a)", {"a": 1000}, ["overflow in 'exp(a)'"], id="exp-overflow"),
        pytest.param(
            "a ^ -1", {"a": 0}, ["zero to a negative power in 'a ^ -1'"], id="zero-neg-power"
        ),
        pytest.param(
            "a ^ 0.5", {"a": -4}, ["negative base to a fractional power"], id="complex-power"
        ),
        pytest.param("10 ^ a", {"a": 400}, ["overflow in '10 ^ a'"], id="power-overflow"),
        pytest.param(
            "a * a", {"a": 1e200}, ["overflow in 'a * a' (the result is inf)"], id="times-overflow"
        ),
        pytest.param("a + a", {"a": 1.7e308}, ["overflow in 'a + a'"], id="plus-overflow"),
        pytest.param("1 / (1 / a)", {"a": 1e-320}, ["overflow in '1 / a'"], id="divide-overflow"),
        pytest.param("a", {"a": math.nan}, ["value of 'a' is nan"], id="nan-input"),
        pytest.param("a", {"a": math.inf}, ["value of 'a' is inf"], id="inf-input"),
        pytest.param("a", {"a": "0.5"}, ["value of 'a' is not a number: '0.5'"], id="string-input"),
        pytest.param("a", {"a": 10**400}, ["value of 'a' is too large"], id="huge-int-input"),
    ],
)
def test_domain_errors(text: str, values: Mapping[str, Any], fragments: list[str]) -> None:
    with pytest.raises(FormulaDomainError) as info:
        parse_formula(text).evaluate(values)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_intermediate_overflow_is_an_error_even_if_the_result_would_be_finite() -> None:
    with pytest.raises(FormulaDomainError, match="overflow"):
        parse_formula("1 / (a * a)").evaluate({"a": 1e200})


def test_inputs() -> None:
    formula = parse_formula("a + b")
    mixed: dict[str, Any] = {"a": 1, "b": True, "unused": "x"}
    assert formula.evaluate(mixed) == 2.0
    np = pytest.importorskip("numpy")
    assert formula.evaluate({"a": np.float64(0.25), "b": np.int64(1)}) == 1.25
    with pytest.raises(KeyError):
        formula.evaluate({"a": 1.0})


def test_evaluate_is_repeatable_and_pickles_after_compiling() -> None:
    formula = parse_formula("max(a, b) - min(a, b) / 2")
    assert formula.evaluate({"a": 1.0, "b": 3.0}) == 3.0 - 1.0 / 2
    assert formula.evaluate({"a": 4.0, "b": 2.0}) == 4.0 - 2.0 / 2
    again = pickle.loads(pickle.dumps(formula))
    assert again == formula and again.evaluate({"a": 1.0, "b": 3.0}) == 2.5


# --------------------------------------------------------------------------- properties

_FORMULA_BITS = [
    "a",
    "b",
    "1",
    ".5",
    "2e3",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "^",
    ",",
    " ",
    "min",
    "log",
    "**",
    "e",
]
formula_like_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_FORMULA_BITS), max_size=20).map("".join),
)


@given(formula_like_text)
def test_parse_only_raises_formula_error(text: str) -> None:
    try:
        formula = parse_formula(text)
    except FormulaError as e:
        assert e.value == text
    else:
        assert isinstance(formula, Formula)
        assert parse_formula(unparse(formula.tree)).tree == formula.tree


NAMES = ["a", "b", "c", "x_1", "min"]
numbers = st.one_of(
    st.integers(0, 100).map(lambda i: Number(float(i), str(i))),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: Number(f, repr(f))),
)
leaves = st.one_of(numbers, st.sampled_from(NAMES).map(Name))


def _extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    calls = st.one_of(
        st.builds(
            Call,
            st.sampled_from(["min", "max"]),
            st.lists(inner, min_size=1, max_size=3).map(tuple),
        ),
        st.builds(
            lambda f, x: Call(f, (x,)),
            st.sampled_from(["abs", "floor", "ceil", "exp", "sqrt", "log"]),
            inner,
        ),
    )
    return st.one_of(
        st.builds(Neg, inner),
        st.builds(BinOp, st.sampled_from(["+", "-", "*", "/", "^"]), inner, inner),
        calls,
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
inputs = st.fixed_dictionaries(
    {
        name: st.one_of(
            st.sampled_from([0.0, 1.0, -1.0, 0.5]), st.floats(-50, 50), st.integers(-3, 3)
        )
        for name in NAMES
    }
)

_DOMAIN = "domain error"
_REF_OPS: dict[str, Callable[[float, float], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": operator.pow,  # Python's `**`: may return a complex number, checked below
}
_REF_FUNCTIONS: dict[str, Callable[..., float]] = {
    "min": lambda *args: min(args),
    "max": lambda *args: max(args),
    "abs": abs,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "exp": math.exp,
    "sqrt": math.sqrt,
    "log": math.log,
}


def reference(node: Node, env: Mapping[str, float]) -> float:
    """A straightforward evaluator: Python operators, `**` for `^`, every step must be finite."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return float(env[node.name])
    if isinstance(node, Neg):
        return -reference(node.operand, env)
    if isinstance(node, Call):
        args = [reference(arg, env) for arg in node.args]
        value = _REF_FUNCTIONS[node.func](*args)
    else:
        value = _REF_OPS[node.op](reference(node.left, env), reference(node.right, env))
    if isinstance(value, complex) or not math.isfinite(value):
        raise ArithmeticError(_DOMAIN)
    return float(value)


def reference_or_error(node: Node, env: Mapping[str, float]) -> float | str:
    try:
        return reference(node, env)
    except (ArithmeticError, ValueError):  # ZeroDivisionError and OverflowError are ArithmeticError
        return _DOMAIN


@given(trees)
def test_unparse_round_trip(tree: Node) -> None:
    assert parse_formula(unparse(tree)).tree == tree


@given(trees, inputs)
def test_evaluate_matches_reference(tree: Node, env: dict[str, float]) -> None:
    formula = parse_formula(unparse(tree))
    try:
        got: float | str = formula.evaluate(env)
    except FormulaDomainError:
        got = _DOMAIN
    assert got == reference_or_error(tree, env)
