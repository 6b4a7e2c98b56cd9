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

import difflib
import functools
import math
import numbers
import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from graderkit.errors import FormulaError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "PRECEDENCE",
    "BinOp",
    "Call",
    "Formula",
    "FormulaDomainError",
    "Name",
    "Neg",
    "Node",
    "Number",
    "parse_formula",
    "unparse",
]

Op = Literal["+", "-", "*", "/", "^"]


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric literal: ``value`` is finite and non-negative; ``text`` is how it was written."""

    value: float
    text: str


@dataclass(frozen=True, slots=True)
class Name:
    """A variable: the key of one of the multi grader's graders."""

    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp:
    """A binary operation; ``^`` is power."""

    op: Op
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    """A call of one of `FUNCTIONS`."""

    func: str
    args: tuple[Node, ...]


Node: TypeAlias = Number | Name | Neg | BinOp | Call

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "log": (1, 1),
}
"""Function name -> (min args, max args or None for variadic).

Parity decisions [INF]: ``min`` and ``max`` take one or more arguments (``min(a)`` is ``a``);
``log`` is the natural logarithm with exactly one argument (no base argument); ``floor`` and
``ceil`` return floats. The service documents only the names [DOC].
"""

PRECEDENCE: dict[str, int] = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4, "atom": 5}
"""Binding strength of each operator (higher binds tighter).

Parity decision [INF] (Part B section 6 says precedence is undocumented): ``^`` binds tightest
and is right-associative (``2^3^2 == 512``), its right operand may be a unary minus
(``2^-1 == 0.5``); then unary minus (``-2^2 == -4``); then ``*`` and ``/``; then ``+`` and ``-``,
both left-associative (``1-2-3 == -4``, ``8/4/2 == 1``). These are Python's rules for ``**``.
"""

MAX_DEPTH = 100
"""Deepest nesting accepted (real formulas are a few levels deep; this bounds recursion)."""


class FormulaDomainError(Exception):
    """Evaluating a formula failed (division by zero, log of <= 0, overflow, ...).

    Internal: grading turns it into reward 0 with ``other_error`` and ``str(e)`` as details.
    """


# --------------------------------------------------------------------------- tokens and parser

_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(
    r"(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/^(),])"
)
_EXPECT_OPERAND = "expected a number, a name, a function call, '(' or '-'"
_EXPECT_OPERATOR = "expected an operator (+ - * / ^)"


class _Syntax(Exception):
    """A problem found by the parser, before the grader and field are known."""


