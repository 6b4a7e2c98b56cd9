"""Resuming from any state a killed run can leave: lines in any order, any subset, a torn tail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graderkit._run.datasets.batch_run import grade_file
from graderkit._run.datasets.data_files import DataError
from graderkit._run.datasets.resume import KeySet, ResultsFile
from graderkit.cli.grader_references import load_grader

ROOT = Path(__file__).resolve().parent.parent.parent
CLINICAL = ROOT / "examples" / "clinical"
ITEMS, PREDICTIONS = CLINICAL / "items.jsonl", CLINICAL / "predictions.jsonl"
LOCAL = load_grader(f"{CLINICAL / 'graders.py'}:clinical_local")
EXACT = load_grader(f"{CLINICAL / 'graders.py'}:exact")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    out = tmp_path_factory.mktemp("clean") / "clean.jsonl"
    grade_file(LOCAL, ITEMS, PREDICTIONS, out)
    return out.read_bytes().splitlines(keepends=True)


def _scores(data: bytes) -> dict[tuple[str, int], tuple[float, Any]]:
    rows = [json.loads(line) for line in data.splitlines()]
    assert len(rows) == len({(r["id"], r["run"]) for r in rows}), "a sample is written twice"
    return {(r["id"], r["run"]): (r["reward"], r["sub_rewards"]) for r in rows}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_resume_from_any_subset_in_any_order_with_a_torn_tail(
    clean: list[bytes], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    kept = data.draw(st.lists(st.sampled_from(clean), unique=True), label="kept lines")
    kept = data.draw(st.permutations(kept), label="order")
    torn = data.draw(st.none() | st.tuples(st.sampled_from(clean), st.floats(0, 1)), label="torn")
    tail = b"" if torn is None else torn[0][: int((len(torn[0]) - 1) * torn[1])]
    out = tmp_path_factory.mktemp("resume") / "out.jsonl"
    out.write_bytes(b"".join(kept) + tail)
    run = grade_file(LOCAL, ITEMS, PREDICTIONS, out)
    assert run.skipped == len(kept) and run.graded == len(clean) - len(kept)
    assert run.torn == bool(tail)
    assert _scores(out.read_bytes()) == _scores(b"".join(clean))
    assert run.summary.count == len(clean)


def test_a_torn_line_is_cut_before_anything_is_appended(clean: list[bytes], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(clean[0] + clean[1][:-1])  # the second line lacks only its newline
    results = ResultsFile(out, key="id", grader=LOCAL)
    results.close()
    assert results.torn and len(results.done) == 1
    assert out.read_bytes() == clean[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"not json\n", "not a result line"),
        (b'{"id": "q01", "run": 0, "reward": 1.0, "metadata": {"name": "other", "type": "multi"}}\n', "not of this grader"),
        (None, "is already in the file"),
    ],
    ids=["garbage", "other-grader", "repeated"],
)  # fmt: skip
def test_a_complete_line_that_is_not_ours_stops_the_run(
    clean: list[bytes], tmp_path: Path, text: bytes | None, message: str
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(clean[0] + (clean[0] if text is None else text) + clean[1])
    with pytest.raises(DataError, match=message) as info:
        grade_file(LOCAL, ITEMS, PREDICTIONS, out)
    assert f"{out}:2:" in str(info.value)
    grade_file(LOCAL, ITEMS, PREDICTIONS, out, resume=False)  # --restart starts over
    assert _scores(out.read_bytes()) == _scores(b"".join(clean))


def test_results_of_another_grader_are_refused(clean: list[bytes], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(clean))
    with pytest.raises(
        DataError, match=r"multi 'clinical_local', not of this grader \(string_check 'exact'\)"
    ):
        grade_file(EXACT, ITEMS, PREDICTIONS, out)


def test_blank_lines_are_ignored(clean: list[bytes], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(clean[0] + b"\n" + clean[1])
    with ResultsFile(out, key="id", grader=LOCAL) as results:
        assert len(results.done) == 2


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "ç"]), st.integers(0, 10_000)), max_size=50))
def test_keyset_is_a_set_of_pairs(pairs: list[tuple[str, int]]) -> None:
    keys, reference = KeySet(), set()
    for pair in pairs:
        assert keys.add(*pair) == (pair not in reference)
        reference.add(pair)
        assert pair in keys
    assert len(keys) == len(reference)
    for ident in ["a", "b", "ç", "d"]:
        for run in [0, 1, 63, 64, 4095, 4096, 9999]:
            assert ((ident, run) in keys) == ((ident, run) in reference)
    assert "a" not in keys and ("a", -1) not in keys
