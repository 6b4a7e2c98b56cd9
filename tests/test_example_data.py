"""Checks on the bundled example dataset in ``examples/clinical``.

The README's first command and the docs grade these files, so they must stay well formed (valid
RFT rows) and keep covering every kind of answer the cookbook met: exact, synonym, partial, wrong,
padded (the reward hack) and formatting.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz, utils

DATA = Path(__file__).resolve().parents[1] / "examples" / "clinical"
RUNS = (0, 1, 2)

# Intended share of each kind among the prediction lines; "roughly" means within TOLERANCE.
INTENDED_SHARE = {
    "exact": 0.35,
    "synonym": 0.15,
    "partial": 0.15,
    "wrong": 0.15,
    "padded": 0.10,
    "formatting": 0.10,
}
TOLERANCE = 0.05
MIN_LINES_PER_KIND = 5

# Roles the RFT training format accepts in an item; "system" is not one of them.
ALLOWED_ROLES = {"developer", "user", "assistant"}
# Prefixes a formatting mistake may add before the answer ("The diagnosis is ...").
ANSWER_PREFIXES = ("the diagnosis is ", "diagnosis ")


def _read_jsonl(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        row = json.loads(line)
        assert isinstance(row, dict), f"{name}:{number} is not a JSON object"
        rows.append(row)
    return rows


@cache
def _items() -> tuple[dict[str, Any], ...]:
    return tuple(_read_jsonl("items.jsonl"))


@cache
def _predictions() -> tuple[dict[str, Any], ...]:
    return tuple(_read_jsonl("predictions.jsonl"))


def _references() -> dict[str, str]:
    return {item["id"]: item["reference_answer"] for item in _items()}


def _of_kind(kind: str) -> list[tuple[dict[str, Any], str]]:
    refs = _references()
    return [(p, refs[p["id"]]) for p in _predictions() if p["kind"] == kind]


def _normalise(text: str) -> str:
    """Lower-case, drop punctuation and a leading 'the diagnosis is'-style prefix."""
    text = re.sub(r"[^a-z0-9 ]+", "", text.lower())
    text = " ".join(text.split())
    for prefix in ANSWER_PREFIXES:
        text = text.removeprefix(prefix)
    return text


@pytest.mark.parametrize("name", ["items.jsonl", "predictions.jsonl"])
def test_every_line_parses_as_an_object(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert all(line.strip() for line in text.splitlines()), "blank line in JSONL"
    assert _read_jsonl(name)


def test_item_ids_are_unique() -> None:
    ids = [item["id"] for item in _items()]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert len(ids) == 36


def test_items_have_the_rft_shape() -> None:
    for item in _items():
        assert set(item) == {"id", "messages", "reference_answer"}, item["id"]
        messages = item["messages"]
        assert messages, item["id"]
        for message in messages:
            assert set(message) == {"role", "content"}, item["id"]
            assert isinstance(message["content"], str) and message["content"].strip()


def test_no_system_role_and_last_message_is_from_the_user() -> None:
    for item in _items():
        roles = [m["role"] for m in item["messages"]]
        assert "system" not in roles, item["id"]
        assert set(roles) <= ALLOWED_ROLES, (item["id"], roles)
        assert roles[-1] == "user", item["id"]
        assert item["messages"][-1]["content"].rstrip().endswith("?"), item["id"]


def test_reference_answers_are_short_lowercase_phrases() -> None:
    for item in _items():
        ref = item["reference_answer"]
        assert ref == ref.lower() == ref.strip(), (item["id"], ref)
        assert re.fullmatch(r"[a-z0-9 ]+", ref), (item["id"], ref)
        assert 1 <= len(ref.split()) <= 4, (item["id"], ref)


def test_every_prediction_refers_to_an_item() -> None:
    refs = _references()
    unknown = {p["id"] for p in _predictions()} - set(refs)
    assert not unknown


def test_three_runs_per_item() -> None:
    runs: defaultdict[str, list[int]] = defaultdict(list)
    for p in _predictions():
        assert set(p) == {"id", "run", "output_text", "kind"}, p
        assert isinstance(p["output_text"], str) and p["output_text"], p
        runs[p["id"]].append(p["run"])
    assert set(runs) == set(_references())
    for item_id, seen in runs.items():
        assert sorted(seen) == list(RUNS), (item_id, seen)


def test_every_kind_present_in_roughly_the_intended_share() -> None:
    counts = Counter(p["kind"] for p in _predictions())
    assert set(counts) == set(INTENDED_SHARE), counts
    total = sum(counts.values())
    for kind, share in INTENDED_SHARE.items():
        assert counts[kind] >= MIN_LINES_PER_KIND, (kind, counts[kind])
        assert abs(counts[kind] / total - share) <= TOLERANCE, (kind, counts[kind], total)


def test_runs_differ_for_most_items() -> None:
    outputs: defaultdict[str, set[str]] = defaultdict(set)
    for p in _predictions():
        outputs[p["id"]].add(p["output_text"])
    varied = [item_id for item_id, texts in outputs.items() if len(texts) > 1]
    assert len(varied) >= 0.75 * len(outputs)


def test_exact_predictions_equal_the_reference() -> None:
    for p, ref in _of_kind("exact"):
        assert p["output_text"] == ref, p


def test_padded_predictions_contain_the_reference_and_are_long() -> None:
    for p, ref in _of_kind("padded"):
        assert ref in p["output_text"], p
        assert len(p["output_text"]) >= 3 * len(ref), p


def test_padded_predictions_farm_the_cookbook_fuzzy_grader() -> None:
    # The reward hack the data is there to show: token_set_ratio gives padding full marks.
    for p, ref in _of_kind("padded"):
        score = fuzz.token_set_ratio(p["output_text"], ref, processor=utils.default_process)
        assert score == 100, (p, score)


def test_formatting_predictions_are_the_reference_in_the_wrong_format() -> None:
    for p, ref in _of_kind("formatting"):
        assert p["output_text"] != ref, p
        assert _normalise(p["output_text"]) == ref, p


@pytest.mark.parametrize("kind", ["synonym", "partial", "wrong"])
def test_non_matching_kinds_differ_from_the_reference(kind: str) -> None:
    for p, ref in _of_kind(kind):
        assert p["output_text"] == p["output_text"].lower(), p
        assert _normalise(p["output_text"]) != ref, p


def test_wrong_predictions_do_not_contain_the_reference() -> None:
    for p, ref in _of_kind("wrong"):
        assert ref not in p["output_text"].lower(), p
