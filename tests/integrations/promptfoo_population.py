"""The graders x samples population the promptfoo parity suite runs through the real CLI.

Each grader reads its reference from the item (a promptfoo test's ``vars``); the samples cover
the cases the issue measured: case and Unicode folding, short and empty candidates, empty
references, and item values that are not strings (``4.0``, ``4``, ``True``, ``None``, lists).
"""

from __future__ import annotations

from typing import Any

import graderkit as gk

OUT = "{{ sample.output_text }}"

OVERLAP = """
def grade(sample, item):
    words = set(sample["output_text"].lower().split())
    ref = set(str(item["text"]).lower().split())
    return len(words & ref) / len(ref) if ref else 0.0
"""

TYPES = '''
def grade(sample, item):
    """Reads a float: 4.0 and 4 differ for str() and isinstance, so the item must be exact."""
    n = item["n"]
    return 1.0 if isinstance(n, float) and sample["output_text"] == str(n) else 0.25
'''


def _text(metric: str, **kw: Any) -> gk.GraderBase:
    return gk.text_similarity(OUT, "{{ item.text }}", evaluation_metric=metric, **kw)  # type: ignore[arg-type]


def _check(op: str, ref: str, name: str) -> gk.GraderBase:
    return gk.string_check(OUT, ref, operation=op, name=name)  # type: ignore[arg-type]


def graders() -> dict[str, gk.GraderBase]:
    """The population's graders, by a unique name."""
    eq, like = _check("eq", "{{ item.answer }}", "eq"), _check("like", "{{ item.answer }}", "like")
    found: dict[str, gk.GraderBase] = {
        "eq": eq,
        "ne": _check("ne", "{{ item.answer }}", "ne"),
        "like": like,
        "ilike": _check("ilike", "{{ item.answer }}", "ilike"),
        "eq_framed": _check("eq", "Answer: {{ item.answer }}", "eq_framed"),
        "like_framed": _check("like", "[{{ item.answer }}]", "like_framed"),
        "eq_n": _check("eq", "{{ item.n }}", "eq_n"),
        "eq_flag": _check("eq", "{{ item.flag }}", "eq_flag"),
        "eq_none": _check("eq", "{{ item.nothing }}", "eq_none"),
        "like_list": _check("like", "{{ item.tags }}", "like_list"),
        "bleu": _text("bleu", name="bleu"),
        "bleu_pt": _text("bleu", name="bleu_pt", pass_threshold=0.3),
        "gleu": _text("gleu", name="gleu"),
        "gleu_pt": _text("gleu", name="gleu_pt", pass_threshold=0.4),
        "rouge": _text("rouge_1", name="rouge"),
        "rouge_pt": _text("rouge_1", name="rouge_pt", pass_threshold=0.5),
        "python": gk.python_grader(OVERLAP, name="overlap"),
        "python_pt": gk.python_grader(OVERLAP, name="overlap_pt", pass_threshold=0.5),
        "python_types": gk.python_grader(TYPES, name="types"),
    }
    found["multi_eq_like"] = gk.multi(0.7 * like + 0.3 * eq, name="multi_eq_like")
    found["multi_ilike"] = gk.multi(
        {"i": found["ilike"], "e": found["eq_framed"]}, "0.5 * i + 0.5 * e", name="multi_ilike"
    )
    found["multi_rouge"] = gk.multi(
        {"r": found["rouge"], "e": eq}, "0.6 * r + 0.4 * e", name="multi_rouge"
    )
    found["multi_python"] = gk.multi(
        {"p": found["python"], "l": like}, "2 * p + l", name="multi_python"
    )
    return found


THRESHOLDS = {"multi_eq_like": 0.7, "multi_rouge": 0.5, "multi_python": 1.5}
"""``to_promptfoo(..., threshold=)`` for the multis that get one (the others get none)."""

_TEXT = "the quick brown fox jumps over the lazy dog"


def samples() -> list[tuple[str, dict[str, Any]]]:
    """(output, item) pairs; every item has every key the graders read."""
    base = {"answer": "Paris", "text": _TEXT, "n": 4.0, "flag": True, "nothing": None,
            "tags": ["a", "b"]}  # fmt: skip
    rows: list[tuple[str, dict[str, Any]]] = []

    def add(output: str, **item: Any) -> None:
        rows.append((output, {**base, **item}))

    add("Paris")
    add("paris")
    add("The capital is Paris.")
    add("Answer: Paris")
    add("[Paris]")
    add("")
    add("anything at all", answer="")
    add("", answer="")
    add("STRASSE", answer="straße")
    add("Straße", answer="STRASSE")
    add("4.0")
    add("4", n=4)
    add("4.0", n=4)
    add("True")
    add("None")
    add("['a', 'b']")
    add("a,b")
    add(_TEXT)
    add(_TEXT.upper())
    add("the quick brown fox")
    add("quick fox")
    add("fox")
    add("the lazy dog jumps over the quick brown fox")
    add("a completely different sentence with none of them")
    add("the quick brown fox jumps.", text="The quick brown fox jumps.")
    add("the cat sat on the mat", text="the cat sat on the mat")
    return rows
