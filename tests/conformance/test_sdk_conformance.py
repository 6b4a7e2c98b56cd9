"""graderkit against openai-python's own request types, both ways.

* What graderkit emits for a target validates against the SDK's types for that target (with the
  SDK's quirks and graderkit's documented beyond-SDK fields, each named in
  ``sdk_request_types``), over hypothesis-generated graders: a small run in the fast suite,
  the profile's full run in the slow one.
* Every instance built from the SDK's declared fields (``sdk_instances``, enumerated from the
  types) loads with ``from_openai`` and compiles back to exactly the same JSON.
"""

from __future__ import annotations

import typing
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdk_instances import sdk_instances, typed_dicts
from sdk_request_types import (
    AZURE_ONLY,
    BEYOND_SDK,
    MULTI_CHILD,
    SDK_QUIRKS,
    SURFACES,
    check,
    union_members,
    verdicts,
    without_beyond_sdk,
)

import graderkit as gk
from graderkit.testing.strategies import graders, leaf_graders, names

CASES = [(target, case_id, wire) for target in SURFACES for case_id, wire in sdk_instances(target)]


# ---- the SDK's declared fields -> graderkit ------------------------------------------------


def test_the_instances_cover_every_field_the_sdk_declares() -> None:
    for target, surfaces in SURFACES.items():
        for union in surfaces.values():
            for member in [*union_members(union), *union_members(MULTI_CHILD)]:
                if member.__name__ == "MultiGraderParam":
                    continue
                declared = set(typing.get_type_hints(member))
                seen = {key for inst in typed_dicts(member) for key in inst}
                assert seen == declared, (target, member.__name__, declared - seen)
    assert len(CASES) >= 250  # 164 fine-tuning + 100 evals with openai 3.57


@pytest.mark.parametrize(("target", "case_id", "wire"), CASES, ids=[c[1] for c in CASES])
def test_the_sdk_accepts_the_instances_built_from_its_fields(
    target: str, case_id: str, wire: dict[str, Any]
) -> None:
    assert all(v.ok for v in verdicts(wire, target)), verdicts(wire, target)


@pytest.mark.parametrize(("target", "case_id", "wire"), CASES, ids=[c[1] for c in CASES])
def test_every_sdk_instance_loads_and_round_trips(
    target: str, case_id: str, wire: dict[str, Any]
) -> None:
    with warnings.catch_warnings():
        # e.g. reasoning_effort on a non-reasoning judge: valid JSON, a warning for local runs
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        grader = gk.from_openai(wire)
        reloaded = gk.from_openai(gk.to_json(grader, target))  # type: ignore[arg-type]
    assert gk.to_openai(grader, target) == wire  # type: ignore[arg-type]
    assert reloaded == grader
    assert gk.to_json(reloaded, target) == gk.to_json(grader, target)  # type: ignore[arg-type]


# ---- the named exceptions are real ---------------------------------------------------------


def test_the_multi_quirk_is_real_the_sdk_rejects_the_wire_map() -> None:
    """``SDK_QUIRKS``: the SDK's own MultiGraderParam refuses the map the service takes."""
    from sdk_request_types import _validate, member_for

    child = {"type": "string_check", "name": "e", "input": "a", "reference": "a", "operation": "eq"}
    wire = {"type": "multi", "name": "m", "graders": {"e": child}, "calculate_output": "e"}
    for union in SURFACES["fine_tuning"].values():
        assert _validate(member_for(union, "multi"), wire), (
            "the SDK now takes a map: drop the quirk"
        )
        assert check(wire, union) == []
    assert "multi.graders is a map" in SDK_QUIRKS


