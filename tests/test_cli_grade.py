"""``graderkit grade`` and ``graderkit data check`` as a user runs them, and the kill-and-resume test.

The kill test starts the real command in a subprocess, ``kill -9``s its whole process group at
seeded random points of its progress (read from the size of the results file), sometimes tears
the last line the way a write cut short would, runs the command again until it finishes, and
then checks the results file line by line against a clean, uninterrupted run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graderkit._run.datasets.batch_run import grade_file
from graderkit.cli import main
from graderkit.cli.grader_references import load_grader

ROOT = Path(__file__).resolve().parent.parent
CLINICAL = ROOT / "examples" / "clinical"
ITEMS = CLINICAL / "items.jsonl"
PREDICTIONS = CLINICAL / "predictions.jsonl"
LOCAL = f"{CLINICAL / 'graders.py'}:clinical_local"

SLOW_GRADER = """
import graderkit as gk

@gk.python_grader(name="slow_exact")
def slow_exact(sample: dict, item: dict) -> float:
    import time
    time.sleep(0.005)
    return 1.0 if sample["output_text"] == item["reference_answer"] else len(sample["output_text"]) / 1000
"""


def _predictions(path: Path, runs: int) -> Path:
    """``runs`` runs of every item, cycling through the bundled answers (exact, partial...)."""
    rows = [json.loads(line) for line in PREDICTIONS.read_text().splitlines()]
    with open(path, "w", encoding="utf-8") as out:
        for run in range(runs):
            for row in rows[run % 3 :: 3]:
                line = {"id": row["id"], "run": run, "output_text": row["output_text"]}
                out.write(json.dumps(line) + "\n")
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), "the results file ends with a torn line"
    return [json.loads(line) for line in text.splitlines()]


def _scores(rows: list[dict[str, Any]]) -> dict[tuple[str, int], tuple[float, dict[str, float]]]:
    return {(r["id"], r["run"]): (r["reward"], r["sub_rewards"]) for r in rows}


def _grade_cmd(grader: str, samples: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "graderkit.cli", "grade", grader,
        "--data", str(ITEMS), "--samples", str(samples), "--out", str(out), *extra,
    ]  # fmt: skip


def _kill_when(cmd: list[str], out: Path, size: int, timeout: float = 120) -> bool:
    """Start ``cmd``; ``kill -9`` its process group once ``out`` reaches ``size`` bytes.

    Returns False when the command finished on its own first.
    """
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT
    )
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None:
            if out.exists() and out.stat().st_size >= size:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            assert time.monotonic() < deadline, "the command did not progress"
            time.sleep(0.001)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when an assertion fired above
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == 0, "the command failed before it could be killed"
    return False


def _tear(out: Path, rng: random.Random) -> str:
    """Leave the file as a write cut short would: the last line half written."""
    data = out.read_bytes()
    lines = data.splitlines(keepends=True)
    complete = [line for line in lines if line.endswith(b"\n")]
    if rng.random() < 0.5 and complete:
        last = complete[-1]  # cut the last finished line in the middle: it must be regraded
        keep = len(data) - len(lines[-1]) if not lines[-1].endswith(b"\n") else len(data)
        keep -= len(last)
        out.write_bytes(data[:keep] + last[: rng.randrange(1, len(last) - 1)])
        return "cut"
    head = data if data.endswith(b"\n") or not data else data[: data.rfind(b"\n") + 1]
    donor = complete[rng.randrange(len(complete))] if complete else b'{"id": "q01", "run": 0}\n'
    out.write_bytes(head + donor[: rng.randrange(1, len(donor) - 1)])
    return "appended"


def _kill_and_resume(
    grader: str, samples: Path, out: Path, clean: Path, *, kills: int, seed: int, extra: list[str]
) -> tuple[str, list[int]]:
    """Kill the command at ``kills`` random points of its progress, tearing the file after some
    kills and always after the last one; then let it finish. Returns its last output and the
    line counts seen at each kill."""
    rng = random.Random(seed)
    total = clean.stat().st_size
    fractions = sorted(rng.uniform(0.05, 0.9) for _ in range(kills))
    seen: list[int] = []
    cmd = _grade_cmd(grader, samples, out, *extra)
    for number, fraction in enumerate(fractions):
        killed = _kill_when(cmd, out, int(total * fraction))
        assert killed, f"kill {number} came too late: the run had finished"
        seen.append(out.read_bytes().count(b"\n"))
        if number == kills - 1 or rng.random() < 0.5:
            _tear(out, rng)
    done = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout, seen


def _assert_same_as_clean(out: Path, clean: Path) -> None:
    rows, reference = _lines(out), _lines(clean)
    keys = [(r["id"], r["run"]) for r in rows]
    assert len(keys) == len(set(keys)), "a sample was written twice"
    assert set(keys) == {(r["id"], r["run"]) for r in reference}, "a sample is missing"
    assert _scores(rows) == _scores(reference)


def test_kill_minus_9_and_resume_loses_and_repeats_nothing(tmp_path: Path) -> None:
    samples = _predictions(tmp_path / "preds.jsonl", runs=600)  # 21,600 samples
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    grade_file(load_grader(LOCAL), ITEMS, samples, clean)
    stdout, seen = _kill_and_resume(LOCAL, samples, out, clean, kills=3, seed=20250508, extra=[])
    assert 0 < seen[0] < 21_600 and seen == sorted(seen)
    assert "torn      a half-written last line was dropped" in stdout
    _assert_same_as_clean(out, clean)
    graded = int(stdout.split("graded", 1)[1].split()[0])
    resumed = int(stdout.split("resumed", 1)[1].split()[0])
    assert graded + resumed == 21_600 and graded > 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_kill_and_resume_a_concurrent_python_grader(tmp_path: Path, seed: int) -> None:
    """Out-of-order writes from 8 concurrent workers, killed 5 times, torn, resumed."""
    grader_py = tmp_path / "slow_graders.py"
    grader_py.write_text(SLOW_GRADER)
    grader = f"{grader_py}:slow_exact"
    samples = _predictions(tmp_path / "preds.jsonl", runs=20)  # 720 samples
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    grade_file(load_grader(grader), ITEMS, samples, clean, concurrency=8)
    stdout, _ = _kill_and_resume(
        grader, samples, out, clean, kills=5, seed=seed, extra=["--concurrency", "8"]
    )
    _assert_same_as_clean(out, clean)
    assert "torn" in stdout


# ---- the commands, in-process --------------------------------------------------------------


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_grade_prints_summary_across_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    code, text = _main(
        capsys, "grade", LOCAL, "--data", str(ITEMS), "--samples", str(PREDICTIONS),
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0
    rows = _lines(out)
    assert len(rows) == 108 and {r["run"] for r in rows} == {0, 1, 2}
    means = {run: sum(r["reward"] for r in rows if r["run"] == run) / 36 for run in (0, 1, 2)}
    assert "runs      3 (mean per run " in text
    assert f"0:{means[0]:.4f}" in text and f"2:{means[2]:.4f}" in text
    assert "sub fuzzy" in text and "graded    108" in text


def test_grade_again_resumes_and_restart_starts_over(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    args = ["grade", LOCAL, "--data", str(ITEMS), "--samples", str(PREDICTIONS), "--out", str(out)]
    _main(capsys, *args)
    first = out.read_text()
    code, text = _main(capsys, *args)
    assert code == 0 and "graded    0 " in text and "resumed   108" in text
    assert out.read_text() == first
    code, text = _main(capsys, *args, "--restart")
    assert "graded    108 " in text and "resumed" not in text
    assert len(_lines(out)) == 108


def test_grade_refuses_a_results_file_of_another_grader(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    base = ["--data", str(ITEMS), "--samples", str(PREDICTIONS), "--out", str(out)]
    assert main(["grade", LOCAL, *base]) == 0
    exact = f"{CLINICAL / 'graders.py'}:exact"
    assert main(["grade", exact, *base]) == 4
    err = capsys.readouterr().err
    assert "not of this grader" in err and "--restart" in err


def test_grade_runs_repeats_predictions_without_a_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "q01", "output_text": "acute appendicitis"}\n')
    out = tmp_path / "out.jsonl"
    code, text = _main(
        capsys, "grade", LOCAL, "--data", str(ITEMS), "--samples", str(preds),
        "--out", str(out), "--runs", "3",
    )  # fmt: skip
    assert code == 0
    assert [(r["id"], r["run"], r["reward"]) for r in _lines(out)] == [
        ("q01", 0, 1.0), ("q01", 1, 1.0), ("q01", 2, 1.0)
    ]  # fmt: skip
    assert "is deterministic" in text


def test_grade_without_out_still_summarizes(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _main(capsys, "grade", LOCAL, "--data", str(ITEMS), "--samples", str(PREDICTIONS))
    assert code == 0 and "samples   108" in text and "graded" not in text


def test_grade_reports_a_bad_prediction_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "q01", "output_text": "x"}\n{"id": "nope", "output_text": "x"}\n')
    assert main(["grade", LOCAL, "--data", str(ITEMS), "--samples", str(preds)]) == 4
    assert f"{preds}:2: id='nope' is not in the items file" in capsys.readouterr().err


def test_data_check_passes_the_bundled_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _main(
        capsys, "data", "check", LOCAL, "--data", str(ITEMS), "--samples", str(PREDICTIONS),
        "--split", "validation",
    )  # fmt: skip
    assert code == 0
    assert text.splitlines() == ["items: 36 rows; predictions: 108 lines", "ok"]


def test_data_check_lists_rows_missing_a_variable_with_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = [json.loads(line) for line in ITEMS.read_text().splitlines()]
    for row in rows[3:5]:
        del row["reference_answer"]
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, text = _main(capsys, "data", "check", LOCAL, "--data", str(data))
    assert code == 1
    (line,) = [t for t in text.splitlines() if "reference_answer" in t]
    assert line.startswith("error")
    assert "2 rows: line 4 (id q04), line 5 (id q05)" in line


def test_data_check_strict_fails_on_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text('{"id": "q01", "output_text": "   "}\n')
    args = ["data", "check", LOCAL, "--data", str(ITEMS), "--samples", str(preds)]
    code, text = _main(capsys, *args)
    assert code == 0 and "warning  empty answer: 1 row: line 1 (id q01)" in text
    assert main([*args, "--strict"]) == 1


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(tmp_path: Path) -> None:
    grader_py = tmp_path / "slow_graders.py"
    grader_py.write_text(SLOW_GRADER)
    grader = f"{grader_py}:slow_exact"
    samples = _predictions(tmp_path / "preds.jsonl", runs=10)  # 360 samples
    clean, out = tmp_path / "clean.jsonl", tmp_path / "out.jsonl"
    grade_file(load_grader(grader), ITEMS, samples, clean, concurrency=8)
    cmd = _grade_cmd(grader, samples, out, "--concurrency", "8")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and out.stat().st_size > clean.stat().st_size // 3):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: run the same command again to resume" in err
    partial = out.read_bytes()
    assert partial.endswith(b"\n"), "a worker wrote after the file was closed, or a line is torn"
    assert 0 < partial.count(b"\n") < 360
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "torn" not in done.stdout
    _assert_same_as_clean(out, clean)


# ---- the summary's error details, the CI gates, the lock ----------------------------------


def _items_without_reference(tmp_path: Path) -> Path:
    rows = [json.loads(line) for line in ITEMS.read_text().splitlines()]
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "reference_answer"})
                            + "\n" for r in rows))  # fmt: skip
    return path


def test_a_run_in_which_every_row_errored_exits_6_with_the_first_detail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    items = _items_without_reference(tmp_path)
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(PREDICTIONS.read_text().splitlines(keepends=True)[:4]))
    code = main(["grade", f"{CLINICAL / 'graders.py'}:clinical_python",
                 "--data", str(items), "--samples", str(preds), "--quiet"])  # fmt: skip
    text, err = capsys.readouterr()
    assert code == 6
    assert "python_grader_runtime_error              4  first: clinical_phrase: KeyError: " \
        "'reference_answer'" in text  # fmt: skip
    assert err.startswith("error: every row errored (4 of 4); most common: python_grader_runtime")


@pytest.mark.parametrize(
    ("gate", "code", "message"),
    [
        (["--fail-under", "0.5"], 0, None),
        (["--fail-under", "0.9"], 6, "mean reward 0.6442 is below --fail-under 0.9"),
        (["--max-errors", "0"], 0, None),
    ],
)
def test_fail_under_gates_the_mean(
    capsys: pytest.CaptureFixture[str], gate: list[str], code: int, message: str | None
) -> None:
    assert main(["grade", LOCAL, "--data", str(ITEMS), "--samples", str(PREDICTIONS),
                 "--quiet", *gate]) == code  # fmt: skip
    err = capsys.readouterr().err
    assert (message in err) if message else err == ""


def test_max_errors_counts_or_fractions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    items = [json.loads(line) for line in ITEMS.read_text().splitlines()]
    for row in items[:3]:  # 3 of 36 items (9 of 108 samples) lose the reference
        del row["reference_answer"]
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in items))
    base = ["grade", LOCAL, "--data", str(data), "--samples", str(PREDICTIONS), "--quiet"]
    assert main([*base, "--max-errors", "9"]) == 0
    assert main([*base, "--max-errors", "8"]) == 6
    assert "9 rows errored, more than --max-errors 8; most common: invalid_variable_error" in (
        capsys.readouterr().err
    )
    assert main([*base, "--max-errors", "10%"]) == 0
    assert main([*base, "--max-errors", "0.05"]) == 6
    assert "more than --max-errors 5.00% of 108 = 5.4" in capsys.readouterr().err
    assert main([*base, "--max-errors", "lots"]) == 2
    assert "neither a number of rows" in capsys.readouterr().err


HOLD_THE_LOCK = """
import sys
from graderkit._run.datasets.resume import ResultsFile
from graderkit.cli.grader_references import load_grader

