"""Every command, fed bad input of every kind, answers with one line and its documented code.

The commands are enumerated from the real parser, so a new command without cases here fails
``test_every_command_is_covered``. Kinds: usage (an unknown option), a bad grader reference or
grader file, a bad input data file (missing, a directory, not UTF-8, 100k-deep JSON, a
5,000-digit integer, not JSON), and an output that cannot be written (under a regular file,
a directory, ``/dev/full``: a real ENOSPC from the kernel). Each runs in-process through
``graderkit.cli.main``; a few run as real subprocesses too (exit status, stderr as a user
sees it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graderkit.cli import build_parser, main
from graderkit.cli.exit_codes import BUG_REPORT, MEANINGS, ExitCode, classify
from graderkit.testing.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
CLINICAL = ROOT / "examples" / "clinical"
GRADERS_PY = CLINICAL / "graders.py"
LOCAL = f"{GRADERS_PY}:clinical_local"
ITEMS = str(CLINICAL / "items.jsonl")
PREDICTIONS = str(CLINICAL / "predictions.jsonl")
GOLDEN = str(ROOT / "tests" / "fixtures" / "golden" / "observed.jsonl")
EVALS = ROOT / "tests" / "fixtures" / "evals"
ROWS = str(EVALS / "clinical-short-answers.rows.jsonl")
MADE: dict[str, str] = {}
"""Files the ``world`` fixture makes: ``results`` (a results file of LOCAL) and ``eval`` (the
fixture eval without its judge criterion)."""

Argv = Callable[[str], list[str]]


@dataclass(frozen=True)
class Command:
    """How to put a bad value in each slot of one command (``None``: the command has none)."""

    grader: Argv | None = None
    data: tuple[Argv, ...] = ()
    output: tuple[Argv, ...] = ()
    checks_data: bool = False  # a checker: bad lines are reported (exit 1), not raised


def _grade(**over: str) -> list[str]:
    args = {"grader": LOCAL, "--data": ITEMS, "--samples": PREDICTIONS, **over}
    return ["grade", args.pop("grader"), *[x for kv in args.items() for x in kv], "--quiet"]


def _parity_record(grader: str = LOCAL, data: str = ITEMS, out: str = "g.jsonl") -> list[str]:
    return ["parity", "record", grader, "--data", data, "--samples", PREDICTIONS,
            "--out", out, "--limit", "3", *_connection()]  # fmt: skip


def _sample(data: str = ITEMS, out: str = "p.jsonl") -> list[str]:
    return ["sample", "--model", "m", "--data", data, "--out", out, "--limit", "3",
            *_connection()]  # fmt: skip


def _connection() -> list[str]:
    return ["--base-url", os.environ.get("GRADERKIT_TEST_BASE_URL", "http://127.0.0.1:9")]


COMMANDS: dict[str, Command] = {
    "validate": Command(grader=lambda g: ["validate", g]),
    "compile": Command(grader=lambda g: ["compile", g]),
    "run": Command(
        grader=lambda g: ["run", g, "--sample", "x"],
        data=(lambda d: ["run", LOCAL, "--sample", "x", "--item-file", d],),
    ),
    "grade": Command(
        grader=lambda g: _grade(grader=g),
        data=(lambda d: _grade(**{"--data": d}), lambda d: _grade(**{"--samples": d})),
        output=(lambda o: _grade(**{"--out": o}),),
    ),
    "data check": Command(
        grader=lambda g: ["data", "check", g, "--data", ITEMS],
        data=(
            lambda d: ["data", "check", LOCAL, "--data", d],
            lambda d: ["data", "check", LOCAL, "--data", ITEMS, "--samples", d],
        ),
        checks_data=True,
    ),
    "sample": Command(
        data=(lambda d: _sample(data=d),),
        output=(lambda o: _sample(out=o),),
    ),
    "report": Command(
        data=(lambda d: ["report", d, "--no-html"],),
        output=(lambda o: ["report", MADE["results"], "--html", o],),
    ),
    "compare": Command(
        data=(lambda d: ["compare", d, MADE["results"], "--no-html"],),
        output=(lambda o: ["compare", MADE["results"], MADE["results"], "--html", o],),
    ),
    "job": Command(
        grader=lambda g: ["job", g, "--training-file", ITEMS, "--dry-run"],
        data=(lambda d: ["job", LOCAL, "--training-file", d, "--dry-run"],),
    ),
    "parity record": Command(
        grader=lambda g: _parity_record(grader=g),
        data=(lambda d: _parity_record(data=d),),
        output=(lambda o: _parity_record(out=o),),
    ),
    "parity check": Command(data=(lambda d: ["parity", "check", d],)),
    "check": Command(
        grader=lambda g: ["check", g, "--data", ITEMS],
        data=(
            lambda d: ["check", LOCAL, "--data", d],
            lambda d: ["check", LOCAL, "--data", ITEMS, "--samples", d],
        ),
    ),
    "probe": Command(
        grader=lambda g: ["probe", g, "--data", ITEMS, "--max-items", "1"],
        data=(
            lambda d: ["probe", LOCAL, "--data", d],
            lambda d: ["probe", LOCAL, "--data", ITEMS, "--answers", d],
        ),
    ),
    "evals migrate": Command(
        data=(lambda d: ["evals", "migrate", MADE["eval"], "--data", d],),
        output=(
            lambda o: ["evals", "migrate", MADE["eval"], "--data", ROWS, "--results", o],
            lambda o: ["evals", "migrate", MADE["eval"], "--data", ROWS, "--out", o],
        ),
    ),
    "quickstart": Command(output=(lambda o: ["quickstart", o],)),
    "serve": Command(grader=lambda g: ["serve", "--grader", f"g={g}", "--port", "0"]),
    "export verl": Command(
        grader=lambda g: ["export", "verl", g],
        output=(lambda o: ["export", "verl", f"{GRADERS_PY}:exact", "--out", o],),
    ),
    "export openrlhf": Command(
        grader=lambda g: ["export", "openrlhf", g],
        output=(lambda o: ["export", "openrlhf", f"{GRADERS_PY}:exact", "--out", o],),
    ),
    "export promptfoo": Command(
        grader=lambda g: ["export", "promptfoo", g],
        data=(lambda d: ["export", "promptfoo", f"{GRADERS_PY}:exact", "--data", d],),
        output=(lambda o: ["export", "promptfoo", f"{GRADERS_PY}:exact", "--out", o],),
    ),
}


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix} {name}".strip()
                nested = list(_leaves(sub, full))
                yield from nested or [full]


def test_every_command_is_covered() -> None:
    assert sorted(_leaves(build_parser())) == sorted(COMMANDS)


# ---- the bad inputs -----------------------------------------------------------------------


def _bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    files = {
        "not_utf8": b'{"id": "q01", "x": "\xff"}\n',
        "deep": b'{"id": "q01", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        "long_int": b'{"id": "q01", "x": ' + b"7" * 5000 + b"}\n",
        "not_json": b'{"id": "q01", "x": }\n',
    }
    out = {}
    for name, content in files.items():
        (folder / f"{name}.jsonl").write_bytes(content)
        out[name] = folder / f"{name}.jsonl"
    out["missing"] = folder / "missing.jsonl"
    out["directory"] = folder
    return out


def _bad_graders(folder: Path) -> dict[str, tuple[str, str]]:
    """Case -> (reference, a text the one-line message must contain)."""
    folder.mkdir(exist_ok=True)
    (folder / "not_utf8.json").write_bytes(b'{"type": "string_check", "name": "\xff"}')
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "invalid.json").write_text('{"type": "string_check", "operation": "equals"}')
    (folder / "broken.py").write_text("import graderkit as gk\nexact = gk.nope()\n")
    return {
        "missing_py": (str(folder / "nope.py") + ":exact", "nope.py: no such file"),
        "py_without_name": (str(GRADERS_PY), "add ':NAME' to choose a grader"),
        "wrong_name": (f"{GRADERS_PY}:clinical_locl", "did you mean"),
        "not_a_grader": (f"{GRADERS_PY}:HERE", "is a PosixPath, not a grader"),
        "import_fails": (str(folder / "broken.py") + ":exact", "broken.py line 2"),
        "no_module": ("no_such_module_xyz:grader", "no module of that name"),
        "not_utf8": (str(folder / "not_utf8.json"), "not UTF-8"),
        "deep": (str(folder / "deep.json"), "deep.json: nests objects and arrays more than"),
        "invalid": (str(folder / "invalid.json"), "string_check: input is required but missing"),
        "missing_json": (str(folder / "nope.json"), "nope.json is not a file"),
        "directory": (str(folder), "is a directory"),
    }


def _bad_outputs(folder: Path) -> dict[str, tuple[str, str]]:
    folder.mkdir(exist_ok=True)
    (folder / "a-file").write_text("")
    return {
        "under_a_file": (str(folder / "a-file" / "out.jsonl"), "not a directory"),
        "disk_full": ("/dev/full", "no space left on device|not a directory"),
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Bad files, a real results file, and a fake service for the commands that call one."""
    root = tmp_path_factory.mktemp("bad-inputs")
    results = root / "results.jsonl"
    assert main(["grade", LOCAL, "--data", ITEMS, "--samples", PREDICTIONS, "--out",
                 str(results), "--quiet"]) == 0  # fmt: skip
    MADE["results"] = str(results)
    data = json.loads((EVALS / "clinical-short-answers.eval.json").read_text())
    data["testing_criteria"] = [c for c in data["testing_criteria"] if c["type"] != "label_model"]
    (root / "eval.json").write_text(json.dumps(data))
    MADE["eval"] = str(root / "eval.json")
    with FakeOpenAI() as server:
        os.environ["GRADERKIT_TEST_BASE_URL"] = server.base_url
        yield root
        os.environ.pop("GRADERKIT_TEST_BASE_URL", None)


