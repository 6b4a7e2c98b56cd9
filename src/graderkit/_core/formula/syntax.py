"""The syntax of ``calculate_output`` formulas: the tree, the tokenizer, the parser, unparse.

See `graderkit._core.formula.evaluation` for the grammar, evaluation and `parse_formula`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_FORMULA_CHARS",
    "PRECEDENCE",
    "BinOp",
    "Call",
    "Name",
    "Neg",
    "Node",
    "Number",
    "Op",
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

MAX_FORMULA_CHARS = 10_000
"""Longest formula text accepted, checked before tokenizing, so a huge text is refused in
constant time (real formulas are under 200 characters)."""


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
        >>> from graderkit._core.formula.evaluation import parse_formula
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
