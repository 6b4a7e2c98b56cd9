"""Properties of the wire format over generated graders."""

from __future__ import annotations

import json
import warnings

from hypothesis import given

import graderkit as gk
from graderkit.schema import validate_payload
from graderkit.testing.strategies import graders


@given(graders())
def test_generated_graders_round_trip_losslessly(grader: gk.GraderBase) -> None:
    payload = gk.to_openai(grader)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)
        again = gk.from_openai(json.dumps(payload))
    assert gk.to_openai(again) == payload
    assert json.dumps(gk.to_openai(again)) == json.dumps(payload)
    assert again == grader


@given(graders())
def test_emitted_payloads_satisfy_the_independent_schema(grader: gk.GraderBase) -> None:
    assert validate_payload(gk.to_openai(grader)) == []