def _cases(kind: str) -> list[tuple[str, int, str]]:
    found = []
    for name, command in COMMANDS.items():
        slots = {"grader": [command.grader] if command.grader else [], "data": command.data,
                 "output": command.output}[kind]  # fmt: skip
        found += [(name, i, kind) for i in range(len(slots))]
    return found


def _run_main(
    argv: list[str], capsys: pytest.CaptureFixture[str], cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    others = [line for line in err.splitlines() if line and not line.startswith("warning: ")]
    assert others == errors, err
    for needle in needles:
        assert needle in errors[0], errors[0]


# ---- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_unknown_option_is_a_usage_error(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run_main([*name.split(), "--no-such-option"], capsys, tmp_path, monkeypatch)
    assert code == ExitCode.USAGE
    last = err.strip().splitlines()[-1]  # argparse names the (sub)command it stopped at
    assert "Traceback" not in err and last.startswith("graderkit") and ": error: " in last


@pytest.mark.parametrize(("name", "slot", "kind"), _cases("grader"))
@pytest.mark.parametrize(
    "case", ["missing_py", "py_without_name", "wrong_name", "not_a_grader", "import_fails",
             "no_module", "not_utf8", "deep", "invalid", "missing_json", "directory"],
)  # fmt: skip
def test_a_bad_grader_is_one_line_and_exit_3(
    world: Path, name: str, slot: int, kind: str, case: str,
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    ref, needle = _bad_graders(tmp_path / "graders")[case]
    grader = COMMANDS[name].grader
    assert grader is not None
    code, _, err = _run_main(grader(ref), capsys, tmp_path, monkeypatch)
    _assert_one_line(err, needle)
    assert code == ExitCode.BAD_GRADER


REASONS = {
    "not_utf8": "not UTF-8 text (byte 0xff at column 21)",
    "deep": "nested too deeply",
    "long_int": "a number too long to read (value has 5000 digits)",
    "not_json": "not valid JSON",
    "missing": "no such file or directory",
    "directory": "is a directory",
}


@pytest.mark.parametrize(("name", "slot", "kind"), _cases("data"))
@pytest.mark.parametrize("case", sorted(REASONS))
def test_bad_data_names_the_file_and_line_with_exit_4(
    world: Path, name: str, slot: int, kind: str, case: str,
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path = _bad_files(tmp_path / "data")[case]
    command = COMMANDS[name]
    code, out, err = _run_main(command.data[slot](str(path)), capsys, tmp_path, monkeypatch)
    where = str(path) if case in ("missing", "directory") else f"{path}:1"
    if name == "run" and case not in ("missing", "directory"):  # one JSON document, not lines
        where = f"--item {path}: "
    if command.checks_data and case not in ("missing", "directory"):
        assert code == ExitCode.CHECK_FAILED and "Traceback" not in err
        assert "line 1" in out and REASONS[case] in out  # reported with the other problems
        return
    _assert_one_line(err, REASONS[case])
    assert where in err or (str(path) in err and "(line 1)" in err)  # job: via data check
    assert code == ExitCode.BAD_DATA


@pytest.mark.parametrize(("name", "slot", "kind"), _cases("output"))
@pytest.mark.parametrize("case", ["under_a_file", "disk_full"])
def test_an_output_that_cannot_be_written_is_exit_5(
    world: Path, name: str, slot: int, kind: str, case: str,
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path, needles = _bad_outputs(tmp_path / "out")[case]
    code, _, err = _run_main(COMMANDS[name].output[slot](path), capsys, tmp_path, monkeypatch)
    _assert_one_line(err, path)
    assert any(n in err.lower() for n in needles.split("|")), err  # a directory slot: not ENOSPC
    assert code == ExitCode.IO


@pytest.mark.parametrize(
    ("case", "needle"),
    [("not_utf8", "not UTF-8"), ("deep", "nested too deeply"), ("invalid", "not valid JSON"),
     ("missing_json", "no such file or directory"), ("directory", "is a directory")],
)  # fmt: skip
def test_a_bad_eval_file_is_one_line_and_exit_3(
    world: Path, case: str, needle: str,
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    folder = tmp_path / "evals"
    folder.mkdir()
    (folder / "not_utf8.json").write_bytes(b'{"name": "\xff"}')
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "invalid.json").write_text('{"name": ')
    ref = {"missing_json": folder / "nope.json", "directory": folder}.get(case)
    ref = ref or folder / f"{case}.json"
    argv = ["evals", "migrate", str(ref), "--data", ROWS]
    code, _, err = _run_main(argv, capsys, tmp_path, monkeypatch)
    _assert_one_line(err, needle)
    assert code == ExitCode.BAD_GRADER


def test_a_results_directory_as_out_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run_main(_grade(**{"--out": str(tmp_path)}), capsys, tmp_path, monkeypatch)
    _assert_one_line(err, f"{tmp_path}: is a directory; give a results file path such as")
    assert code == ExitCode.IO


def test_a_bug_shows_its_traceback_and_asks_for_a_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("graderkit.cli.basic_commands.to_json", broken)
    assert main(["compile", f"{GRADERS_PY}:exact"]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" in err and f"error: ZeroDivisionError: a bug; {BUG_REPORT}" in err


def test_classify_keeps_unknown_errors_internal_and_os_errors_named() -> None:
    assert classify(RuntimeError("x"))[0] is ExitCode.INTERNAL
    code, message = classify(PermissionError(13, "Permission denied", "/etc/x"))
    assert code is ExitCode.IO and message.startswith("/etc/x: permission denied; check")
    assert classify(ModuleNotFoundError("no", name="nltk"))[0] is ExitCode.ENVIRONMENT


def test_the_exit_codes_are_documented_in_help_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    docs = (ROOT / "docs" / "cli.md").read_text()
    for code in ExitCode:
        row = f"{int(code):>3}  {MEANINGS[code]}"
        assert row in text and row in docs


# ---- as a user sees it: real processes ----------------------------------------------------


def _graderkit(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graderkit.cli", *argv],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


def test_in_a_real_process(tmp_path: Path) -> None:
    bad = _bad_files(tmp_path / "data")
    cases = [
        (["validate", str(tmp_path / "nope.py") + ":x"], ExitCode.BAD_GRADER, "no such file"),
        (_grade(**{"--data": str(bad["not_utf8"])}), ExitCode.BAD_DATA, f"{bad['not_utf8']}:1"),
        (_grade(**{"--samples": str(bad["deep"])}), ExitCode.BAD_DATA, f"{bad['deep']}:1"),
        (_grade(**{"--samples": str(bad["long_int"])}), ExitCode.BAD_DATA, "5000 digits"),
        (_grade(**{"--out": "/dev/full"}), ExitCode.IO, "no space left on device"),
        (["grade", LOCAL], ExitCode.USAGE, "the following arguments are required"),
    ]
    for argv, code, needle in cases:
        done = _graderkit(*argv, cwd=tmp_path)
        assert "Traceback" not in done.stderr and needle in done.stderr, (argv, done.stderr)
        assert done.returncode == code, (argv, done.stderr)


def test_a_file_size_limit_is_an_io_error_too(tmp_path: Path) -> None:
    """RLIMIT_FSIZE (with SIGXFSZ ignored) makes the kernel refuse writes past 1 kB: EFBIG."""
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
        "from graderkit.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", script, *_grade(**{"--out": str(out)})],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    assert f"error: {out}: cannot write: file too large" in done.stderr
    assert done.returncode == ExitCode.IO
    assert (
        main(_grade(**{"--out": str(out)})) == 0
    )  # without the limit: resumes, cuts the torn line
    assert [json.loads(line)["run"] for line in out.read_text().splitlines()].count(0) == 36
