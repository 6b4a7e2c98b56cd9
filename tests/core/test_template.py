"""Tests for graderkit._core.templating.template: the grammar, resolution, value rendering, properties."""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Callable
from types import MappingProxyType
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.templating.template import (
    MissingVariable,
    Template,
    Variable,
    parse_template,
    render,
    render_text,
    resolve,
    to_text,
)
from graderkit.errors import InvalidGrader, TemplateError

V = Variable.of

# --------------------------------------------------------------------------- grammar: good


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("", (), id="empty"),
        pytest.param("plain text", ("plain text",), id="literal-only"),
        pytest.param("{{item.x}}", (V("item", "x"),), id="no-spaces"),
        pytest.param("{{ item.x }}", (V("item", "x"),), id="spaces"),
        pytest.param("{{\n\titem.x \t}}", (V("item", "x"),), id="tabs-and-newlines"),
        pytest.param(
            "{{sample.output_tools[0].function.name}}",
            (V("sample", "output_tools", 0, "function", "name"),),
            id="docs-tool-path",
        ),
        pytest.param("{{ item.a[0][12] }}", (V("item", "a", 0, 12),), id="two-indexes"),
        pytest.param("{{ item[3] }}", (V("item", 3),), id="index-right-after-namespace"),
        pytest.param("{{ item.0 }}", (V("item", "0"),), id="digit-key-is-a-string"),
        pytest.param("{{ item.reference-answer }}", (V("item", "reference-answer"),), id="dash"),
        pytest.param("{{ item.名前 }}", (V("item", "名前"),), id="unicode-key"),
        pytest.param(
            '{"smiles": "{{item.smiles}}"}',
            ('{"smiles": "', V("item", "smiles"), '"}'),
            id="json-around-a-variable",
        ),
        pytest.param(
            "{{item.response}}}}", (V("item", "response"), "}}"), id="stray-closing-azure-sample"
        ),
        pytest.param("a}}b{c}", ("a}}b{c}",), id="stray-braces-are-literal"),
        pytest.param(
            "{{item.a}}{{ sample.b }}",
            (V("item", "a"), V("sample", "b")),
            id="adjacent-variables",
        ),
        pytest.param(
            "Q: {{ item.q }}\nA: {{ sample.output_text }}.",
            ("Q: ", V("item", "q"), "\nA: ", V("sample", "output_text"), "."),
            id="prompt",
        ),
    ],
)
def test_parse_good(text: str, parts: tuple[str | Variable, ...]) -> None:
    template = parse_template(text)
    assert template.parts == parts
    assert template.source == text
    assert template.variables == tuple(p for p in parts if isinstance(p, Variable))
    assert template.is_literal == (not template.variables)


def test_variable_text_is_canonical() -> None:
    (variable,) = parse_template("{{  sample.output_tools[0] .function }}".replace(" .", ".")).parts
    assert variable == Variable(
        "sample", ("output_tools", 0, "function"), "sample.output_tools[0].function"
    )


@pytest.mark.parametrize(
    ("text", "sole"),
    [
        pytest.param("{{ item.x }}", V("item", "x"), id="sole"),
        pytest.param(" {{ item.x }}", None, id="leading-space"),
        pytest.param("{{ item.x }}{{ item.x }}", None, id="twice"),
        pytest.param("text", None, id="literal"),
    ],
)
def test_sole_variable(text: str, sole: Variable | None) -> None:
    assert parse_template(text).sole_variable == sole


def test_parse_is_cached() -> None:
    assert parse_template("{{ item.cached }} x") is parse_template("{{ item.cached }} x")


