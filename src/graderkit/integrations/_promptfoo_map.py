"""Which grader maps onto which promptfoo assertion, and how faithfully.

[`MAPPINGS`][graderkit.integrations._promptfoo_map.MAPPINGS] is the table (the docs show it);
[`map_grader`][graderkit.integrations._promptfoo_map.map_grader] applies it to one grader and
raises [`NoPromptfooMapping`][graderkit.integrations._promptfoo_map.NoPromptfooMapping] naming
the grader and the reason when nothing in promptfoo computes the same thing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from graderkit._core.graders.messages import Message
from graderkit._core.graders.models import (
    GraderBase,
    MultiGrader,
    PythonGrader,
    ScoreModelGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.templating.template import Variable, parse_template
from graderkit.errors import InvalidGrader
from graderkit.integrations._linear import weighted_sum

__all__ = ["MAPPINGS", "Fidelity", "Mapped", "NoPromptfooMapping", "map_grader", "nunjucks"]

Fidelity = Literal["exact", "approximate", "none"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the mapping table."""

    grader: str
    assertion: str
    fidelity: Fidelity
    why: str


_CASE = ("promptfoo lower-cases both sides with JavaScript's toLowerCase, graderkit case-folds "
         "(str.casefold): the same on ASCII, not on e.g. 'ß' ~ 'SS'")  # fmt: skip
_LIKE = ("exact; a reference that can render empty becomes a javascript output.includes(...) "
         "assertion, since promptfoo's contains errors on an empty value (graderkit passes)")  # fmt: skip
_BLEU = ("promptfoo's JavaScript BLEU, not nltk's: it lower-cases and splits on whitespace; it "
         "skips n-gram orders longer than the candidate (a 1-3 word candidate scores > 0, nltk "
         "~0) and smooths a zero precision to 1e-7 (nltk: 0)")  # fmt: skip
_GLEU = ("promptfoo's JavaScript GLEU, not nltk's: it lower-cases and strips trailing periods "
         "from each whitespace token (the same score as graderkit's on text so normalised)")  # fmt: skip
_ROUGE = ("promptfoo's rouge-n (js-rouge's treebank tokens, clipped unigram F1), not "
          "rouge-score's: it lower-cases too, but keeps punctuation as tokens ('paris.' is "
          "'paris' + '.'); the same on lower-case alphanumeric words")  # fmt: skip
_METEOR = ("promptfoo 0.123's meteor errors on every test: without its optional npm package "
           "'natural' with 'The \"natural\" package is required for METEOR assertions', with "
           "natural 8 installed with 'Invariant failed: PorterStemmer should be loaded'; refused "
           "until promptfoo's own meteor works")  # fmt: skip
MAPPINGS: dict[str, Rule] = {
    "string_check eq": Rule("string_check eq", "equals", "exact", ""),
    "string_check ne": Rule("string_check ne", "not-equals", "exact", ""),
    "string_check like": Rule("string_check like", "contains", "exact", _LIKE),
    "string_check ilike": Rule("string_check ilike", "icontains", "approximate", _CASE),
    "text_similarity fuzzy_match": Rule("text_similarity fuzzy_match", "-", "none", "promptfoo's levenshtein is a pass/fail edit distance, not rapidfuzz's normalized ratio"),
    "text_similarity bleu": Rule("text_similarity bleu", "bleu", "approximate", _BLEU),
    "text_similarity gleu": Rule("text_similarity gleu", "gleu", "approximate", _GLEU),
    "text_similarity meteor": Rule("text_similarity meteor", "-", "none", _METEOR),
    "text_similarity rouge_1": Rule("text_similarity rouge_1", "rouge-n", "approximate", _ROUGE),
    "text_similarity rouge_2..5, rouge_l": Rule("text_similarity rouge_2..5, rouge_l", "-", "none", "promptfoo's rouge-n is unigram ROUGE only"),
    "text_similarity cosine": Rule("text_similarity cosine", "similar", "approximate", "same embedding model (text-embedding-3-large) and cosine; promptfoo's input handling may differ (not measured: needs the embeddings API)"),
    "python": Rule("python", "python (file)", "exact", "the same source and grade(sample, item), called from get_assert(output, context); the item comes from the graderkit_item var when the tests were written by graderkit"),
    "score_model": Rule("score_model", "llm-rubric", "approximate", "promptfoo's grading prompt and 0-1 scale; the grader's messages become the rubric (not measured: needs a judge)"),
    "label_model": Rule("label_model", "-", "none", "no promptfoo assertion asks a judge for one of a fixed set of labels"),
    "multi (weighted sum, weights >= 0)": Rule("multi (weighted sum, weights >= 0)", "one assertion per key, with weight and metric", "exact", "promptfoo's test score is the weighted average: reward / sum of weights"),
    "multi (any other formula)": Rule("multi (any other formula)", "-", "none", "promptfoo combines assertions only as a weighted average"),
}  # fmt: skip
"""The mapping table: fidelity ``exact`` (same score on every sample, given string-valued
columns), ``approximate`` (the same idea, a different computation) or ``none`` (an error)."""

