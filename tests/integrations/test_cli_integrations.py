"""``graderkit evals migrate`` and ``graderkit export promptfoo``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

import graderkit as gk
from graderkit.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "evals"
EVAL = FIXTURES / "clinical-short-answers.eval.json"
ROWS = FIXTURES / "clinical-short-answers.rows.jsonl"


@pytest.fixture
def local_eval(tmp_path: Path) -> Path:
    """The fixture eval without its label_model criterion (which needs a judge model)."""
    data = json.loads(EVAL.read_text())
    data["testing_criteria"] = [c for c in data["testing_criteria"] if c["type"] != "label_model"]
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(data))
    return path


def test_migrate_prints_per_criterion_results_and_writes_the_criteria(
    local_eval: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, results = tmp_path / "criteria", tmp_path / "results.jsonl"
    code = main(["evals", "migrate", str(local_eval), "--data", str(ROWS),
                 "--out", str(out), "--results", str(results)])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "eval 'clinical-short-answers': 6 criteria" in printed
    assert "items: 108 total" in printed
    assert printed.count("Fuzzy similarity-") == 1
    assert len((out / "criteria.py").read_text().splitlines()) > 6
    assert len(list(out.glob("*.json"))) == 6
    lines = results.read_text().splitlines()
    assert len(lines) == 108
    assert {r["type"] for r in json.loads(lines[0])["results"]} >= {"string-check-grader"}


def test_migrate_fails_when_the_recorded_hosted_run_disagrees(
    local_eval: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    criterion = json.loads(local_eval.read_text())["testing_criteria"][0]  # exact match
    item = {"id": "q", "question": "?", "reference_answer": "sepsis"}
    rows = [{"object": "eval.run.output_item", "datasource_item": item,
             "sample": {"output": [{"role": "assistant", "content": answer}]},
             "results": [{"name": criterion["id"], "passed": hosted, "score": float(hosted)}]}
            for answer, hosted in [("sepsis", True), ("Sepsis", True)]]  # fmt: skip
    data = tmp_path / "items.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["evals", "migrate", str(local_eval), "--data", str(data)]) == 1
    captured = capsys.readouterr()
    assert "1/2" in captured.out and "1 results differ" in captured.err


def test_migrate_reports_bad_rows(
    local_eval: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"item": {"id": 1}, "sample": "x"}) + "\n")
    assert main(["evals", "migrate", str(local_eval), "--data", str(data)]) == 4
    assert "item does not match the eval's item_schema" in capsys.readouterr().err
    assert main(["evals", "migrate", str(local_eval), "--data", str(tmp_path / "none")]) == 4


EXACT = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")


def _grader_file(tmp_path: Path, grader: gk.GraderBase) -> str:
    path = tmp_path / f"{grader.name}.json"
    path.write_text(gk.to_json(grader))
    return str(path)


def test_export_promptfoo_prints_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "promptfoo", _grader_file(tmp_path, EXACT)]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    assert config == {
        "env": {"PROMPTFOO_DISABLE_VAR_EXPANSION": "true"},
        "defaultTest": {"assert": [{"type": "equals", "value": "{{ answer }}"}]},
    }


def test_export_promptfoo_into_an_existing_directory_with_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grader = gk.python_grader("def grade(sample, item):\n    return 1.0\n", name="one")
    both = gk.multi({"p": grader, "e": EXACT}, "p + e", name="both")
    data = tmp_path / "items.jsonl"
    data.write_text('{"answer": 4.0}\n{"answer": "x", "extra": null}\n')
    out = tmp_path / "existing"
    out.mkdir()
    ref = _grader_file(tmp_path, both)
    args = ["export", "promptfoo", ref, "--out", str(out), "--data", str(data), "--python", "/py"]
    assert main(args) == 0
    assert "PROMPTFOO_PYTHON=/py (set in the config's env)" in capsys.readouterr().err
    config = yaml.safe_load((out / "promptfooconfig.yaml").read_text())
    assert config["env"] == {"PROMPTFOO_DISABLE_VAR_EXPANSION": "true", "PROMPTFOO_PYTHON": "/py"}
    assert config["defaultTest"]["threshold"] == 0.0  # a multi without --threshold: no verdict
    assert config["tests"] == [
        {"vars": {"answer": "4.0", "graderkit_item": '{"answer": 4.0}'}},
        {"vars": {"answer": "x", "graderkit_item": '{"answer": "x", "extra": null}'}},
    ]
    assert (out / "graderkit_one.py").exists()


def test_export_promptfoo_writes_python_files_beside_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grader = gk.python_grader("def grade(sample, item):\n    return 1.0\n", name="one")
    ref = _grader_file(tmp_path, grader)
    assert main(["export", "promptfoo", ref]) == 2
    assert "--out" in capsys.readouterr().err
    out = tmp_path / "pf" / "promptfooconfig.json"
    assert main(["export", "promptfoo", ref, "--out", str(out)]) == 0
    assert (
        json.loads(out.read_text())["defaultTest"]["assert"][0]["value"]
        == "file://graderkit_one.py"
    )
    assert "def get_assert" in (tmp_path / "pf" / "graderkit_one.py").read_text()


def test_export_promptfoo_refuses_what_does_not_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ilike = EXACT.replace(operation="ilike", name="ilike")
    assert main(["export", "promptfoo", _grader_file(tmp_path, ilike), "--exact"]) == 3
    assert "only approximately" in capsys.readouterr().err
    assert main(["export", "promptfoo", _grader_file(tmp_path, ilike)]) == 0
    assert "warning: approximate" in capsys.readouterr().err
    fuzzy = gk.text_similarity("{{sample.output_text}}", "x", name="fuzzy")
    assert main(["export", "promptfoo", _grader_file(tmp_path, fuzzy)]) == 3
    assert "has no promptfoo equivalent" in capsys.readouterr().err
