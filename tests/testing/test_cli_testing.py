"""``graderkit check`` and ``graderkit probe``: readable reports, exit 1 when something fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graderkit.cli import main
from graderkit.testing.scripted_judge import JudgeCall, ScriptedJudge

ROOT = Path(__file__).resolve().parents[2]
CLINICAL = ROOT / "examples" / "clinical"
GRADERS = CLINICAL / "graders.py"
BROKEN = ROOT / "tests" / "fixtures" / "broken_graders.py"
DATA = ["--data", str(CLINICAL / "items.jsonl")]


def test_probe_fails_the_cookbook_grader_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graderkit.cli", "probe", f"{GRADERS}:clinical_python", *DATA,
         "--probes", "hedge,padding_detail"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "probe multi 'clinical_python' on 36 rows: 1 of 2 probes FAILED"
    assert any(line.lstrip().startswith("FAILED  hedge") for line in lines)
    assert any(line.lstrip().startswith("ok      padding_detail") for line in lines)
    assert any(
        line.strip().startswith("clinical_phrase: hedge 36/36, padding_detail 36/36")
        for line in lines
    )


def test_probe_passes_exact_match(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", f"{GRADERS}:exact", *DATA]) == 0
    assert capsys.readouterr().out.startswith("probe string_check 'exact' on 36 rows: no probe won")


def test_probe_uses_given_wrong_answers_and_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    answers = ["--answers", str(CLINICAL / "predictions.jsonl")]
    code = main(
        ["probe", f"{GRADERS}:clinical_local", *DATA, *answers, "--json", "--max-items", "5"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False and report["rows"] == 5
    assert report["notes"][0].startswith("wrong answers: ") and "given" in report["notes"][0]


def test_probe_refuses_unknown_probe_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", f"{GRADERS}:exact", *DATA, "--probes", "hedge,nope"]) == 2
    assert "unknown probe(s) ['nope']" in capsys.readouterr().err


def test_check_passes_a_sound_grader_on_predictions(capsys: pytest.CaptureFixture[str]) -> None:
    samples = ["--samples", str(CLINICAL / "predictions.jsonl")]
    assert main(["check", f"{GRADERS}:clinical_python", *DATA, *samples]) == 0
    out = capsys.readouterr().out
    assert out.startswith("check multi 'clinical_python' on 108 rows: all checks passed")
    assert "ok       deterministic" in out


@pytest.mark.parametrize(
    ("name", "check"),
    [("harmonic", "no_errors"), ("first_word", "no_errors"), ("jittered_exact", "deterministic")],
)
def test_check_fails_a_broken_grader(
    capsys: pytest.CaptureFixture[str], name: str, check: str
) -> None:
    assert main(["check", f"{BROKEN}:{name}", *DATA]) == 1
    assert any(
        line.strip().startswith(f"FAILED   {check}")
        for line in capsys.readouterr().out.splitlines()
    )


def test_check_strict_turns_warnings_into_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", f"{BROKEN}:word_hits", *DATA]) == 0
    assert "warning  reward_range" in capsys.readouterr().out
    assert main(["check", f"{BROKEN}:word_hits", *DATA, "--strict", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [o["check"] for o in report["outcomes"] if o["status"] == "failed"] == ["reward_range"]


def _careful(call: JudgeCall) -> float:
    reference, answer = call.last.removeprefix("Ref ").split(" / ", 1)
    return 1.0 if answer == reference else 0.0


def test_model_grader_probe_records_then_replays_a_cassette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = tmp_path / "rows.jsonl"
    lines = [
        json.dumps({"id": f"r{i}", "reference_answer": a}) for i, a in enumerate(["gout", "sepsis"])
    ]
    rows.write_text("\n".join(lines))
    grader = tmp_path / "judge.json"
    grader.write_text(json.dumps({
        "type": "score_model", "name": "judge", "model": "gpt-4.1",
        "input": [{"role": "user", "content": "Ref {{ item.reference_answer }} / {{ sample.output_text }}"}],
    }))  # fmt: skip
    tape = tmp_path / "tape.jsonl"
    args = ["probe", str(grader), "--data", str(rows), "--probes", "hedge,prompt_injection"]
    with ScriptedJudge() as judge:  # the "real" judge, reached through the environment
        judge.score_with(_careful)
        monkeypatch.setenv("OPENAI_BASE_URL", judge.server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli")
        assert main([*args, "--cassette", str(tape), "--record"]) == 0
        sent = judge.server.request_count
    assert sent == 2 * 4 and len(tape.read_text().splitlines()) == sent
    capsys.readouterr()
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main([*args, "--cassette", str(tape)]) == 0  # replayed: no server, no key
    assert "no probe won" in capsys.readouterr().out
