"""What a release needs: one version, a changelog, the example data in the package, quickstart.

The build itself (sdist, wheel, twine, an install into a fresh venv) is checked by
``scripts/check-dist.sh`` (``make dist-check``, run by ``.ci/run``).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

import pytest

import graderkit as gk
from graderkit import examples
from graderkit.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_there_is_one_version_source(capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^version\s*=", pyproject, re.M) is None
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "src/graderkit/__init__.py"' in pyproject
    assert importlib.metadata.version("graderkit") == gk.__version__
    assert main(["--version"]) == 0  # main returns argparse's exit status
    assert capsys.readouterr().out == f"graderkit {gk.__version__}\n"


def test_the_changelog_has_an_unreleased_section_and_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(gk.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


@pytest.mark.parametrize("file", examples.EXAMPLES["clinical"])
def test_the_packaged_example_is_the_repository_example(file: str) -> None:
    packaged = examples.files("clinical").joinpath(file).read_bytes()
    assert packaged == (ROOT / "examples" / "clinical" / file).read_bytes()


def test_an_unknown_example_is_named() -> None:
    with pytest.raises(gk.GraderkitError, match=r"no bundled example 'nope'; the examples are"):
        examples.files("nope")


def test_quickstart_writes_the_example_and_it_grades_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["quickstart", "here"]) == 0
    out = capsys.readouterr().out
    assert "wrote here/clinical/" in out and "graderkit grade here/clinical/graders.py" in out
    assert sorted(p.name for p in (tmp_path / "here" / "clinical").iterdir()) == sorted(
        examples.EXAMPLES["clinical"]
    )
    argv = ["grade", "here/clinical/graders.py:clinical_local", "--data",
            "here/clinical/items.jsonl", "--samples", "here/clinical/predictions.jsonl",
            "--out", "results.jsonl", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == len(examples.predictions()) == 108
    assert {json.loads(line)["id"] for line in lines} == {row["id"] for row in examples.items()}


def test_quickstart_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quickstart", str(tmp_path)]) == 0
    (tmp_path / "clinical" / "items.jsonl").write_text("mine\n")
    assert main(["quickstart", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "items.jsonl already exists" not in err  # the first file
    assert "graders.py already exists" in err and "--force" in err
    assert (tmp_path / "clinical" / "items.jsonl").read_text() == "mine\n"
    assert main(["quickstart", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "clinical" / "items.jsonl").read_bytes() == (
        examples.files().joinpath("items.jsonl").read_bytes()
    )


def test_quickstart_into_an_unwritable_place_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["quickstart", str(blocker)]) == 5  # ExitCode.IO
    err = capsys.readouterr().err
    assert err.startswith(f"error: {blocker / 'clinical'}: cannot write: ") and err.count("\n") == 1