BEYOND = {
    "fine_tuning:pass_threshold": (
        "fine_tuning",
        {"type": "python", "name": "p", "source": "def grade(s, i):\n    return 1.0\n",
         "pass_threshold": 0.5},
    ),
    "multi.pass_threshold": (
        "fine_tuning",
        {"type": "multi", "name": "m", "calculate_output": "e", "pass_threshold": 0.5,
         "graders": {"e": {"type": "string_check", "name": "e", "input": "a", "reference": "a",
                           "operation": "eq"}}},
    ),
    "multi.invalid_grade": (
        "fine_tuning",
        {"type": "multi", "name": "m", "calculate_output": "e", "invalid_grade": 0,
         "graders": {"e": {"type": "string_check", "name": "e", "input": "a", "reference": "a",
                           "operation": "eq"}}},
    ),
    "sampling_params.max_tokens": (
        "evals",
        {"type": "score_model", "name": "j", "model": "m", "input": [{"role": "user",
         "content": "x"}], "sampling_params": {"max_tokens": 10}},
    ),
    "label_model.sampling_params": (
        "evals",
        {"type": "label_model", "name": "l", "model": "m", "labels": ["a"],
         "passing_labels": ["a"], "input": [{"role": "user", "content": "x"}],
         "sampling_params": {"temperature": 0}},
    ),
    "input_image.file_id": (
        "evals",
        {"type": "score_model", "name": "j", "model": "m", "input": [{"role": "user",
         "content": [{"type": "input_image", "image_url": "{{ item.url }}", "file_id": None}]}]},
    ),
}  # fmt: skip


def test_azure_only_kinds_are_really_missing_from_the_sdk() -> None:
    endpoint = {"type": "endpoint", "name": "e", "url": "https://grader.example.com/grade"}
    for target in SURFACES:
        assert not all(v.ok for v in verdicts(endpoint, target))
        assert all(v.ok for v in verdicts(endpoint, target, azure_only=True))
    assert set(AZURE_ONLY) == {"endpoint"}


def test_every_beyond_sdk_field_has_a_case() -> None:
    named = {f"{t}:{f}" if t != "*" else f for t, f in BEYOND_SDK}
    assert named == set(BEYOND)


@pytest.mark.parametrize("field", sorted(BEYOND))
def test_each_beyond_sdk_field_is_refused_by_the_sdk_and_kept_by_graderkit(field: str) -> None:
    target, wire = BEYOND[field]
    assert not all(v.ok for v in verdicts(wire, target)), f"the SDK now declares {field}"
    stripped, removed = without_beyond_sdk(wire, target)
    assert removed and all(v.ok for v in verdicts(stripped, target)), removed
    assert gk.to_openai(gk.from_openai(wire), target) == wire  # type: ignore[arg-type]


# ---- graderkit's output -> the SDK's types (hypothesis) -------------------------------------

SOURCES = st.sampled_from(
    [
        "def grade(sample, item):\n    return 1.0\n",
        "import json\n\n\ndef grade(sample, item) -> float:\n"
        "    return float(sample['output_text'] == item.get('answer'))\n",
    ]
)


def _python_graders(thresholds: bool) -> st.SearchStrategy[gk.GraderBase]:
    threshold = st.none() | st.floats(0, 1) if thresholds else st.none()
    return st.builds(
        lambda s, n, t: gk.python_grader(s, name=n, pass_threshold=t), SOURCES, names(), threshold
    )


def _criteria() -> st.SearchStrategy[gk.GraderBase]:
    """What an Evals criterion may be: any leaf kind; text_similarity with a pass_threshold."""
    leaf = leaf_graders().map(
        lambda g: (
            g.replace(pass_threshold=0.5)
            if g.type == "text_similarity" and getattr(g, "pass_threshold", None) is None
            else g
        )
    )
    return st.one_of(leaf, _python_graders(thresholds=True))


EMITTED = {
    "fine_tuning": st.one_of(graders(), _python_graders(thresholds=True)),
    "evals": _criteria(),
}


def _conforms(grader: gk.GraderBase, target: str) -> None:
    wire = gk.to_openai(grader, target)  # type: ignore[arg-type]
    stripped, removed = without_beyond_sdk(wire, target)
    problems = [v for v in verdicts(stripped, target, azure_only=True) if not v.ok]
    assert not problems, (problems, wire)
    for field in removed:  # only what the JSON itself carried, never added by graderkit
        assert field.rsplit(".", 1)[-1] in str(wire)
    assert gk.from_openai(wire) == grader


@pytest.mark.parametrize("target", sorted(EMITTED))
def test_what_graderkit_emits_validates_against_the_sdk_types(target: str) -> None:
    @settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(EMITTED[target])
    def check_one(grader: gk.GraderBase) -> None:
        _conforms(grader, target)

    check_one()


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(EMITTED))
def test_what_graderkit_emits_validates_against_the_sdk_types_thoroughly(target: str) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(EMITTED[target])
    def check_one(grader: gk.GraderBase) -> None:
        _conforms(grader, target)

    check_one()
