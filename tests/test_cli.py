"""The command line, run as a user runs it (a real subprocess) and in-process for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graderkit.cli import main

EXAMPLES = Path(__file__).parent / "fixtures" / "spec-examples"
GRADERS_PY = """
import graderkit as gk
fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
clinical = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
formula = 0.5 * fuzzy + 0.5 * exact
"""


@pytest.fixture
def graders_py(tmp_path: Path) -> Path:
    path = tmp_path / "my_graders.py"
    path.write_text(GRADERS_PY)
    return path


def test_console_script_runs_in_a_subprocess() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "graderkit.cli",
            "compile",
            str(EXAMPLES / "python-no-name.json"),
            "--indent",
            "0",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == json.loads((EXAMPLES / "python-no-name.json").read_text())


def test_validate_lists_variables(capsys: pytest.CaptureFixture[str], graders_py: Path) -> None:
    assert main(["validate", f"{graders_py}:clinical"]) == 0
    out = capsys.readouterr().out
    assert "multi 'clinical' is valid for fine_tuning" in out
    assert "sample.output_text, item.answer" in out


def test_validate_reports_a_bad_grader_with_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "type": "string_check",
                "name": "x",
                "input": "a",
                "reference": "b",
                "operation": "neq?",
            }
        )
    )
    assert main(["validate", str(bad)]) == 3
    assert "operation='neq?' is not one of" in capsys.readouterr().err


def test_validate_checks_the_target(capsys: pytest.CaptureFixture[str], graders_py: Path) -> None:
    assert main(["validate", f"{graders_py}:clinical", "--target", "evals"]) == 3
    assert "only for fine-tuning" in capsys.readouterr().err


def test_a_formula_reference_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], graders_py: Path
) -> None:
    assert main(["validate", f"{graders_py}:formula"]) == 3
    assert "wrap it with graderkit.multi" in capsys.readouterr().err


def test_compile_for_evals(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["compile", str(EXAMPLES / "evals-text-similarity-criterion.json"), "--target", "evals"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["pass_threshold"] == 0.5


def test_run_prints_the_graders_run_result(
    capsys: pytest.CaptureFixture[str], graders_py: Path
) -> None:
    assert (
        main(
            [
                "run",
                f"{graders_py}:clinical",
                "--sample",
                "sepsis",
                "--item",
                '{"answer": "sepsis"}',
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["reward"] == 1.0 and out["sub_rewards"] == {"fuzzy": 1.0, "exact": 1.0}


def test_run_without_a_sample_is_an_error(
    capsys: pytest.CaptureFixture[str], graders_py: Path
) -> None:
    assert main(["run", f"{graders_py}:clinical"]) == 2
    assert "--sample" in capsys.readouterr().err


def test_unknown_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nope.json"]) == 3
    assert "nope.json is not a file; give a grader as file.json" in capsys.readouterr().err


def test_grade_writes_results_and_prints_a_summary(
    capsys: pytest.CaptureFixture[str], graders_py: Path, tmp_path: Path
) -> None:
    data, preds, out = tmp_path / "items.jsonl", tmp_path / "preds.jsonl", tmp_path / "out.jsonl"
    data.write_text('{"id": "1", "answer": "sepsis"}\n{"id": "2", "answer": "gout"}\n')
    preds.write_text('{"id": "1", "output_text": "sepsis"}\n{"id": "2", "output_text": "lupus"}\n')
    assert (
        main(
            [
                "grade",
                f"{graders_py}:clinical",
                "--data",
                str(data),
                "--samples",
                str(preds),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["reward"] == 1.0
    assert "samples   2" in capsys.readouterr().out


GRADERS = Path(__file__).resolve().parent.parent / "examples" / "clinical" / "graders.py"
LISTED = (
    "graders in it: exact, fuzzy, clinical_local, clinical_phrase, clinical_phrase_binary, "
    "clinical_python, additive_rubric"
)


def test_a_python_file_without_a_name_says_to_add_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(GRADERS)]) == 3
    assert capsys.readouterr().err == (
        f"error: {GRADERS} is a Python file: add ':NAME' to choose a grader, e.g. "
        f"{GRADERS}:exact; {LISTED}\n"
    )


def test_a_wrong_name_lists_the_graders_with_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", f"{GRADERS}:clinical_locl"]) == 3
    assert capsys.readouterr().err == (
        f"error: {GRADERS} has no 'clinical_locl'; did you mean {GRADERS}:clinical_local? "
        f"{LISTED}\n"
    )


def test_validate_lists_the_item_keys_python_graders_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", f"{GRADERS}:clinical_python"]) == 0
    out = capsys.readouterr().out
    assert "reads: item['reference_answer'] (python 'clinical_phrase_grader', source line 9)" in out


def test_validate_refuses_a_sample_field_the_service_never_fills(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    grader = tmp_path / "g.json"
    grader.write_text(json.dumps({"type": "string_check", "name": "s", "operation": "eq",
                                  "input": "{{ sample.output }}", "reference": "a"}))  # fmt: skip
    assert main(["validate", str(grader)]) == 3
    assert capsys.readouterr().err == (
        "error: string_check 's': reads {{ sample.output }}, a field no service sample has; "
        "did you mean {{ sample.output_text }}?\n"
    )
