"""The cookbook's graders, written with graderkit.

Run them on the bundled data (no API key needed for the first three):

    graderkit grade examples/clinical/graders.py:clinical_local \
        --data examples/clinical/items.jsonl --samples examples/clinical/predictions.jsonl
"""

from __future__ import annotations

from pathlib import Path

from rapidfuzz import fuzz, utils

import graderkit as gk

HERE = Path(__file__).parent

# 1. Baseline graders built from service primitives: they run anywhere, with no sandbox.
exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="exact")
fuzzy = gk.text_similarity(
    "{{ sample.output_text }}",
    "{{ item.reference_answer }}",
    evaluation_metric="fuzzy_match",
    name="fuzzy",
)
clinical_local = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical_local")


# 2. The cookbook's first training grader: two python graders written as plain functions.
@gk.python_grader(name="clinical_phrase_grader")
def clinical_phrase(sample: dict, item: dict) -> float:
    """Token-set fuzzy match, as in the cookbook (rewards padding: see `graderkit probe`)."""
    return (
        fuzz.token_set_ratio(
            sample["output_text"], item["reference_answer"], processor=utils.default_process
        )
        / 100.0
    )


@gk.python_grader(name="clinical_phrase_binary_grader")
def clinical_phrase_binary(sample: dict, item: dict) -> float:
    """Exact match."""
    return 1.0 if sample["output_text"] == item["reference_answer"] else 0.0


clinical_python = gk.multi(
    {"clinical_phrase": clinical_phrase, "clinical_phrase_binary": clinical_phrase_binary},
    "0.85 * clinical_phrase + 0.15 * clinical_phrase_binary",
    name="clinical_python",
)

# 3. The cookbook's model grader (the additive rubric that got reward-hacked), as JSON.
additive_rubric = gk.from_openai((HERE / "score_model_additive.json").read_text())
