"""Hypothesis strategies from a JSON Schema: generate dataset rows shaped like yours.

Supports the keywords dataset schemas use: ``type`` (one or a list), ``enum``, ``const``,
``properties``/``required``/``additionalProperties``, ``items``/``minItems``/``maxItems``/
``uniqueItems``, ``minLength``/``maxLength``/``pattern``, ``minimum``/``maximum``/
``exclusiveMinimum``/``exclusiveMaximum``/``multipleOf`` (integers), ``anyOf``/``oneOf``,
local ``$ref`` (``#/$defs/...``, ``#/definitions/...``), and annotations (``title``,
``description``, ``default``, ``examples``, ``format``, ``$schema``, ``$id``). Any other
keyword raises ``ValueError`` naming it. Every value drawn is checked against the whole schema
with ``jsonschema``, so what you get is valid.

Examples:
    >>> from hypothesis import given
    >>> schema = {"type": "object", "required": ["id", "reference_answer"],
    ...           "properties": {"id": {"type": "string", "pattern": "^q[0-9]{2}$"},
    ...                          "reference_answer": {"type": "string", "minLength": 1}}}
    >>> @given(from_schema(schema))
    ... def test_rows(row):
    ...     assert row["id"].startswith("q") and row["reference_answer"]
    >>> test_rows()
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from graderkit._optional import requires

with requires("graderkit.testing's hypothesis strategies"):
    from hypothesis import strategies as st

__all__ = ["from_schema", "json_values"]

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "format", "$schema", "$id", "$comment",
     "$defs", "definitions", "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip
_KNOWN = frozenset(
    {"type", "enum", "const", "properties", "required", "additionalProperties", "items",
     "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum",
     "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "anyOf", "oneOf", "$ref"}
)  # fmt: skip
_MAX_DEPTH = 8


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Any JSON value: null, booleans, integers, finite floats, strings, lists and objects."""
    scalars: st.SearchStrategy[Any] = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def from_schema(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for values valid against ``schema``.

    Raises:
        ValueError: the schema uses a keyword this generator does not support, or a ``$ref``
            that is not local.
    """
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    return _strategy(schema, schema, 0).filter(validator.is_valid)


def _strategy(node: Any, root: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if node is True or node == {}:
        return json_values()
    if node is False:
        raise ValueError("a schema of `false` accepts no value")
    if not isinstance(node, Mapping):
        raise ValueError(f"a schema must be an object or a boolean, got {node!r}")
    unknown = sorted(set(node) - _KNOWN - _ANNOTATIONS)
    if unknown:
        raise ValueError(f"JSON Schema keyword(s) {unknown} are not supported by from_schema")
    if depth > _MAX_DEPTH:
        raise ValueError("the schema nests (or refers to itself) more than 8 levels deep")
    if "$ref" in node:
        return _strategy(_resolve(node["$ref"], root), root, depth + 1)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(list(node["enum"]))
    for key in ("anyOf", "oneOf"):
        if key in node:
            rest = {k: v for k, v in node.items() if k != key}
            return st.one_of([_strategy({**rest, **sub}, root, depth + 1) for sub in node[key]])
    return st.one_of([_typed(kind, node, root, depth) for kind in _types(node)])


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref ('#/...') is supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise ValueError(f"$ref {ref!r} does not resolve")
        node = node[part]
    return node


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    if "properties" in node or "required" in node:
        return ["object"]
    if "items" in node:
        return ["array"]
    if "pattern" in node or "minLength" in node:
        return ["string"]
    return ["null", "boolean", "integer", "number", "string", "array", "object"]


def _typed(
    kind: str, node: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        return _number(kind, node)
    if kind == "string":
        return _string(node)
    if kind == "array":
        items = node.get("items", True)
        inner = _strategy(items, root, depth + 1)
        low, high = int(node.get("minItems", 0)), node.get("maxItems")
        high = min(int(high), low + 5) if high is not None else low + 5
        unique = bool(node.get("uniqueItems"))
        return st.lists(
            inner, min_size=low, max_size=high, unique_by=_canonical if unique else None
        )
    if kind == "object":
        return _object(node, root, depth)
    raise ValueError(f"unknown JSON Schema type {kind!r}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _number(kind: str, node: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    low, high = node.get("minimum"), node.get("maximum")
    ex_low, ex_high = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if kind == "integer":
        lo = None if low is None else math.ceil(low)
        hi = None if high is None else math.floor(high)
        if ex_low is not None:
            lo = max(lo if lo is not None else -(10**9), math.floor(ex_low) + 1)
        if ex_high is not None:
            hi = min(hi if hi is not None else 10**9, math.ceil(ex_high) - 1)
        step = node.get("multipleOf")
        if isinstance(step, int) and step > 0:
            first = None if lo is None else -(-lo // step)
            last = None if hi is None else hi // step
            return st.integers(first, last).map(lambda k: k * step)
        return st.integers(lo, hi)
    return st.floats(
        min_value=ex_low if ex_low is not None else low,
        max_value=ex_high if ex_high is not None else high,
        exclude_min=ex_low is not None,
        exclude_max=ex_high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def _string(node: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low, high = int(node.get("minLength", 0)), node.get("maxLength")
    if "pattern" in node:
        pattern = st.from_regex(str(node["pattern"]))
        return pattern.filter(lambda s: low <= len(s) <= (high if high is not None else len(s)))
    alphabet = st.characters(exclude_categories=["Cs"])
    return st.text(
        alphabet, min_size=low, max_size=int(high) if high is not None else max(low, 20) + 10
    )


def _object(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    properties: Mapping[str, Any] = node.get("properties", {})
    required = [k for k in node.get("required", []) if isinstance(k, str)]
    fixed = {k: _strategy(properties.get(k, True), root, depth + 1) for k in required}
    optional = {k: _strategy(v, root, depth + 1) for k, v in properties.items() if k not in fixed}
    base = st.fixed_dictionaries(fixed, optional=optional)
    extra = node.get("additionalProperties", False)
    if extra is False:
        return base
    names = st.text(min_size=1, max_size=8).filter(lambda k: k not in properties)
    extras = st.dictionaries(names, _strategy(extra, root, depth + 1), max_size=2)
    return st.builds(lambda fixed_part, more: {**more, **fixed_part}, base, extras)