@dataclass(slots=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # r"\s*" always matches
        if pos == len(text):
            tokens.append(_Token("end", "", pos))
            return tokens
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _Syntax(f"has unexpected {text[pos]!r} at column {pos + 1}; {_EXPECT_OPERAND}")
        if text.startswith("**", pos):
            raise _Syntax(f"has '**' at column {pos + 1}; use '^' for powers")
        tokens.append(_Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise _Syntax("is empty; expected an expression such as '(a + b) / 2'")
        node = self.expr()
        if self.token.kind != "end":
            raise self.unexpected(_EXPECT_OPERATOR + " or the end of the formula")
        return node

    def unexpected(self, expected: str) -> _Syntax:
        token = self.token
        found = "end of formula" if token.kind == "end" else repr(token.text)
        return _Syntax(f"has unexpected {found} at column {token.pos + 1}; {expected}")

    def take(self, text: str) -> bool:
        if self.token.kind == "op" and self.token.text == text:
            self.index += 1
            return True
        return False

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Syntax(f"is nested too deeply at column {self.token.pos + 1} (max {MAX_DEPTH})")

    def expr(self) -> Node:
        node = self.term()
        while self.token.text in ("+", "-") and self.token.kind == "op":
            op: Op = "+" if self.token.text == "+" else "-"
            self.index += 1
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.token.text in ("*", "/") and self.token.kind == "op":
            op: Op = "*" if self.token.text == "*" else "/"
            self.index += 1
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "+":
            raise self.unexpected(_EXPECT_OPERAND + " (unary plus is not supported)")
        if not self.take("-"):
            return self.power()
        self.nested()
        node = Neg(self.unary())
        self.depth -= 1
        return node

    def power(self) -> Node:
        base = self.atom()
        if not self.take("^"):
            return base
        self.nested()
        node = BinOp("^", base, self.unary())
        self.depth -= 1
        return node

    def atom(self) -> Node:
        token = self.token
        if token.kind == "num":
            self.index += 1
            return _number(token)
        if token.kind == "name":
            self.index += 1
            return self.call(token) if self.take("(") else Name(token.text)
        if self.take("("):
            self.nested()
            node = self.expr()
            self.close(token)
            self.depth -= 1
            return node
        raise self.unexpected(_EXPECT_OPERAND)

    def close(self, opener: _Token) -> None:
        if not self.take(")"):
            raise self.unexpected(f"expected ')' to close '(' at column {opener.pos + 1}")

    def call(self, name: _Token) -> Call:
        if name.text not in FUNCTIONS:
            close = _closest(name.text, FUNCTIONS)
            raise _Syntax(
                f"calls unknown function {name.text!r} at column {name.pos + 1}; "
                f"known functions: {', '.join(sorted(FUNCTIONS))}{close}"
            )
        self.nested()
        args = [self.expr()] if not (self.token.kind == "op" and self.token.text == ")") else []
        while args and self.take(","):
            args.append(self.expr())
        self.close(name)
        self.depth -= 1
        _check_arity(name, len(args))
        return Call(name.text, tuple(args))


def _number(token: _Token) -> Number:
    value = float(token.text)
    if math.isinf(value):
        raise _Syntax(f"has number {token.text!r} at column {token.pos + 1}, which is too large")
    return Number(value, token.text)


def _check_arity(name: _Token, count: int) -> None:
    low, high = FUNCTIONS[name.text]
    if low <= count and (high is None or count <= high):
        return
    if high is None:
        wanted = f"at least {low} argument{'s' * (low != 1)}"
    elif low == high:
        wanted = f"exactly {low} argument{'s' * (low != 1)}"
    else:  # pragma: no cover - no such function today
        wanted = f"{low} to {high} arguments"
    raise _Syntax(f"calls {name.text}() at column {name.pos + 1} with {count}; it takes {wanted}")


def _closest(word: str, known: Collection[str]) -> str:
    match = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def _depth(root: Node) -> int:
    """Tree depth, computed without recursion (left-leaning ``a+b+c+...`` chains are deep)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in _children(node))
    return deepest


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def _names(root: Node) -> frozenset[str]:
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.add(node.name)
        stack.extend(_children(node))
    return frozenset(found)


# --------------------------------------------------------------------------- unparse


def unparse(node: Node) -> str:
    """Canonical text of a tree with the fewest parentheses; ``parse(unparse(t)).tree == t``.

    Examples:
        >>> unparse(parse_formula("((a)) - (b - c) ^ (2) * -x").tree)
        'a - (b - c) ^ 2 * -x'
    """
    if isinstance(node, Number):
        return node.text or repr(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Neg):
        return "-" + _wrap(node.operand, PRECEDENCE["neg"])
    if isinstance(node, Call):
        return f"{node.func}({', '.join(unparse(arg) for arg in node.args)})"
    prec = PRECEDENCE[node.op]
    if node.op == "^":  # right-associative; the exponent may be a unary minus
        left, right = _wrap(node.left, PRECEDENCE["atom"]), _wrap(node.right, PRECEDENCE["neg"])
    else:
        left, right = _wrap(node.left, prec), _wrap(node.right, prec + 1)
    return f"{left} {node.op} {right}"


def _wrap(node: Node, minimum: int) -> str:
    text = unparse(node)
    return text if _prec(node) >= minimum else f"({text})"


def _prec(node: Node) -> int:
    if isinstance(node, BinOp):
        return PRECEDENCE[node.op]
    return PRECEDENCE["neg"] if isinstance(node, Neg) else PRECEDENCE["atom"]


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
