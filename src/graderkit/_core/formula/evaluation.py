"""A multi grader's ``calculate_output``: a small hand-written parser and a compiled evaluator.

Grammar (Part A "formula"; operators and functions [DOC], the rest [INF], see `PRECEDENCE`)::

    expr   := term (("+" | "-") term)*          left-associative
    term   := unary (("*" | "/") unary)*        left-associative
    unary  := "-" unary | power                 no unary plus
    power  := atom ("^" unary)?                 right-associative; 2^-1 is allowed
    atom   := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"
    NUMBER := 12 | 0.85 | .5 | 5. | 1e-3 | 2E+2
    NAME   := [A-Za-z_][A-Za-z0-9_]*            a multi grader's key

Formulas are parsed once (cached) when a grader is built or loaded and compiled lazily into
nested closures on first evaluation; nothing is ever passed to ``eval``.

Examples:
    >>> f = parse_formula("(name + email) / 2", variables=["name", "email"])
    >>> f.evaluate({"name": 1.0, "email": 0.5})
    0.75
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from graderkit._core.formula.syntax import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_FORMULA_CHARS,
    PRECEDENCE,
    BinOp,
    Call,
    Name,
    Neg,
    Node,
    Number,
    Op,
    _closest,
    _depth,
    _names,
    _Parser,
    _Syntax,
    _tokenize,
    unparse,
)
from graderkit.errors import FormulaError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_FORMULA_CHARS",
    "PRECEDENCE",
    "BinOp",
    "Call",
    "Formula",
    "FormulaDomainError",
    "Name",
    "Neg",
    "Node",
    "Number",
    "Op",
    "parse_formula",
    "unparse",
]


class FormulaDomainError(Exception):
    """Evaluating a formula failed (division by zero, log of <= 0, overflow, ...).

    Internal: grading turns it into reward 0 with ``other_error`` and ``str(e)`` as details.
    """


# --------------------------------------------------------------------------- evaluation

Compiled = Callable[[Mapping[str, float]], float]
_INF = math.inf


def _compile(node: Node) -> Compiled:
    if isinstance(node, Number):
        value = node.value
        return lambda env: value
    if isinstance(node, Name):
        return _compile_name(node.name)
    if isinstance(node, Neg):
        operand = _compile(node.operand)
        return lambda env: -operand(env)
    return _compile_call(node) if isinstance(node, Call) else _compile_binop(node)


def _compile_name(key: str) -> Compiled:
    def read(env: Mapping[str, float]) -> float:
        value = env[key]
        if value.__class__ is float and -_INF < value < _INF:
            return value
        return _finite(key, value)

    return read


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": math.pow,
}


def _compile_binop(node: BinOp) -> Compiled:
    left, right, func = _compile(node.left), _compile(node.right), _ARITH[node.op]

    def binop(env: Mapping[str, float]) -> float:
        a, b = left(env), right(env)
        try:
            result = func(a, b)
        except (ArithmeticError, ValueError) as e:
            raise FormulaDomainError(_binop_problem(node, a, b, e)) from None
        if -_INF < result < _INF:
            return result
        raise FormulaDomainError(f"overflow in {_quote(node)} (the result is {result!r})")

    return binop


def _binop_problem(node: BinOp, a: float, b: float, error: Exception) -> str:
    """Explain a failed operation. ``^`` is ``math.pow``, so it never yields a complex number."""
    if node.op == "/":
        right = node.right
        zero = f"{right.name} = {b!r}" if isinstance(right, Name) else f"the divisor is {b!r}"
        return f"division by zero in {_quote(node)} ({zero})"
    if isinstance(error, OverflowError):
        what = "overflow"
    elif a == 0.0:
        what = "zero to a negative power"
    else:
        what = "negative base to a fractional power (not a real number)"
    return f"{what} in {_quote(node)} (base = {a!r}, exponent = {b!r})"


def _compile_call(node: Call) -> Compiled:
    args = tuple(_compile(arg) for arg in node.args)
    if node.func in ("min", "max"):
        pick = min if node.func == "min" else max
        if len(args) == 1:
            return args[0]
        if len(args) == 2:
            first, second = args
            return lambda env: pick(first(env), second(env))
        return lambda env: pick([arg(env) for arg in args])
    func, (arg,) = _UNARY[node.func], args

    def call(env: Mapping[str, float]) -> float:
        x = arg(env)
        try:
            return func(x)
        except (ValueError, OverflowError):
            raise FormulaDomainError(_call_problem(node, x)) from None

    return call


def _call_problem(node: Call, x: float) -> str:
    what = {"log": "log of a number <= 0", "sqrt": "square root of a negative number"}
    return f"{what.get(node.func, 'overflow')} in {_quote(node)} (argument = {x!r})"


def _quote(node: Node) -> str:
    return repr(unparse(node))


_UNARY: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "exp": math.exp,
    "sqrt": math.sqrt,
    "log": math.log,
}


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed ``calculate_output`` formula. Build it with `parse_formula`.

    Attributes:
        source: the text it was parsed from.
        tree: the syntax tree.
        variables: every name the formula reads.
    """

    source: str
    tree: Node
    variables: frozenset[str]
    _compiled: Compiled | None = field(default=None, init=False, repr=False, compare=False)

    def evaluate(self, values: Mapping[str, float]) -> float:
        """Evaluate with ``values`` (a float or int for every name in `variables`).

        Parity decisions [INF]: arithmetic is IEEE double; every input, intermediate and the
        result must be a finite real number, otherwise the evaluation fails with
        `FormulaDomainError` (division by zero, ``log`` of <= 0, ``sqrt`` of < 0, overflow, a
        power with no real result), which grading turns into reward 0 + ``other_error``.
        The result is **not** clipped to [0, 1].

        Raises:
            FormulaDomainError: the formula has no finite real value for these inputs.
            KeyError: a name in `variables` is missing from ``values``.

        Examples:
            >>> parse_formula("-2^2 + 2^3^2").evaluate({})
            508.0
        """
        compiled = self._compiled
        if compiled is None:
            compiled = _compile(self.tree)
            object.__setattr__(self, "_compiled", compiled)
        return compiled(values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Formula, (self.source, self.tree, self.variables))