_TEXT_METRICS = {
    "bleu": "bleu",
    "gleu": "gleu",
    "rouge_1": "rouge-n",
    "cosine": "similar",
}
_STRING_OPS = {"eq": "equals", "ne": "not-equals", "like": "contains", "ilike": "icontains"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUNJUCKS_SYNTAX = ("{{", "{%", "{#")


class NoPromptfooMapping(InvalidGrader):
    """No promptfoo assertion computes what this grader computes (the message says why)."""


@dataclass(frozen=True, slots=True)
class Mapped:
    """A grader's promptfoo assertions, how faithful they are, and the files they need."""

    assertions: tuple[dict[str, Any], ...]
    fidelity: Fidelity
    notes: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    total_weight: float = 1.0
    item_paths: tuple[tuple[str | int, ...], ...] = ()


def map_grader(grader: GraderBase) -> Mapped:
    """The promptfoo assertions for ``grader``; raises NoPromptfooMapping when there are none."""
    if isinstance(grader, MultiGrader):
        return _multi(grader)
    if isinstance(grader, StringCheckGrader):
        return _string_check(grader)
    if isinstance(grader, TextSimilarityGrader):
        return _text_similarity(grader)
    if isinstance(grader, PythonGrader):
        return _python(grader)
    if isinstance(grader, ScoreModelGrader):
        return _score_model(grader)
    rule = MAPPINGS.get(grader.type)
    why = rule.why if rule else _ENDPOINT_WHY if grader.type == "endpoint" else "no mapping"
    raise _none(grader, "type", grader.type, why)


_ENDPOINT_WHY = (
    "promptfoo's webhook assertion posts {output, context} and reads pass/score, not the "
    "endpoint grader's {sample, item} -> score"
)


def _rule(key: str, assertion: dict[str, Any], **extra: Any) -> Mapped:
    rule = MAPPINGS[key]
    notes = (f"{key} -> {rule.assertion}: {rule.why}",) if rule.fidelity != "exact" else ()
    return Mapped((assertion,), rule.fidelity, notes, **extra)


def _none(grader: GraderBase, field_: str, value: Any, why: str) -> NoPromptfooMapping:
    return NoPromptfooMapping(grader.label, field_, value, f"has no promptfoo equivalent: {why}")


def _output_input(grader: StringCheckGrader | TextSimilarityGrader) -> None:
    variable = parse_template(grader.input).sole_variable
    if variable is None or variable.text != "sample.output_text":
        raise _none(
            grader,
            "input",
            grader.input,
            "promptfoo assertions compare the output itself, i.e. {{ sample.output_text }}",
        )


def _string_check(grader: StringCheckGrader) -> Mapped:
    _output_input(grader)
    value = nunjucks(grader.reference, grader, "reference")
    key, reads = f"string_check {grader.operation}", _item_paths(grader.reference)
    if grader.operation in ("like", "ilike") and not _has_literal_text(grader.reference):
        return _rule(key, {"type": "javascript", "value": includes_js(value, grader.operation)},
                     item_paths=reads)  # fmt: skip
    return _rule(key, {"type": _STRING_OPS[grader.operation], "value": value}, item_paths=reads)


def _has_literal_text(template: str) -> bool:
    """Whether the template has literal text, so that it never renders empty."""
    return any(isinstance(part, str) and part for part in parse_template(template).parts)


def _item_paths(template: str) -> tuple[tuple[str | int, ...], ...]:
    return tuple(v.path for v in parse_template(template).variables if v.namespace == "item")


def includes_js(value: str, operation: str) -> str:
    """A promptfoo ``javascript`` assertion doing ``like``/``ilike`` (``value`` is Nunjucks).

    promptfoo's ``contains``/``icontains`` raise on an empty value, where graderkit's ``like``
    passes (every text contains ``""``); this renders the reference into a JSON string literal
    and calls ``includes``, which is true for ``""``. ``ilike`` lower-cases both sides, as
    ``icontains`` does.

    Examples:
        >>> print(includes_js("{{ answer }}", "like"))
        {% set ref %}{{ answer }}{% endset %}output.includes({{ ref | dump | safe }})
    """
    ref = "{{ ref | dump | safe }}"
    test = (
        f"output.includes({ref})"
        if operation == "like"
        else f"output.toLowerCase().includes(({ref}).toLowerCase())"
    )
    return "{% set ref %}" + value + "{% endset %}" + test


def explicit_threshold(pass_threshold: float | None) -> float:
    """The ``threshold`` written on every scored assertion.

    Parity decision: promptfoo's defaults (0.5 for bleu/gleu, 0.75 for rouge-n, ``score > 0``
    for python) would decide pass/fail where graderkit has no pass rule (``passed`` is
    ``None`` without a ``pass_threshold``); the export always writes the threshold: the
    grader's ``pass_threshold``, or 0 (every score passes) when it has none.

    Examples:
        >>> explicit_threshold(None), explicit_threshold(0.3)
        (0.0, 0.3)
    """
    return 0.0 if pass_threshold is None else pass_threshold


def _text_similarity(grader: TextSimilarityGrader) -> Mapped:
    metric = grader.evaluation_metric
    kind = _TEXT_METRICS.get(metric)
    if kind is None:
        key = f"text_similarity {metric}"
        key = key if key in MAPPINGS else "text_similarity rouge_2..5, rouge_l"
        raise _none(grader, "evaluation_metric", metric, MAPPINGS[key].why)
    _output_input(grader)
    assertion: dict[str, Any] = {
        "type": kind,
        "value": nunjucks(grader.reference, grader, "reference"),
    }
    assertion["threshold"] = explicit_threshold(grader.pass_threshold)
    if kind == "similar":
        assertion["provider"] = "openai:embedding:text-embedding-3-large"
    return _rule(f"text_similarity {metric}", assertion, item_paths=_item_paths(grader.reference))


def _python(grader: PythonGrader) -> Mapped:
    for name in ("get_assert", "_graderkit_sample", "_graderkit_json"):
        if re.search(rf"\b{name}\b", grader.source):
            raise _none(
                grader, "source", f"...{name}...", f"the source already uses the name {name!r}"
            )
    slug = re.sub(r"\W+", "_", grader.result_name).strip("_").lower() or "grader"
    path = f"graderkit_{slug}.py"
    assertion: dict[str, Any] = {
        "type": "python",
        "value": f"file://{path}",
        "threshold": explicit_threshold(grader.pass_threshold),
    }
    return _rule("python", assertion, files={path: python_file(grader)})


def _score_model(grader: ScoreModelGrader) -> Mapped:
    rubric = "\n\n".join(_message_text(m, grader) for m in grader.input)
    assertion: dict[str, Any] = {
        "type": "llm-rubric",
        "value": rubric,
        "provider": f"openai:chat:{grader.model}",
    }
    if grader.pass_threshold is not None:
        low, high = grader.bounds
        assertion["threshold"] = (grader.pass_threshold - low) / (high - low)
    return _rule("score_model", assertion)


def _message_text(message: Message, grader: ScoreModelGrader) -> str:
    if not isinstance(message.content, str):
        raise _none(
            grader, "input", "[...]", "promptfoo's llm-rubric value is text; this message has parts"
        )
    text = message.content
    for token in ("{{ sample.output_text }}", "{{sample.output_text}}"):
        text = text.replace(
            token, "[the output]"
        )  # llm-rubric shows the output to the judge itself
    return nunjucks(text, grader, "input")


def _multi(grader: MultiGrader) -> Mapped:
    weights = weighted_sum(grader)
    if weights is None:
        raise _none(
            grader,
            "calculate_output",
            grader.calculate_output,
            MAPPINGS["multi (any other formula)"].why,
        )
    negative = [k for k, w in weights.items() if w < 0]
    if negative or sum(weights.values()) <= 0:
        raise _none(grader, "calculate_output", grader.calculate_output,
                    f"promptfoo weights must be positive; {negative or 'all'} are not")  # fmt: skip
    assertions: list[dict[str, Any]] = []
    notes: list[str] = []
    files: dict[str, str] = {}
    paths: list[tuple[str | int, ...]] = []
    fidelity: Fidelity = "exact"
    for key, child in grader.graders.items():
        mapped = map_grader(child)
        assertions += [{**a, "weight": weights[key], "metric": key} for a in mapped.assertions]
        notes += [f"{key}: {note}" for note in mapped.notes]
        files.update(mapped.files)
        paths += mapped.item_paths
        fidelity = "approximate" if mapped.fidelity != "exact" else fidelity
    return Mapped(tuple(assertions), fidelity, tuple(notes), files, sum(weights.values()),
                  tuple(dict.fromkeys(paths)))  # fmt: skip


def nunjucks(text: str, grader: GraderBase, field_: str) -> str:
    """A graderkit template as a promptfoo (Nunjucks) template over the test's ``vars``.

    ``{{ item.answer }}`` becomes ``{{ answer }}``; literal text that Nunjucks would read as
    syntax is wrapped in ``{% raw %}``. Values render alike when the columns are strings.

    Examples:
        >>> import graderkit as gk
        >>> g = gk.string_check("{{sample.output_text}}", "x", name="g")
        >>> nunjucks("Answer: {{ item.refs[0].text }} {{item.meta.a-b}}", g, "reference")
        'Answer: {{ refs[0].text }} {{ meta["a-b"] }}'
        >>> nunjucks("{% not a tag %} {{ item.x }}", g, "reference")
        '{% raw %}{% not a tag %} {% endraw %}{{ x }}'
    """
    out = []
    for part in parse_template(text).parts:
        if isinstance(part, str):
            needs_raw = any(token in part for token in _NUNJUCKS_SYNTAX)
            out.append("{% raw %}" + part + "{% endraw %}" if needs_raw else part)
        else:
            out.append("{{ " + _var_path(part, grader, field_) + " }}")
    return "".join(out)


def _var_path(variable: Variable, grader: GraderBase, field_: str) -> str:
    if variable.namespace != "item":
        raise _none(grader, field_, "{{ " + variable.text + " }}",
                    "promptfoo's assertion values see the test's vars (the item), not the sample")  # fmt: skip
    first = variable.path[0]
    if not isinstance(first, str) or not _IDENTIFIER.match(first):
        raise _none(grader, field_, "{{ " + variable.text + " }}",
                    "Nunjucks reaches only vars whose names are identifiers")  # fmt: skip
    steps = []
    for step in variable.path:
        if isinstance(step, int):
            steps.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            steps.append(f".{step}")
        else:
            steps.append(f"[{json.dumps(step)}]")
    return "".join(steps).removeprefix(".")


_SAMPLE_HELPER = '''

# ---- added by graderkit: promptfoo calls get_assert(output, context) -----------------------
import json as _graderkit_json


def _graderkit_sample(output):
    """The sample the grader service builds from a model's reply (graderkit's sample_from_text)."""
    text = output if isinstance(output, str) else _graderkit_json.dumps(output)
    parsed = None
    if text.lstrip()[:1] in ("{", "["):
        try:
            parsed = _graderkit_json.loads(text)
        except ValueError:
            parsed = None
    return {"output_text": text, "output_json": parsed, "output_tools": [], "choices": []}


def get_assert(output, context):
    """The grader's reward for promptfoo's output. The item is the test's vars, or exactly the
    item graderkit wrote as JSON text in the var graderkit_item (JavaScript has one number
    type, so the vars turn 4.0 into 4)."""
    variables = dict(context.get("vars") or {})
    exact = variables.get("graderkit_item")
    item = _graderkit_json.loads(exact) if isinstance(exact, str) else variables
    return float(grade(_graderkit_sample(output), item))
'''


def python_file(grader: PythonGrader) -> str:
    """The python assertion file: the grader's source, then ``get_assert(output, context)``."""
    header = f"# Generated by graderkit from python grader {grader.result_name!r}.\n"
    return header + grader.source.rstrip() + "\n" + _SAMPLE_HELPER
