"""Graders as promptfoo assertions: exact mappings score like graderkit; the rest are labelled.

promptfoo itself (Node.js) is not run here. Its semantics are restated from its source
(``src/assertions/equals.ts``: ``===``; ``contains.ts``: ``String.includes``;
``assertionsResult.ts``: the weighted average) and its Nunjucks templates are rendered with
Jinja2, which agrees with Nunjucks on ``{{ var.path }}`` and ``{% raw %}``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
import pytest
import yaml  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._run.datasets.data_files import read_jsonl
from graderkit.integrations.promptfoo import (
    NoPromptfooMapping,
    mapping_table,
    to_promptfoo,
)

CLINICAL = Path(__file__).resolve().parents[2] / "examples" / "clinical"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
JINJA = jinja2.Environment(
    autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)


def _promptfoo_pass(kind: str, output: str, value: str) -> float:
    """promptfoo's score for equals / not-equals / contains (score 1 on pass, else 0)."""
    holds = {
        "equals": output == value,
        "not-equals": output != value,
        "contains": value in output,
    }[kind]
    return 1.0 if holds else 0.0


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
LITERAL = TEXT.filter(  # Jinja2, standing in for Nunjucks, rewrites "\r" in template text
    lambda t: "{{" not in t and "}}" not in t and not t.endswith("{") and "\r" not in t
)


@given(
    output=TEXT,
    answer=TEXT,
    before=LITERAL,
    after=LITERAL.filter(lambda t: not t.startswith("}")),
    operation=st.sampled_from(["eq", "ne", "like"]),
)
def test_exact_string_checks_score_like_graderkit(
    output: str, answer: str, before: str, after: str, operation: str
) -> None:
    reference = before + "{{ item.answer }}" + after
    grader = gk.string_check("{{sample.output_text}}", reference, operation=operation, name="s")  # type: ignore[arg-type]
    export = to_promptfoo(grader, approximate=False)
    [assertion] = export.assertions
    if operation == "like" and not before + after:  # may render empty: promptfoo's contains
        assert assertion["type"] == "javascript"  # would raise; the CLI suite scores this one
        return
    value = JINJA.from_string(assertion["value"]).render(answer=answer)
    expected = gk.grade(grader, output, {"answer": answer}).reward
    assert _promptfoo_pass(assertion["type"], output, value) == expected


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # import the generated file, as promptfoo's python would
    return module


def _examples() -> ModuleType:
    return _load(CLINICAL / "graders.py")


def _pairs() -> list[tuple[str, dict[str, Any]]]:
    items = {row["id"]: row for row in read_jsonl(CLINICAL / "items.jsonl")}
    return [(p["output_text"], items[p["id"]]) for p in read_jsonl(CLINICAL / "predictions.jsonl")]


def test_python_graders_run_in_promptfoo_with_the_same_rewards(tmp_path: Path) -> None:
    grader = _examples().clinical_python  # 0.85 * token-set ratio + 0.15 * exact, as python
    export = to_promptfoo(grader, approximate=False)
    written = export.write(tmp_path / "promptfooconfig.yaml")
    assert sorted(p.name for p in written[1:]) == sorted(export.files)
    functions = {a["metric"]: _load(tmp_path / a["value"].removeprefix("file://")).get_assert
                 for a in export.assertions}  # fmt: skip
    weights = {a["metric"]: a["weight"] for a in export.assertions}
    pairs = _pairs()
    with gk.Runner() as runner:
        results = runner.grade_many(grader, [o for o, _ in pairs], [i for _, i in pairs])
    for (output, item), result in zip(pairs, results, strict=True):
        scores = {k: f(output, {"vars": item, "prompt": "?"}) for k, f in functions.items()}
        assert scores == dict(result.sub_rewards)
        test_score = sum(weights[k] * s for k, s in scores.items()) / sum(weights.values())
        assert test_score == pytest.approx(result.reward, abs=1e-12)


def test_the_yaml_parses_to_the_config() -> None:
    fuzzy = gk.text_similarity(
        "{{sample.output_text}}", 'Say: "{{item.answer}}"\n{% x %}', evaluation_metric="bleu",
        name="b", pass_threshold=1e-5,
    )  # fmt: skip
    export = to_promptfoo(fuzzy, threshold=0.25)
    parsed = yaml.safe_load(export.to_yaml())
    assert parsed == export.config() == json.loads(export.to_json())
    assert parsed["defaultTest"]["threshold"] == 0.25
    assert export.fidelity == "approximate" and "bleu" in export.notes[0]
    rendered = JINJA.from_string(parsed["defaultTest"]["assert"][0]["value"]).render(answer="x")
    assert rendered == 'Say: "x"\n{% x %}'


