"""Part A's second round on the wire: endpoint graders, pass_threshold on multi, plain strings
in content lists, any-role simple messages in Evals, image_tag on a score_model."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

import graderkit as gk

ENDPOINT = {
    "type": "endpoint",
    "name": "Remote Countdown Grader",
    "url": "https://prg-rft-countdown-ncus.azurewebsites.net/api/grader",
    "headers": {"X-Functions-Key": "********"},
    "rate_limit": 50,
    "pass_threshold": 1.0,
}
"""Shaped like microsoft-foundry/fine-tuning Demos/Agentic_RFT_PrivatePreview/
RFT_EndpointGrader/demo.ipynb (the grader it sends, the masked header of the job echo)."""

PYTHON = {"type": "python", "image_tag": "2025-05-08",
          "source": "def grade(sample, item):\n    return 1.0\n"}  # fmt: skip


def _round_trip(data: dict[str, Any]) -> gk.GraderBase:
    grader = gk.from_openai(json.dumps(data))
    assert json.dumps(grader.wire()) == json.dumps(data)
    return grader


def test_endpoint_grader_loads_and_round_trips() -> None:
    grader = _round_trip(ENDPOINT)
    assert isinstance(grader, gk.EndpointGrader)
    assert grader.headers == {"X-Functions-Key": "********"} and grader.rate_limit == 50
    assert gk.to_openai(grader, "evals") == ENDPOINT


def test_the_azure_job_echo_multi_with_an_endpoint_round_trips() -> None:
    echo = {
        "name": "Combined local and remote grader",
        "type": "multi",
        "graders": {"python": PYTHON, "endpoint": {k: v for k, v in ENDPOINT.items()
                                                   if k not in ("name", "pass_threshold")}},
        "calculate_output": "(python + endpoint) / 2",
    }  # fmt: skip
    grader = _round_trip(echo)
    assert isinstance(grader, gk.MultiGrader)
    assert isinstance(grader.graders["endpoint"], gk.EndpointGrader)


def test_endpoint_factory_matches_the_wire_and_repr() -> None:
    grader = gk.endpoint(ENDPOINT["url"], name="Remote Countdown Grader",
                         headers=ENDPOINT["headers"], rate_limit=50, pass_threshold=1.0)  # fmt: skip
    assert gk.to_openai(grader) == ENDPOINT
    assert repr(grader).startswith("endpoint('https://prg-rft-countdown-ncus")
    assert gk.from_openai(gk.to_openai(grader)) == grader


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"url": "http://grader.example.com/x"},
            "url='http://grader.example.com/x' must be an https:// URL",
        ),
        (
            {"url": "grader.example.com"},
            "url='grader.example.com' must be an absolute https:// URL",
        ),
        ({"rate_limit": 0}, "rate_limit=0 must be a positive integer (requests per second)"),
        ({"rate_limit": 2.5}, "rate_limit=2.5 must be a positive integer"),
        ({"headers": {"X-Key": 5}}, "headers.X-Key=5 must be a string, not an integer"),
        ({"max_rps": 50}, "max_rps=50 is the service's echo of an endpoint grader's rate_limit"),
        ({"pass_threshold": "1"}, "pass_threshold='1' must be a number, e.g. 0.5, not a string"),
    ],
    ids=["http", "relative", "rate-zero", "rate-float", "header-int", "max_rps", "threshold-str"],
)
def test_endpoint_mistakes_name_the_field_and_the_fix(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(gk.InvalidGrader) as info:
        gk.from_openai({**ENDPOINT, **changes})
    assert message in str(info.value)


def test_a_loopback_http_endpoint_runs_locally_but_does_not_compile() -> None:
    local = gk.endpoint("http://127.0.0.1:8080/grade", name="local")
    with pytest.raises(gk.InvalidGrader, match=r"url='http://127.0.0.1:8080/grade' is a loopback"):
        gk.to_openai(local)
    both = gk.multi({"local": local}, "local", name="both")
    with pytest.raises(gk.InvalidGrader, match=r"graders\.local\.url="):
        gk.to_openai(both)


def test_pass_threshold_on_multi_is_kept_and_decides_passed() -> None:
    exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
    fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy")
    both = gk.multi(0.5 * exact + 0.5 * fuzzy, name="both", pass_threshold=0.7)
    wire = _round_trip(gk.to_openai(both))
    assert wire.wire()["pass_threshold"] == 0.7
    close = gk.grade(both, "Pariss", {"answer": "Paris"})  # 0.5 * 0 + 0.5 * 0.909
    exact_hit = gk.grade(both, "Paris", {"answer": "Paris"})
    assert close.passed is False and close.reward < 0.7
    assert exact_hit.passed is True and exact_hit.reward == 1.0
    batch = gk.grade_many(both, ["Paris", "Pariss"], [{"answer": "Paris"}] * 2)
    assert [r.passed for r in batch] == [True, False]


def test_plain_strings_in_a_content_list_are_input_text_parts() -> None:
    data = {"type": "score_model", "name": "j", "model": "gpt-4.1",
            "input": [{"role": "user", "content": ["Grade {{ sample.output_text }}",
                                                   {"type": "input_text", "text": "0 to 1"}]}]}  # fmt: skip
    grader = _round_trip(data)
    assert isinstance(grader, gk.ScoreModelGrader)
    first, second = grader.input[0].content  # type: ignore[misc]
    assert isinstance(first, gk.InputText) and first.plain and first.text.startswith("Grade")
    assert isinstance(second, gk.InputText) and not second.plain
    assert [v.text for v in grader.variables()] == ["sample.output_text"]


def test_any_role_simple_message_is_for_evals_criteria_only() -> None:
    data = {"type": "label_model", "name": "tone", "model": "gpt-4.1",
            "input": [{"role": "critic", "content": "Is {{ sample.output_text }} polite?"}],
            "labels": ["polite", "rude"], "passing_labels": ["polite"]}  # fmt: skip
    label = _round_trip(data)
    assert gk.to_openai(label, "evals") == data
    score = _round_trip({**{k: data[k] for k in ("name", "model", "input")}, "type": "score_model"})
    assert gk.to_openai(score, "evals")["input"][0]["role"] == "critic"
    with pytest.raises(
        gk.InvalidGrader, match=r"input\[0\]\.role='critic' is only allowed in an Evals"
    ):
        gk.to_openai(score)
    with pytest.raises(gk.InvalidGrader, match=r"graders\.tone\.input\[0\]\.role='critic'"):
        gk.from_openai({"type": "multi", "graders": {"tone": data}, "calculate_output": "tone"})


def test_a_model_grader_with_image_tag_is_refused_with_the_reason() -> None:
    data = {"type": "score_model", "name": "j", "model": "o4-mini", "image_tag": "2025-05-08",
            "input": [{"role": "user", "content": "Rate {{ sample.output_text }}"}]}  # fmt: skip
    with pytest.raises(gk.InvalidGrader) as info:
        gk.from_openai(data)
    assert str(info.value) == (
        "score_model 'j': image_tag='2025-05-08' belongs to python graders only (Azure's "
        "documentation shows it on a score_model by mistake; no SDK declares it there): remove it"
    )


def test_loaded_graders_never_warn_for_second_round_fields() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gk.from_openai(ENDPOINT)


ECHOED_CRITERION = {
    "name": "Push Notification Summary Grader",
    "id": "Push Notification Summary Grader-9b876f24-4762-4be9-aff4-db7a9b31c673",
    "type": "label_model",
    "model": "o3-mini",
    "input": [{"type": "message", "role": "user",
               "content": {"type": "input_text", "text": "Summary: {{sample.output_text}}"}}],
    "passing_labels": ["correct"],
    "labels": ["correct", "incorrect"],
    "sampling_params": None,
}  # fmt: skip
"""Shaped like the stored criterion in OpenAI's API reference (openapi.documented.yml)."""


def test_a_criterion_as_the_service_returns_it_loads_and_compiles_clean() -> None:
    grader = gk.from_openai(json.dumps(ECHOED_CRITERION))
    assert grader.service_echo == {"id": ECHOED_CRITERION["id"], "sampling_params": None}
    assert json.dumps(grader.wire()) == json.dumps(ECHOED_CRITERION)  # the echo round-trips
    compiled = gk.to_openai(grader, "evals")
    assert "id" not in compiled and "sampling_params" not in compiled
    assert gk.from_openai(compiled).service_echo == {}
    assert "id" not in grader.replace(name="renamed").wire()  # a new grader drops the echo


def test_a_null_outside_a_service_echo_is_refused_with_the_fix() -> None:
    request = {k: v for k, v in ECHOED_CRITERION.items() if k != "id"}
    with pytest.raises(gk.InvalidGrader) as info:
        gk.from_openai(request)
    assert "sampling_params=None is null; omit the field instead" in str(info.value)
