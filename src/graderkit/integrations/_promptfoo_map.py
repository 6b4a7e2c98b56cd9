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


_CASE = "promptfoo lower-cases with JavaScript's toLowerCase, graderkit case-folds (same on ASCII)"
_TOKENS = "promptfoo's own JavaScript implementation, not nltk's: tokens and edge cases differ"
_BLEU = "promptfoo's BLEU lower-cases and smooths zero precisions to 1e-7; nltk's does neither"
MAPPINGS: dict[str, Rule] = {
    "string_check eq": Rule("string_check eq", "equals", "exact", ""),
    "string_check ne": Rule("string_check ne", "not-equals", "exact", ""),
    "string_check like": Rule("string_check like", "contains", "exact", "an empty reference is an error in promptfoo"),
    "string_check ilike": Rule("string_check ilike", "icontains", "approximate", _CASE),
    "text_similarity fuzzy_match": Rule("text_similarity fuzzy_match", "-", "none", "promptfoo's levenshtein is a pass/fail edit distance, not rapidfuzz's normalized ratio"),
    "text_similarity bleu": Rule("text_similarity bleu", "bleu", "approximate", _BLEU),
    "text_similarity gleu": Rule("text_similarity gleu", "gleu", "approximate", _TOKENS),
    "text_similarity meteor": Rule("text_similarity meteor", "meteor", "approximate", _TOKENS),
    "text_similarity rouge_1": Rule("text_similarity rouge_1", "rouge-n", "approximate", "js-rouge's tokens and F-measure, not rouge-score's"),
    "text_similarity rouge_2..5, rouge_l": Rule("text_similarity rouge_2..5, rouge_l", "-", "none", "promptfoo's rouge-n is unigram ROUGE only"),
    "text_similarity cosine": Rule("text_similarity cosine", "similar", "approximate", "same embedding model (text-embedding-3-large) and cosine; promptfoo's input handling may differ"),
    "python": Rule("python", "python (file)", "exact", "the same source and grade(sample, item), called from get_assert(output, context)"),
    "score_model": Rule("score_model", "llm-rubric", "approximate", "promptfoo's grading prompt and 0-1 scale; the grader's messages become the rubric"),
    "label_model": Rule("label_model", "-", "none", "no promptfoo assertion asks a judge for one of a fixed set of labels"),
    "multi (weighted sum, weights >= 0)": Rule("multi (weighted sum, weights >= 0)", "one assertion per key, with weight and metric", "exact", "promptfoo's test score is the weighted average: reward / sum of weights"),
    "multi (any other formula)": Rule("multi (any other formula)", "-", "none", "promptfoo combines assertions only as a weighted average"),
}  # fmt: skip
"""The mapping table: fidelity ``exact`` (same score on every sample, given string-valued
columns), ``approximate`` (the same idea, a different computation) or ``none`` (an error)."""

_TEXT_METRICS = {
    "bleu": "bleu",
    "gleu": "gleu",
    "meteor": "meteor",
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
    raise _none(grader, "type", grader.type, MAPPINGS[grader.type].why)


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
    return _rule(
        f"string_check {grader.operation}", {"type": _STRING_OPS[grader.operation], "value": value}
    )


def _text_similarity(grader: TextSimilarityGrader) -> Mapped:
    metric = grader.evaluation_metric
    kind = _TEXT_METRICS.get(metric)
    if kind is None:
        key = (
            "text_similarity fuzzy_match"
            if metric == "fuzzy_match"
            else "text_similarity rouge_2..5, rouge_l"
        )
        raise _none(grader, "evaluation_metric", metric, MAPPINGS[key].why)
    _output_input(grader)
    assertion: dict[str, Any] = {
        "type": kind,
        "value": nunjucks(grader.reference, grader, "reference"),
    }
    if grader.pass_threshold is not None:
        assertion["threshold"] = grader.pass_threshold
    if kind == "similar":
        assertion["provider"] = "openai:embedding:text-embedding-3-large"
    return _rule(f"text_similarity {metric}", assertion)


def _python(grader: PythonGrader) -> Mapped:
    for name in ("get_assert", "_graderkit_sample"):
        if re.search(rf"\b{name}\b", grader.source):
            raise _none(
                grader, "source", f"...{name}...", f"the source already uses the name {name!r}"
            )
    slug = re.sub(r"\W+", "_", grader.result_name).strip("_").lower() or "grader"
    path = f"graderkit_{slug}.py"
    assertion: dict[str, Any] = {"type": "python", "value": f"file://{path}"}
    if grader.pass_threshold is not None:
        assertion["threshold"] = grader.pass_threshold
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
    fidelity: Fidelity = "exact"
    for key, child in grader.graders.items():
        mapped = map_grader(child)
        assertions += [{**a, "weight": weights[key], "metric": key} for a in mapped.assertions]
        notes += [f"{key}: {note}" for note in mapped.notes]
        files.update(mapped.files)
        fidelity = "approximate" if mapped.fidelity != "exact" else fidelity
    return Mapped(tuple(assertions), fidelity, tuple(notes), files, sum(weights.values()))


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
def _graderkit_sample(output):
    """The sample the grader service builds from a model's reply (graderkit's sample_from_text)."""
    import json as _json

    text = output if isinstance(output, str) else _json.dumps(output)
    parsed = None
    if text.lstrip()[:1] in ("{", "["):
        try:
            parsed = _json.loads(text)
        except ValueError:
            parsed = None
    return {"output_text": text, "output_json": parsed, "output_tools": [], "choices": []}


def get_assert(output, context):
    """The grader's reward for promptfoo's output; the test's vars are the item."""
    return float(grade(_graderkit_sample(output), dict(context.get("vars") or {})))
'''


def python_file(grader: PythonGrader) -> str:
    """The python assertion file: the grader's source, then ``get_assert(output, context)``."""
    header = f"# Generated by graderkit from python grader {grader.result_name!r}.\n"
    return header + grader.source.rstrip() + "\n" + _SAMPLE_HELPER
