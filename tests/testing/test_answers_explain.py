"""Finding gold answers, questions and wrong answers in rows; explaining a grade as text."""

from __future__ import annotations

import pytest

import graderkit as gk
from graderkit.testing.answers import (
    borrowed_answers,
    gold_key,
    item_id,
    python_item_keys,
    question_of,
)
from graderkit.testing.explain import clip, explain, format_reward
from graderkit.testing.scripted_judge import ScriptedJudge


def test_gold_key_prefers_what_the_grader_reads() -> None:
    rows = [{"answer": "a", "label": "x"}, {"answer": "b", "label": "y"}]
    by_template = gk.string_check("{{ sample.output_text }}", "{{ item.label }}", name="l")
    assert gold_key(by_template, rows) == "label"
    source = (
        "def grade(sample, item):\n    return float(sample['output_text'] == item.get('label'))\n"
    )
    assert gold_key(gk.python_grader(source, name="p"), rows) == "label"
    assert python_item_keys(gk.python_grader(source, name="p")) == []  # .get has a default
    constant = gk.string_check("{{ sample.output_text }}", "yes", name="c")
    assert gold_key(constant, rows) == "answer"  # falls back to the usual names
    with pytest.raises(ValueError, match="pass gold="):
        gold_key(constant, [{"answer": "a"}, {"answer": 3}])
    assert gold_key(constant, [{"answer": "a"}, {"answer": 3}], every_row=False) == "answer"


def test_questions_and_ids() -> None:
    messages = [
        {"role": "developer", "content": "be brief"},
        {"role": "user", "content": [{"type": "input_text", "text": "Why?"}]},
    ]
    assert question_of({"messages": messages}) == "Why?"
    assert question_of({"prompt": "What?"}) == "What?"
    assert question_of({"reference_answer": "x"}) is None
    assert item_id({"id": 7}, 0) == "7" and item_id({}, 3) == "#3"


@pytest.mark.parametrize(
    ("golds", "expected"),
    [
        (
            ["acute appendicitis", "acute cholecystitis", "gout"],
            ["gout", "gout", "acute appendicitis"],
        ),
        (["same", "same"], ["", ""]),
        (["a b", "b c"], ["b c", "a b"]),  # no disjoint choice: the first that differs
    ],
)
def test_borrowed_answers_avoid_shared_words(golds: list[str], expected: list[str]) -> None:
    assert borrowed_answers(golds) == expected


def test_clip_and_format() -> None:
    assert clip("abc") == "'abc'"
    assert clip("x" * 200, width=10).endswith("… (+190 chars)")
    assert format_reward(0.123456789) == "0.1235" and format_reward(1.0) == "1.0"


def test_explain_a_judge_grade_shows_the_prompt_and_the_verdict() -> None:
    judge = gk.score_model(
        "Ref {{ item.a }}. Answer {{ sample.output_text }}", model="gpt-4.1", name="j"
    )
    with ScriptedJudge() as scripted:
        scripted.reply(0.4)
        result = gk.grade(judge, "maybe", {"a": "yes"}, runner=scripted.runner)
    text = explain(judge, "maybe", {"a": "yes"}, result)
    assert text.splitlines() == [
        "score_model 'j' (gpt-4.1, range [0, 1]) -> 0.4",
        "  user: 'Ref yes. Answer maybe'",
        "  judge result: 0.4",
    ]


def test_explain_a_python_error_shows_the_last_traceback_line() -> None:
    source = "def grade(sample, item):\n    return 1 / 0\n"
    grader = gk.python_grader(source, name="boom")
    result = gk.grade(grader, "x", {"k": 1})
    text = explain(grader, "x", {"k": 1}, result)
    assert "error python_grader_runtime_error: 'ZeroDivisionError: division by zero'" in text
    assert "sample.output_text: 'x'" in text and "item: {'k': 1}" in text


def test_explain_a_missing_variable_shows_the_template() -> None:
    grader = gk.string_check("{{ sample.output_text }}", "{{ item.nope }}", name="m")
    text = explain(grader, "x", {}, gk.grade(grader, "x", {}))
    assert "reference: '{{ item.nope }}'" in text
    assert "error invalid_variable_error: \"item.nope: key 'nope' not found in item\"" in text
