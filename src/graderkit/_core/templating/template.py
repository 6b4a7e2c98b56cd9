"""``{{ namespace.path }}`` templates: a small hand-written parser and a fast renderer.

Grammar (Part A "template syntax" [DOC]; the corner cases are ours, see `parse_template`)::

    variable  := "{{" WS* NAMESPACE ( "." KEY | "[" DIGITS "]" )+ WS* "}}"
    NAMESPACE := "item" | "sample"
    KEY       := one or more characters that are not whitespace, ".", "[", "]", "{" or "}"

Everything outside ``{{ ... }}`` is literal text, including a single ``{`` or ``}`` and a stray
``}}``, so JSON written inside a template works. Templates are parsed once (and cached) when a
grader is built or loaded; rendering walks precomputed parts and never uses a regex.

Examples:
    >>> t = parse_template('{"smiles": "{{ item.smiles }}"}')
    >>> [v.text for v in t.variables]
    ['item.smiles']
    >>> render(t, sample={}, item={"smiles": "CCO"})
    '{"smiles": "CCO"}'
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graderkit.errors import TemplateError

__all__ = [
    "MissingVariable",
    "Template",
    "Variable",
    "json_container",
    "parse_template",
    "render",
    "render_text",
    "resolve",
    "to_text",
]

Namespace = Literal["item", "sample"]
_NAMESPACES: tuple[Namespace, ...] = ("item", "sample")
_KEY_STOP = frozenset(".[]{}")
MAX_TEMPLATE_CHARS = 1024 * 1024
"""Longest template text accepted (1 MiB, checked before parsing); real prompts are kilobytes."""
MAX_INDEX_DIGITS = 18
"""Most digits in a ``[N]`` index (any real list is far shorter than 10**18 items)."""
_Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Variable:
    """One ``{{ namespace.path }}`` reference.

    Attributes:
        namespace: ``"item"`` (the dataset row) or ``"sample"`` (the model output).
        path: keys (``str``) and list indexes (``int``), e.g. ``("output_tools", 0, "function")``.
        text: canonical text without braces or spaces, e.g. ``"sample.output_tools[0].function"``.
    """

    namespace: Namespace
    path: tuple[str | int, ...]
    text: str
    _get: _Getter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_get", _compile_getter(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Variable, (self.namespace, self.path, self.text))

    @classmethod
    def of(cls, namespace: Namespace, *path: str | int) -> Variable:
        """Build a variable from its parts, computing the canonical ``text``.

        Examples:
            >>> Variable.of("sample", "output_tools", 0, "function").text
            'sample.output_tools[0].function'
        """
        return cls(namespace, path, namespace + _path_text(path))


def _path_text(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and variables in order.

    Build it with `parse_template`; ``parts`` has adjacent literals merged and no empty literal.

    Attributes:
        source: the text the template was parsed from.
        parts: literal strings and `Variable` objects in order.
    """

    source: str
    parts: tuple[str | Variable, ...]
    _variables: tuple[Variable, ...] = field(init=False, repr=False, compare=False)
    _plan: tuple[str | _Getter, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found = tuple(p for p in self.parts if isinstance(p, Variable))
        object.__setattr__(self, "_variables", found)
        plan = tuple(p if isinstance(p, str) else p._get for p in self.parts)
        object.__setattr__(self, "_plan", plan)

    @property
    def variables(self) -> tuple[Variable, ...]:
        """The variables in order of appearance (repeats included)."""
        return self._variables

    @property
    def is_literal(self) -> bool:
        """True when the template has no variable (rendering returns the text unchanged)."""
        return not self._variables

    @property
    def sole_variable(self) -> Variable | None:
        """The variable when the template is exactly one variable and nothing else, else None."""
        parts = self.parts
        if len(parts) == 1 and isinstance(parts[0], Variable):
            return parts[0]
        return None

    @property
    def canonical(self) -> str:
        """The template re-serialized with every variable written as ``{{ text }}``.

        Examples:
            >>> parse_template("Q: {{item.q}}!").canonical
            'Q: {{ item.q }}!'
        """
        return "".join(p if isinstance(p, str) else "{{ " + p.text + " }}" for p in self.parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Template, (self.source, self.parts))


class MissingVariable(Exception):
    """A template variable does not resolve against the sample and item.

    Internal: grading turns it into ``invalid_variable_error`` with ``str(e)`` as the details.

    Attributes:
        variable: the variable that failed.
        reason: why, e.g. ``"sample.output_json is None"``.
    """

    def __init__(self, variable: Variable, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"{variable.text}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.variable, self.reason))


# --------------------------------------------------------------------------- parsing


class _Syntax(Exception):
    """A problem found by the parser, before the grader and field are known."""


def parse_template(text: str, *, grader: str = "", field: str = "") -> Template:
    """Parse ``text`` into a `Template` (cached by text).

    Corner cases (parity decisions, [INF] unless noted): namespaces other than ``item`` and
    ``sample`` are errors [DOC]; a bare namespace (``{{ item }}``), an empty ``{{ }}``,
    filters, expressions, quotes, negative indexes and an unclosed ``{{`` are errors; a stray
    ``}}`` and single braces are literal text (Jinja-like), so ``"{{item.response}}}}"`` renders
    the value followed by ``}}``; keys may contain any character except whitespace and
    ``.[]{}`` (``item.reference-answer`` works).

    Args:
        text: the template text.
        grader: label of the grader, used in the error message.
        field: the field (or JSON path) holding the template, used in the error message.

    Returns:
        The parsed template.

    Raises:
        TemplateError: with the position and what was expected.

    Examples:
        >>> parse_template("{{ sample.output_tools[0].function.name }}").sole_variable
        Variable(namespace='sample', path=('output_tools', 0, 'function', 'name'), text='sample.output_tools[0].function.name')
    """
    if not isinstance(text, str):
        raise TemplateError(grader, field, text, f"must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEMPLATE_CHARS:
        raise TemplateError(
            grader,
            field,
            text[:60] + "…",
            f"is {len(text)} characters long; a template is limited to {MAX_TEMPLATE_CHARS} "
            "(move large data into the dataset item and reference it with {{ item.<key> }})",
        )
    try:
        return _parse_cached(text)
    except _Syntax as e:
        raise TemplateError(grader, field, text, str(e)) from None


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Template:
    parts: list[str | Variable] = []
    literal: list[str] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            literal.append(text[pos:])
            break
        literal.append(text[pos:start])
        end = text.find("}}", start + 2)
        if end < 0:
            raise _Syntax(
                f"has an unclosed '{{{{' at {_where(text, start)}; "
                "close it with '}}' (e.g. {{ item.answer }})"
            )
        joined = "".join(literal)
        if joined:
            parts.append(joined)
        literal.clear()
        parts.append(_parse_variable(text, start, end))
        pos = end + 2
    joined = "".join(literal)
    if joined:
        parts.append(joined)
    return Template(text, tuple(parts))


def _parse_variable(text: str, start: int, end: int) -> Variable:
    """Parse ``text[start:end + 2]``, which is ``{{ ... }}``, into a Variable."""
    snippet = text[start : end + 2]
    pos = _skip_space(text, start + 2, end)
    name_end = _scan_key(text, pos, end)
    name = text[pos:name_end]
    if name not in _NAMESPACES:
        raise _Syntax(_namespace_problem(text, pos, name, snippet))
    namespace: Namespace = "item" if name == "item" else "sample"
    path: list[str | int] = []
    pos = name_end
    while pos < end and text[pos] in ".[":
        pos = _parse_step(text, pos, end, path, snippet)
    stop = _skip_space(text, pos, end)
    if stop < end:
        raise _Syntax(
            f"has unexpected {text[stop]!r} at {_where(text, stop)} in {snippet!r}; "
            "expected '.<key>', '[<index>]' or '}}' (filters and expressions are not supported)"
        )
    if not path:
        raise _Syntax(
            f"uses the bare namespace {name!r} at {_where(text, start)} in {snippet!r}; "
            f"reference a key, e.g. {{{{ {name}.answer }}}}"
        )
    return Variable.of(namespace, *path)


def _parse_step(text: str, pos: int, end: int, path: list[str | int], snippet: str) -> int:
    """Parse one ``.key`` or ``[N]`` starting at ``pos``; append it to ``path``; return the end."""
    if text[pos] == ".":
        key_end = _scan_key(text, pos + 1, end)
        if key_end == pos + 1:
            raise _Syntax(
                f"has '.' without a key at {_where(text, pos)} in {snippet!r}; "
                "expected a key such as '.answer'"
            )
        path.append(text[pos + 1 : key_end])
        return key_end
    digits_end = pos + 1
    while digits_end < end and text[digits_end] in "0123456789":
        digits_end += 1
    if digits_end == pos + 1 or digits_end >= end or text[digits_end] != "]":
        raise _Syntax(
            f"has a malformed index at {_where(text, pos)} in {snippet!r}; "
            "expected '[' digits ']' such as '[0]' (no negative indexes, quotes or expressions)"
        )
    if digits_end - pos - 1 > MAX_INDEX_DIGITS:
        raise _Syntax(
            f"has an index of {digits_end - pos - 1} digits at {_where(text, pos)}; "
            f"indexes have at most {MAX_INDEX_DIGITS} digits"
        )
    path.append(int(text[pos + 1 : digits_end]))
    return digits_end + 1


def _namespace_problem(text: str, pos: int, name: str, snippet: str) -> str:
    use = "use {{ item.<key> }} or {{ sample.<key> }}"
    if not name:
        found = f"{text[pos]!r}" if text[pos : pos + 2] != "}}" else "'}}'"
        at = _where(text, pos)
        return f"has {found} at {at} in {snippet!r} where a variable is expected; {use}"
    return f"has unknown namespace {name!r} at {_where(text, pos)} in {snippet!r}; {use}"


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _scan_key(text: str, pos: int, end: int) -> int:
    while pos < end:
        char = text[pos]
        if char in _KEY_STOP or char.isspace():
            break
        pos += 1
    return pos


def _where(text: str, offset: int) -> str:
    """``"column C"`` (1-based) for one-line text, ``"line L, column C"`` otherwise."""
    column = offset - text.rfind("\n", 0, offset)
    if "\n" not in text:
        return f"column {column}"
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {column}"


# --------------------------------------------------------------------------- rendering


def resolve(variable: Variable, sample: Mapping[str, Any], item: Mapping[str, Any]) -> Any:
    """Return the value a variable points to.

    Parity decisions [INF]: a ``str`` key looks up a mapping; an ``int`` index reads a list or
    tuple (out of range is missing); anything else (a key on a list, an index on a dict,
    anything on ``None`` or a number) is missing. A step that meets a **string** continues into
    it when the string parses as a JSON object or array (see
    [`json_container`][graderkit._core.templating.template.json_container]):
    ``sample.output_tools[0].function.arguments.symbols`` reads ``symbols`` from the JSON
    ``arguments`` [OBS, indirect: the cookbook's tool-calling eval ran it without errors]; any
    other string ends the walk (missing). This is the one place to change it (`_compile_getter`
    is a fast path that defers to this function for anything but plain dicts and lists).

    Args:
        variable: the variable to resolve.
        sample: the ``sample`` namespace.
        item: the ``item`` namespace.

    Returns:
        The value, of any type.

    Raises:
        MissingVariable: with a reason naming the path that failed.

    Examples:
        >>> resolve(Variable.of("item", "a", 1), sample={}, item={"a": ["x", "y"]})
        'y'
        >>> resolve(Variable.of("item", "args", "city"), sample={}, item={"args": '{"city": "Oslo"}'})
        'Oslo'
    """
    value: Any = item if variable.namespace == "item" else sample
    for step in variable.path:
        if isinstance(value, str):
            value = json_container(value)
        if isinstance(step, str):
            found = isinstance(value, Mapping) and step in value
        else:
            found = isinstance(value, (list, tuple)) and 0 <= step < len(value)
        if not found:
            raise MissingVariable(variable, _missing_reason(variable, sample, item))
        value = value[step]
    return value


def json_container(text: str) -> Any:
    """``text`` parsed, when it is a JSON object or array; else ``text`` itself.

    What a template path step does on meeting a string (see
    [`resolve`][graderkit._core.templating.template.resolve]): tool-call ``arguments`` and other
    JSON strings are walked into as their parsed value. Only objects and arrays count (a string
    such as ``"12"`` stays a string), as for ``sample.output_json``.

    Examples:
        >>> json_container('{"symbols": ["AAPL"]}'), json_container("12"), json_container("[1")
        ({'symbols': ['AAPL']}, '12', '[1')
    """
    if text.lstrip()[:1] not in ("{", "["):
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, (dict, list)) else text


class _Never:
    """A type no value has: the fast path's expected container for a step it must not take."""


def _compile_getter(variable: Variable) -> _Getter:
    """A fast `resolve` for one variable: plain dicts and lists inline, everything else deferred.

    Each step expects exactly ``dict`` (a key) or ``list`` (a non-negative index); a missing
    key, an index out of range or any other container falls back to `resolve`, which either
    finds the value (mappings and tuples) or raises `MissingVariable` with the reason.
    """
    steps = tuple(
        (step, dict if isinstance(step, str) else list if step >= 0 else _Never)
        for step in variable.path
    )
    is_item = variable.namespace == "item"

    def get(sample: Mapping[str, Any], item: Mapping[str, Any]) -> Any:
        value: Any = item if is_item else sample
        try:
            for step, container in steps:
                if value.__class__ is not container:
                    return resolve(variable, sample, item)
                value = value[step]  # type: ignore[index]  # __class__ checked above
        except (KeyError, IndexError):
            return resolve(variable, sample, item)
        return value

    return get


def _missing_reason(variable: Variable, sample: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """Walk the path again (slow path, only on failure) and explain where it stopped."""
    value: Any = item if variable.namespace == "item" else sample
    where: str = variable.namespace
    for step in variable.path:
        if isinstance(value, str):
            value = json_container(value)
        if isinstance(step, str) and isinstance(value, Mapping):
            if step not in value:
                return f"key {step!r} not found in {where}"
        elif isinstance(step, int) and isinstance(value, (list, tuple)):
            if not 0 <= step < len(value):
                return f"index {step} out of range for {where} (length {len(value)})"
        elif value is None:
            return f"{where} is None"
        else:
            kind = f"key {step!r}" if isinstance(step, str) else f"index [{step}]"
            return f"{where} is {_kind(value)}, which has no {kind}"
        value = value[step]
        where += f"[{step}]" if isinstance(step, int) else f".{step}"
    return "unresolvable"  # pragma: no cover - only reached if resolve() and this disagree


def _kind(value: Any) -> str:
    if isinstance(value, str):
        looks_like_json = value.lstrip()[:1] in ("{", "[")
        return "a string" + (" that does not parse as JSON" if looks_like_json else "")
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    name = type(value).__name__
    return f"{'an' if name[:1] in tuple('aeiou') else 'a'} {name}"


def to_text(value: Any) -> str:
    """Turn a resolved value into the text substituted into the template.

    Parity decision (Part A "template values", [INF]): a ``str`` is used as is; everything else
    is rendered with Python's ``str()`` (Jinja-like): ``1.0`` -> ``'1.0'``, ``True`` ->
    ``'True'``, ``None`` -> ``'None'``, ``['a', 1]`` -> ``"['a', 1]"``, ``{'k': None}`` ->
    ``"{'k': None}"`` (not JSON). This is the one place to change it (`render` skips the
    call for a ``str``, which is returned unchanged here too).

    Examples:
        >>> [to_text(v) for v in ("x", 3, 1.0, True, None, ["a", 1], {"k": None})]
        ['x', '3', '1.0', 'True', 'None', "['a', 1]", "{'k': None}"]
    """
    if value.__class__ is str:
        return value
    return str(value)


def render(template: Template, sample: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """Substitute every variable of ``template`` (values converted with `to_text`).

    Args:
        template: a parsed template.
        sample: the ``sample`` namespace.
        item: the ``item`` namespace.

    Returns:
        The rendered text.

    Raises:
        MissingVariable: for the first variable that does not resolve.

    Examples:
        >>> render(parse_template("{{item.n}} of {{ sample.output_text }}"), {"output_text": "x"},
        ...        {"n": 2})
        '2 of x'
    """
    plan = template._plan
    if len(plan) == 1:
        only = plan[0]
        if isinstance(only, str):
            return only
        value = only(sample, item)
        return value if value.__class__ is str else to_text(value)
    out: list[str] = []
    append = out.append
    for part in plan:
        if isinstance(part, str):
            append(part)
        else:
            value = part(sample, item)
            append(value if value.__class__ is str else to_text(value))
    return "".join(out)


def render_text(text: str, sample: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """Parse (cached) and render ``text`` in one call.

    Raises:
        TemplateError: if ``text`` is not a valid template.
        MissingVariable: if a variable does not resolve.

    Examples:
        >>> render_text("{{ item.a.b }}", {}, {"a": {"b": [1, 2]}})
        '[1, 2]'
    """
    return render(parse_template(text), sample, item)
