"""Samples and template paths, second round: ``sample.output_audio`` and paths that walk into
JSON strings (the cookbook's ``output_tools[0].function.arguments.symbols``)."""

from __future__ import annotations

import graderkit as gk
from graderkit._core.templating.sample import to_sample

AUDIO = {"id": "audio_1", "data": "UklGRiQAAABXQVZF", "expires_at": 1790000000,
         "transcript": "The capital of France is Paris."}  # fmt: skip


def test_output_audio_is_data_and_transcript_when_the_sample_has_audio() -> None:
    sample = to_sample({"output_text": "", "output_audio": AUDIO})
    assert sample["output_audio"] == {"data": AUDIO["data"], "transcript": AUDIO["transcript"]}
    from_choices = to_sample({"choices": [{"message": {"role": "assistant", "audio": AUDIO}}]})
    assert from_choices["output_audio"] == sample["output_audio"]


def test_output_audio_is_absent_from_text_samples_so_templates_flag_it() -> None:
    assert "output_audio" not in to_sample("Paris")
    assert "output_audio" not in to_sample({"output_text": "Paris", "output_audio": None})
    said = gk.string_check("{{ sample.output_audio.transcript }}", "Paris", operation="like",
                           name="said")  # fmt: skip
    heard = gk.grade(said, {"output_text": "", "output_audio": AUDIO})
    assert (heard.reward, heard.errors) == (1.0, {})
    text_only = gk.grade(said, "Paris")
    assert text_only.reward == 0.0
    assert "key 'output_audio' not found in sample" in (
        text_only.errors["invalid_variable_error"] or ""
    )


COOKBOOK_SAMPLE = {
    "output_text": "",
    "output_tools": [{"id": "call_1", "type": "function", "function": {
        "name": "get_stock_price", "arguments": '{"symbols": ["AAPL", "MSFT"]}'}}],
}  # fmt: skip
"""Shaped like the cookbook's tool-calling eval (examples/evaluation/use-cases/tools-evaluation)."""


def test_the_cookbook_template_walks_into_the_json_arguments() -> None:
    grader = gk.string_check("{{ sample.output_tools[0].function.arguments.symbols }}",
                             "{{ item.expected }}", name="symbols")  # fmt: skip
    result = gk.grade(grader, COOKBOOK_SAMPLE, {"expected": "['AAPL', 'MSFT']"})
    assert (result.reward, result.errors) == (1.0, {})
    first = gk.string_check("{{ sample.output_tools[0].function.arguments.symbols[0] }}", "AAPL",
                            name="first")  # fmt: skip
    column = gk.grade_many(first, [COOKBOOK_SAMPLE, COOKBOOK_SAMPLE], [{}, {}])
    assert [r.reward for r in column] == [1.0, 1.0]


def test_a_string_that_is_not_json_still_ends_the_walk_with_invalid_variable_error() -> None:
    grader = gk.string_check("{{ sample.output_tools[0].function.arguments.symbols }}", "x",
                             name="symbols")  # fmt: skip
    broken = {"output_tools": [{"function": {"name": "f", "arguments": '{"symbols": '}}]}
    result = gk.grade(grader, broken)
    assert result.reward == 0.0
    assert "arguments is a string that does not parse as JSON" in (
        result.errors["invalid_variable_error"] or ""
    )