# --------------------------------------------------------------------------- grammar: bad


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            "{{ foo.x }}",
            ["unknown namespace 'foo'", "column 4", "'{{ foo.x }}'", "{{ item.<key> }}"],
            id="unknown-namespace",
        ),
        pytest.param("{{ Item.x }}", ["unknown namespace 'Item'", "column 4"], id="namespace-case"),
        pytest.param(
            "{{ item }}",
            ["bare namespace 'item'", "column 1", "reference a key, e.g. {{ item.answer }}"],
            id="bare-item",
        ),
        pytest.param("x {{ sample }}", ["bare namespace 'sample'", "column 3"], id="bare-sample"),
        pytest.param("{{}}", ["'}}' at column 3", "variable is expected"], id="empty-braces"),
        pytest.param("{{   }}", ["'}}' at column 6"], id="blank-braces"),
        pytest.param("ab {{ item.x", ["unclosed '{{' at column 4"], id="unclosed"),
        pytest.param("{{ item.x }", ["unclosed '{{' at column 1"], id="half-closed"),
        pytest.param("{{ item.x | upper }}", ["unexpected '|' at column 11"], id="filter"),
        pytest.param("{{ item.x + 1 }}", ["unexpected '+' at column 11"], id="expression"),
        pytest.param("{{ item.x y }}", ["unexpected 'y' at column 11"], id="two-words"),
        pytest.param('{{ item["x"] }}', ["malformed index at column 8", "'[0]'"], id="quoted"),
        pytest.param("{{ item.a[-1] }}", ["malformed index at column 10"], id="negative-index"),
        pytest.param("{{ item.a[0 }}", ["malformed index at column 10"], id="unclosed-index"),
        pytest.param("{{ item.a[] }}", ["malformed index at column 10"], id="empty-index"),
        pytest.param("{{ item. }}", ["'.' without a key at column 8"], id="dot-no-key"),
        pytest.param("{{ item..x }}", ["'.' without a key at column 8"], id="double-dot"),
        pytest.param("{{ .x }}", ["'.' at column 4", "variable is expected"], id="no-namespace"),
        pytest.param("{{{item.x}}}", ["'{' at column 3"], id="triple-braces"),
        pytest.param("{{ {{ item.x }}", ["'{' at column 4"], id="nested-open"),
        pytest.param(
            "line one\nxx {{ bad.x }}", ["unknown namespace 'bad'", "line 2, column 7"], id="lines"
        ),
    ],
)
def test_parse_bad(text: str, fragments: list[str]) -> None:
    with pytest.raises(TemplateError) as info:
        parse_template(text, grader="string_check 'g'", field="input")
    error = info.value
    assert type(error) is TemplateError
    assert isinstance(error, InvalidGrader) and isinstance(error, ValueError)
    assert (error.grader, error.field, error.value) == ("string_check 'g'", "input", text)
    message = str(error)
    assert message.startswith("string_check 'g': input=")
    for fragment in fragments:
        assert fragment in message


def test_error_is_reraised_with_each_callers_labels() -> None:
    for grader in ("first", "second"):
        with pytest.raises(TemplateError, match=f"^{grader}: reference="):
            parse_template("{{ nope.x }}", grader=grader, field="reference")


# --------------------------------------------------------------------------- resolution

SAMPLE: dict[str, Any] = {
    "output_text": '{"name": "Ada"}',
    "output_json": None,
    "output_tools": [{"function": {"name": "lookup", "arguments": '{"symbols": ["A"]}'}}],
    "choices": [],
}
ITEM: dict[str, Any] = {
    "answer": "42",
    "nums": [100, 75],
    "pair": ("a", "b"),
    "flags": {"ok": True, "none": None, "zero": 0, "empty": ""},
    "n": 3,
    "nested": '{"a": "{\\"b\\": 1}"}',
    "number_text": "12",
    "broken": '{"a": ',
}


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        pytest.param(V("item", "answer"), "42", id="key"),
        pytest.param(V("item", "nums", 1), 75, id="list-index"),
        pytest.param(V("item", "pair", 0), "a", id="tuple-index"),
        pytest.param(V("item", "flags", "none"), None, id="present-none-is-a-value"),
        pytest.param(V("item", "flags", "zero"), 0, id="falsy-zero"),
        pytest.param(V("item", "flags", "empty"), "", id="falsy-empty"),
        pytest.param(V("sample", "output_tools", 0, "function", "name"), "lookup", id="tool"),
        pytest.param(V("item", "flags"), ITEM["flags"], id="dict-value"),
        pytest.param(
            V("sample", "output_tools", 0, "function", "arguments", "symbols"),
            ["A"],
            id="into-a-json-string",
        ),
        pytest.param(
            V("sample", "output_tools", 0, "function", "arguments", "symbols", 0),
            "A",
            id="into-a-json-string-then-index",
        ),
        pytest.param(V("sample", "output_text", "name"), "Ada", id="into-json-text"),
        pytest.param(
            V("sample", "output_tools", 0, "function", "arguments"),
            '{"symbols": ["A"]}',
            id="the-json-string-itself-stays-a-string",
        ),
        pytest.param(V("item", "nested", "a", "b"), 1, id="json-inside-json"),
    ],
)
def test_resolve_found(variable: Variable, expected: Any) -> None:
    assert resolve(variable, SAMPLE, ITEM) == expected


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        pytest.param(V("item", "x"), "item.x: key 'x' not found in item", id="missing-key"),
        pytest.param(
            V("sample", "output_json", "name"),
            "sample.output_json.name: sample.output_json is None",
            id="into-none",
        ),
        pytest.param(
            V("item", "nums", 2),
            "item.nums[2]: index 2 out of range for item.nums (length 2)",
            id="out-of-range",
        ),
        pytest.param(
            V("sample", "choices", 0),
            "sample.choices[0]: index 0 out of range for sample.choices (length 0)",
            id="empty-list",
        ),
        pytest.param(
            V("item", "nums", "first"),
            "item.nums.first: item.nums is a list, which has no key 'first'",
            id="key-on-list",
        ),
        pytest.param(
            V("item", "flags", 0),
            "item.flags[0]: item.flags is an object, which has no index [0]",
            id="index-on-dict",
        ),
        pytest.param(
            V("item", "answer", 0),
            "item.answer[0]: item.answer is a string, which has no index [0]",
            id="index-on-string",
        ),
        pytest.param(
            V("item", "n", "k"), "item.n.k: item.n is an int, which has no key 'k'", id="on-int"
        ),
        pytest.param(
            V("sample", "output_tools", 0, "function", "arguments", "missing"),
            "sample.output_tools[0].function.arguments.missing: key 'missing' not found in "
            "sample.output_tools[0].function.arguments",
            id="missing-key-inside-a-json-string",
        ),
        pytest.param(
            V("item", "broken", "a"),
            "item.broken is a string that does not parse as JSON, which has no key 'a'",
            id="invalid-json-string",
        ),
        pytest.param(
            V("item", "number_text", "a"),
            "item.number_text is a string, which has no key 'a'",
            id="json-scalar-string",
        ),
    ],
)
def test_resolve_missing(variable: Variable, message: str) -> None:
    with pytest.raises(MissingVariable) as info:
        resolve(variable, SAMPLE, ITEM)
    assert info.value.variable == variable
    assert message in str(info.value)
    assert str(info.value) == f"{variable.text}: {info.value.reason}"
    assert not isinstance(info.value, InvalidGrader)