grader = load_grader(sys.argv[1])
with ResultsFile(sys.argv[2], key="id", grader=grader):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test says so
"""


def test_a_second_writer_refuses_while_the_first_holds_the_results_file(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, LOCAL, str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        second = subprocess.run(
            [sys.executable, "-m", "graderkit.cli", "grade", LOCAL, "--data", str(ITEMS),
             "--samples", str(PREDICTIONS), "--out", str(out), "--quiet"],
            capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        )  # fmt: skip
        assert second.returncode == 5, second.stderr
        assert second.stderr == (
            f"error: {out}: another graderkit process is writing this file; wait for it to "
            "finish (then run again to resume) or choose another --out\n"
        )
        assert out.read_text() == ""  # the refused run wrote nothing
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    again = subprocess.run(
        [sys.executable, "-m", "graderkit.cli", "grade", LOCAL, "--data", str(ITEMS),
         "--samples", str(PREDICTIONS), "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert again.returncode == 0 and len(_lines(out)) == 108


def test_restart_does_not_empty_a_file_another_run_is_writing(tmp_path: Path) -> None:
    from graderkit._run.datasets.file_errors import ResultsLocked
    from graderkit._run.datasets.resume import ResultsFile

    out = tmp_path / "results.jsonl"
    grader = load_grader(LOCAL)
    with ResultsFile(out, key="id", grader=grader) as first:
        first.write('{"kept": true}\n')
        with pytest.raises(ResultsLocked, match="another graderkit process"):
            ResultsFile(out, key="id", grader=grader, resume=False)
        assert out.read_text() == '{"kept": true}\n'
