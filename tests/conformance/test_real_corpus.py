"""Grader JSON people published, in ``tests/fixtures/real/``: loads, round-trips, compiles, and
validates against openai-python's types where the service accepts it.

Each file holds one grader exactly as published (canonical JSON text, key order as written);
``_sources.json`` says where it came from (repository, path, commit, where in the file), which
target its source uses it for, and what is expected: ``expect`` is ``"loads"`` or
``{"refused": <the message graderkit gives>}``; ``sdk`` is ``"validates"`` or why openai-python's
request types cannot take it (each such reason is checked: the SDK must really refuse it).

Kinds: ``grader`` (one grader), ``criterion-echo`` (a criterion as the service returns it,
with its ``id``: loaded, kept as loaded by ``wire()`` and left out of what ``to_openai``
compiles), ``eval`` (a whole eval object as the service returned it, loaded by the evals
migration's ``load_eval``).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from sdk_request_types import verdicts, without_beyond_sdk

import graderkit as gk
from graderkit._core.workflow.evals_rules import load_eval

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
INDEX: dict[str, dict[str, Any]] = json.loads((REAL / "_sources.json").read_text(encoding="utf-8"))
NAMES = sorted(INDEX)


def _load(name: str) -> tuple[list[gk.GraderBase], str]:
    meta, text = INDEX[name], (REAL / name).read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gk.GraderkitWarning)  # e.g. pass_threshold in a multi
        if meta["kind"] == "eval":
            return [c.grader for c in load_eval(text).criteria], text
        return [gk.from_openai(text)], text


def test_every_file_has_its_source_and_every_source_its_file() -> None:
    files = {p.name for p in REAL.glob("*.json") if p.name != "_sources.json"}
    assert files == set(INDEX)
    for name, meta in INDEX.items():
        source = meta["source"]
        assert source["repository"].count("/") == 1, name
        assert source["path"] and source["where"], name
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), name
        assert meta["target"] in ("fine_tuning", "evals"), name
        assert "_source" not in json.loads((REAL / name).read_text(encoding="utf-8")), name


def test_the_corpus_is_large_and_varied() -> None:
    graders = sum(
        len(json.loads((REAL / n).read_text(encoding="utf-8")).get("testing_criteria", [None]))
        for n in NAMES
    )
    assert graders > 50
    origins = {_origin(meta["source"]) for meta in INDEX.values()}
    assert len(origins) >= 6, origins
    kinds = {json.loads((REAL / n).read_text(encoding="utf-8")).get("type") for n in NAMES}
    assert {
        "string_check",
        "text_similarity",
        "python",
        "score_model",
        "label_model",
        "multi",
    } <= kinds


def _origin(source: dict[str, Any]) -> str:
    """Who published it: the original repository or page when the file is a copy."""
    published = source.get("published_as", {})
    return str(published.get("repository") or published.get("url") or source["repository"])


@pytest.mark.parametrize("name", NAMES)
def test_each_published_grader_loads_or_is_refused_as_recorded(name: str) -> None:
    expect = INDEX[name]["expect"]
    if expect == "loads":
        graders, _ = _load(name)
        assert graders
        return
    with pytest.raises(gk.InvalidGrader) as caught:
        _load(name)
    assert expect["refused"] in str(caught.value)


LOADING = [n for n in NAMES if INDEX[n]["expect"] == "loads"]


@pytest.mark.parametrize("name", [n for n in LOADING if INDEX[n]["kind"] != "eval"])
def test_each_published_grader_round_trips_byte_for_byte(name: str) -> None:
    (grader,), text = _load(name)
    if INDEX[name]["kind"] == "criterion-echo":  # the echo is kept, to_openai leaves it out
        assert json.dumps(grader.wire(), indent=2, ensure_ascii=False) + "\n" == text
        assert "id" not in gk.to_openai(grader, INDEX[name]["target"])
    else:
        assert gk.to_json(grader, INDEX[name]["target"]) + "\n" == text


@pytest.mark.parametrize("name", LOADING)
def test_each_published_grader_compiles_for_its_target_and_the_sdk_agrees(name: str) -> None:
    meta = INDEX[name]
    graders, _ = _load(name)
    expected = meta["sdk"] if isinstance(meta["sdk"], list) else [meta["sdk"]]
    assert len(expected) == len(graders)
    for grader, sdk in zip(graders, expected, strict=True):
        wire = gk.to_openai(grader, meta["target"])
        stripped, _removed = without_beyond_sdk(wire, meta["target"])
        ok = all(v.ok for v in verdicts(stripped, meta["target"]))
        if sdk == "validates":
            assert ok, verdicts(stripped, meta["target"])
        else:
            assert not ok, f"the SDK now takes it; drop the recorded reason: {sdk}"