def _finite(name: str, value: Any) -> float:
    """An input as a finite float (ints, bools and registered reals such as numpy floats)."""
    if value.__class__ is not float:
        if not isinstance(value, numbers.Real):
            raise FormulaDomainError(f"value of {name!r} is not a number: {value!r}")
        try:
            value = float(value)
        except OverflowError:
            raise FormulaDomainError(f"value of {name!r} is too large: {value!r}") from None
    if -_INF < value < _INF:
        return value  # type: ignore[no-any-return]
    raise FormulaDomainError(f"value of {name!r} is {value!r}; formula inputs must be finite")


def parse_formula(
    text: str,
    *,
    grader: str = "",
    field: str = "calculate_output",
    variables: Collection[str] | None = None,
) -> Formula:
    """Parse a ``calculate_output`` formula (cached by text).

    Args:
        text: the formula.
        grader: label of the grader, used in error messages.
        field: the field (or JSON path) holding the formula, used in error messages.
        variables: if given, the names the formula may use (the multi grader's keys).

    Returns:
        The parsed formula.

    Raises:
        FormulaError: a syntax error (with its column and what was expected), an unknown
            function, a wrong number of arguments, or a name not in ``variables``.

    Examples:
        >>> parse_formula("min(a, b) + log(exp(1))").variables == {"a", "b"}
        True
    """
    if not isinstance(text, str):
        raise FormulaError(grader, field, text, f"must be a string, not {type(text).__name__}")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(
            grader,
            field,
            text[:60] + "…",
            f"is {len(text)} characters long; a formula is limited to {MAX_FORMULA_CHARS} "
            f"(and {MAX_DEPTH} levels of nesting): combine fewer graders, or average them in "
            "groups",
        )
    try:
        formula = _parse_cached(text)
    except _Syntax as e:
        raise FormulaError(grader, field, text, str(e)) from None
    except RecursionError:  # only if the caller's stack is already deep; MAX_DEPTH bounds ours
        raise FormulaError(grader, field, text, "is nested too deeply; simplify it") from None
    if variables is not None and not formula.variables <= set(variables):
        problem = _unknown_names(text, formula.variables, variables)
        raise FormulaError(grader, field, text, problem)
    return formula


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Formula:
    tree = _Parser(text).parse()
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise _Syntax(f"is nested too deeply ({depth} levels, max {MAX_DEPTH}); simplify it")
    return Formula(text, tree, _names(tree))


def _unknown_names(text: str, used: frozenset[str], known: Collection[str]) -> str:
    """Explain the unknown names, the first (by position) with its column and a suggestion."""
    unknown = used - set(known)
    found = [t for t in _tokenize(text) if t.kind == "name" and t.text in unknown]
    first, *rest = dict.fromkeys(t.text for t in found)
    column = next(t.pos for t in found if t.text == first) + 1
    others = f" (also unknown: {', '.join(map(repr, rest))})" if rest else ""
    keys = ", ".join(map(repr, sorted(known))) or "none (the multi grader has no graders)"
    return (
        f"uses unknown name {first!r} at column {column}{others}; the names are the keys of "
        f"'graders': {keys}{_closest(first, known)}"
    )