def test_resolve_accepts_any_mapping() -> None:
    item = MappingProxyType({"a": MappingProxyType({"b": "c"}), "f": 1.5})
    assert resolve(V("item", "a", "b"), {}, item) == "c"
    with pytest.raises(MissingVariable, match=r"item\.f is a float, which has no index \[0\]"):
        resolve(V("item", "f", 0), {}, item)


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param("x", "x", id="str"),
        pytest.param("", "", id="empty-str"),
        pytest.param(3, "3", id="int"),
        pytest.param(1.0, "1.0", id="float-keeps-point"),
        pytest.param(0.1 + 0.2, "0.30000000000000004", id="float-shortest-repr"),
        pytest.param(True, "True", id="bool-python"),
        pytest.param(None, "None", id="none-python"),
        pytest.param(["a", 1], "['a', 1]", id="list-python-not-json"),
        pytest.param({"k": None, "t": False}, "{'k': None, 't': False}", id="dict-python-not-json"),
        pytest.param([100, 75, 50], "[100, 75, 50]", id="azure-countdown-list"),
    ],
)
def test_to_text(value: Any, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("no variables", "no variables", id="literal"),
        pytest.param("{{ item.answer }}", "42", id="sole"),
        pytest.param("{{item.n}}", "3", id="sole-int"),
        pytest.param("{{item.answer}}}}", "42}}", id="stray-closing"),
        pytest.param('{"x": "{{ item.nums }}"}', '{"x": "[100, 75]"}', id="json-with-list"),
        pytest.param("{{item.flags.ok}}/{{item.flags.none}}", "True/None", id="bool-none"),
        pytest.param(
            "{{ sample.output_tools[0].function.name }}({{item.pair[1]}})", "lookup(b)", id="mixed"
        ),
    ],
)
def test_render(text: str, expected: str) -> None:
    assert render(parse_template(text), SAMPLE, ITEM) == expected
    assert render_text(text, SAMPLE, ITEM) == expected


def test_render_missing_raises_for_the_first_missing() -> None:
    with pytest.raises(MissingVariable, match=r"^item\.a: key 'a' not found in item$"):
        render_text("{{ item.answer }} {{ item.a }} {{ item.b }}", SAMPLE, ITEM)


def test_render_text_bad_template_raises_template_error() -> None:
    with pytest.raises(TemplateError):
        render_text("{{ oops }}", SAMPLE, ITEM)


def test_pickle_round_trip() -> None:
    template = parse_template("a {{ item.b[0] }} c")
    assert pickle.loads(pickle.dumps(template)) == template
    error = MissingVariable(V("item", "x"), "why")
    again = pickle.loads(pickle.dumps(error))
    assert (again.variable, again.reason, str(again)) == (error.variable, "why", str(error))