def test_a_weighted_multi_scales_the_threshold_by_the_total_weight() -> None:
    a = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="a")
    b = gk.string_check("{{sample.output_text}}", "<{{item.b}}>", operation="like", name="b")
    export = to_promptfoo(gk.multi({"a": a, "b": b}, "2 * a + b", name="m"), threshold=1.5)
    assert [(x["type"], x["weight"], x["metric"]) for x in export.assertions] == [
        ("equals", 2.0, "a"),
        ("contains", 1.0, "b"),
    ]
    assert export.threshold == pytest.approx(0.5)


def test_score_model_becomes_an_approximate_llm_rubric() -> None:
    judge = gk.score_model(
        [{"role": "developer", "content": "Grade 0-10 against {{ item.reference }}."},
         {"role": "user", "content": "{{ sample.output_text }}"}],
        model="gpt-4.1", name="judge", range=(0, 10), pass_threshold=7,
    )  # fmt: skip
    export = to_promptfoo(judge)
    [assertion] = export.assertions
    assert assertion == {
        "type": "llm-rubric",
        "value": "Grade 0-10 against {{ reference }}.\n\n[the output]",
        "provider": "openai:chat:gpt-4.1",
        "threshold": 0.7,
    }
    with pytest.raises(NoPromptfooMapping, match="only approximately"):
        to_promptfoo(judge, approximate=False)


def test_cosine_becomes_similar_with_the_same_embedding_model() -> None:
    cosine = gk.text_similarity("{{sample.output_text}}", "{{item.a}}",
                                evaluation_metric="cosine", name="c", pass_threshold=0.8)  # fmt: skip
    [assertion] = to_promptfoo(cosine).assertions
    assert assertion["type"] == "similar" and assertion["threshold"] == 0.8
    assert assertion["provider"] == "openai:embedding:text-embedding-3-large"


EXACT = gk.string_check("{{sample.output_text}}", "{{item.a}}", name="exact")


@pytest.mark.parametrize(
    ("grader", "match"),
    [
        (gk.label_model("{{sample.output_text}}", model="m", labels=["a", "b"], passing_labels=["a"], name="tone"),
         "label_model 'tone': type='label_model' has no promptfoo equivalent: no promptfoo assertion asks"),
        (gk.text_similarity("{{sample.output_text}}", "x", name="f"),
         "evaluation_metric='fuzzy_match' has no promptfoo equivalent: promptfoo's levenshtein"),
        (gk.text_similarity("{{sample.output_text}}", "x", evaluation_metric="meteor", name="m"),
         "text_similarity 'm': evaluation_metric='meteor' has no promptfoo equivalent: promptfoo "
         "0.123.s meteor errors on every test: without .*natural.*PorterStemmer"),
        (gk.text_similarity("{{sample.output_text}}", "x", evaluation_metric="rouge_l", name="r"),
         "rouge-n is unigram ROUGE only"),
        (gk.multi(gk.max(EXACT, EXACT.replace(name="e2")), name="best"),
         "multi 'best': calculate_output=.* weighted average"),
        (gk.multi({"a": EXACT, "b": EXACT}, "a - b", name="diff"), "weights must be positive; \\['b'\\]"),
        (gk.string_check("{{sample.output_json.answer}}", "x", name="j"),
         "input='{{sample.output_json.answer}}' .* the output itself"),
        (gk.string_check("{{sample.output_text}}", "{{sample.choices}}", name="s"), "not the sample"),
        (gk.string_check("{{sample.output_text}}", "{{item.my-key}}", name="k"), "identifiers"),
        (gk.multi({"a": EXACT, "t": gk.label_model("x", model="m", labels=["a"], passing_labels=["a"], name="t")},
                  "a + t", name="m"), "label_model 't'"),
    ],
    ids=["label_model", "fuzzy_match", "meteor", "rouge_l", "max", "negative-weight", "not-output",
         "sample-in-reference", "non-identifier-var", "label-in-multi"],
)  # fmt: skip
def test_graders_without_an_equivalent_raise_naming_the_grader(
    grader: gk.GraderBase, match: str
) -> None:
    with pytest.raises(NoPromptfooMapping, match=match):
        to_promptfoo(grader)


def test_a_python_source_using_our_names_is_refused() -> None:
    source = "def get_assert(o, c):\n    return 1\n\ndef grade(sample, item):\n    return 1.0\n"
    with pytest.raises(NoPromptfooMapping, match="already uses the name 'get_assert'"):
        to_promptfoo(gk.python_grader(source, name="p"))


def test_the_docs_show_the_mapping_table() -> None:
    assert mapping_table() in DOCS.read_text()
