"""A python grader's source is checked (size under 256 kB, syntax with line and column, a
``grade(sample, item)`` taking two positional parameters) on every path that makes one:
``from_openai``, ``PythonGrader(...)``, ``graderkit validate`` and the ``python_grader``
factory, with the same message on each (issue 15, item 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import graderkit as gk
from graderkit._core.graders.python_source import MAX_SOURCE_BYTES
from graderkit.cli import main

OK = "def grade(sample, item):\n    return 1.0\n"
CASES: dict[str, tuple[str, str]] = {
    "too large (256 kB)": (
        OK + "#" * MAX_SOURCE_BYTES + "\n",
        f"the service accepts sources under {MAX_SOURCE_BYTES} bytes (256 kB)",
    ),
    "a syntax error, with line and column": (
        "import math\n\ndef grade(sample, item)\n    return 1.0\n",
        "has a syntax error at line 3, column 24: expected ':'",
    ),
    "a compile-time error": ("return 1.0\n", "has a syntax error at line 1"),
    "a NUL character": ("def grade(s, i):\n    return 1.0\0\n", "contains a NUL character at line 2"),
    "no grade": ("def score(sample, item):\n    return 1.0\n", "defines no module-level grade()"),
    "grade with one parameter": (
        "def grade(sample):\n    return 1.0\n",
        "grade() has 1 positional parameter (sample)",
    ),
    "grade with *args": ("def grade(*args):\n    return 1.0\n", "grade() takes *args"),
    "grade with keyword-only parameters": (
        "def grade(sample, item, *, strict):\n    return 1.0\n",
        "grade() has keyword-only parameters (strict)",
    ),
    "an async grade": (
        "async def grade(sample, item):\n    return 1.0\n",
        "defines grade as an async function",
    ),
}  # fmt: skip


def _from_openai(source: str, tmp: Path) -> None:
    gk.from_openai({"type": "python", "name": "g", "source": source})


def _constructor(source: str, tmp: Path) -> None:
    gk.PythonGrader(name="g", source=source)


def _factory(source: str, tmp: Path) -> None:
    gk.python_grader(source, name="g", imports="ignore")


def _validate(source: str, tmp: Path) -> None:
    path = tmp / "grader.json"
    path.write_text(json.dumps({"type": "python", "name": "g", "source": source}))
    assert main(["validate", str(path)]) == 0


PATHS: dict[str, Callable[[str, Path], None]] = {
    "from_openai": _from_openai,
    "PythonGrader(...)": _constructor,
    "python_grader": _factory,
    "graderkit validate": _validate,
}


def _message(path: str, source: str, tmp: Path, capsys: pytest.CaptureFixture[str]) -> str:
    if path == "graderkit validate":
        _write_and_validate = PATHS[path]
        with pytest.raises(AssertionError):
            _write_and_validate(source, tmp)
        err = capsys.readouterr().err
        assert err.startswith("error: "), err
        return err.removeprefix("error: ").rstrip("\n")
    with pytest.raises(gk.InvalidGrader) as caught:
        PATHS[path](source, tmp)
    return str(caught.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_path_refuses_the_source_with_the_same_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, expected = CASES[case]
    messages = {path: _message(path, source, tmp_path, capsys) for path in PATHS}
    assert len(set(messages.values())) == 1, messages
    message = messages["from_openai"]
    assert message.startswith("python 'g': source="), message
    assert expected in message


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_path_accepts_a_good_source(
    path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    PATHS[path](OK, tmp_path)
    just_under = OK + "#" * (MAX_SOURCE_BYTES - len(OK) - 2) + "\n"
    assert len(just_under.encode()) == MAX_SOURCE_BYTES - 1
    PATHS[path](just_under, tmp_path)


def test_a_python_grader_inside_a_multi_is_checked_too() -> None:
    child = {"type": "python", "name": "g", "source": CASES["grade with one parameter"][0]}
    wire = {"type": "multi", "name": "m", "graders": {"g": child}, "calculate_output": "g"}
    with pytest.raises(gk.InvalidGrader) as caught:
        gk.from_openai(wire)
    assert caught.value.field == "graders.g.source"
    assert "grade() has 1 positional parameter (sample)" in caught.value.problem