# --------------------------------------------------------------------------- properties

_TEMPLATE_BITS = [
    "{{",
    "}}",
    "{",
    "}",
    " ",
    "\n",
    ".",
    "[",
    "]",
    "0",
    "-1",
    "item",
    "sample",
    "x",
    "|",
]
template_like_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_TEMPLATE_BITS), max_size=20).map("".join),
)


@given(template_like_text)
def test_parse_only_raises_template_error(text: str) -> None:
    try:
        template = parse_template(text)
    except TemplateError as e:
        assert e.value == text
    else:
        assert isinstance(template, Template)
        assert parse_template(template.canonical).parts == template.parts
        if template.is_literal:
            assert render(template, {}, {}) == text


_KEY_CHARS = st.characters(
    blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters=".[]{}"
)
keys = st.text(_KEY_CHARS, min_size=1, max_size=6).filter(lambda k: not any(c.isspace() for c in k))
variables = st.builds(
    lambda ns, path: V(ns, *path),
    st.sampled_from(["item", "sample"]),
    st.lists(st.one_of(keys, st.integers(0, 1000)), min_size=1, max_size=4),
)
literals = st.text(max_size=8).filter(lambda s: "{{" not in s)
spaces = st.text(" \t\n", max_size=2)


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, tuple[str | Variable, ...]]:
    """Valid template text and its expected parts (literals alternate with variables)."""
    text, parts = "", list[str | Variable]()
    for _ in range(draw(st.integers(0, 4))):
        literal, variable = draw(literals), draw(variables)
        if literal.endswith("{"):  # "{" + "{{" would open a variable one character early
            literal = literal[:-1]
        text += literal + "{{" + draw(spaces) + variable.text + draw(spaces) + "}}"
        parts += [literal, variable] if literal else [variable]
    tail = draw(literals)
    return text + tail, tuple([*parts, tail] if tail else parts)


@given(templates())
def test_generated_templates_parse_and_round_trip(
    case: tuple[str, tuple[str | Variable, ...]],
) -> None:
    text, parts = case
    template = parse_template(text)
    assert template.parts == parts
    assert parse_template(template.canonical).parts == parts


json_leaves = st.recursive(
    st.text(max_size=5),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(keys, inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


def _leaf_paths(
    value: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        return [(path, value)] if path else []
    steps = value.items() if isinstance(value, dict) else enumerate(value)
    return [leaf for step, child in steps for leaf in _leaf_paths(child, (*path, step))]


@given(st.dictionaries(keys, json_leaves, min_size=1, max_size=3), st.data())
def test_render_equals_manual_concatenation(root: dict[str, Any], data: st.DataObject) -> None:
    leaves = _leaf_paths(root)
    chosen = data.draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=4))
    gaps = data.draw(
        st.lists(
            literals.map(lambda s: s.rstrip("{")),
            min_size=len(chosen) + 1,
            max_size=len(chosen) + 1,
        )
    )
    namespace: Literal["item", "sample"] = data.draw(st.sampled_from(["item", "sample"]))
    text = expected = gaps[0]
    for (path, value), gap in zip(chosen, gaps[1:], strict=True):
        text += "{{ " + V(namespace, *path).text + " }}" + gap
        expected += value + gap
    sample, item = (root, {}) if namespace == "sample" else ({}, root)
    assert render(parse_template(text), sample, item) == expected


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("value", call())
    except MissingVariable as e:
        return ("missing", str(e))


nested = st.recursive(
    st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["", "s", '{"a": 1}'])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "0"]), inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2).map(MappingProxyType),
    ),
    max_leaves=10,
)
paths = st.lists(
    st.one_of(st.sampled_from(["a", "b", "0"]), st.integers(-1, 2)), min_size=1, max_size=4
)


@given(nested, paths)
def test_render_fast_path_agrees_with_resolve(root: Any, path: list[str | int]) -> None:
    variable = V("item", *path)
    template = Template("", (variable,))
    got = _outcome(lambda: render(template, {}, root))
    want = _outcome(lambda: to_text(resolve(variable, {}, root)))
    assert got == want


def test_defaultdict_is_not_mutated_by_a_lookup() -> None:
    item: defaultdict[str, Any] = defaultdict(dict, {"a": {}})
    with pytest.raises(MissingVariable, match="key 'b' not found in item"):
        render_text("{{ item.b }}", {}, item)
    assert dict(item) == {"a": {}}


def test_negative_index_built_by_hand_is_missing() -> None:
    with pytest.raises(MissingVariable, match="index -1 out of range"):
        render(Template("", (V("item", "a", -1),)), {}, {"a": [1, 2]})
