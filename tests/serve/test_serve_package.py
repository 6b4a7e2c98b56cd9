"""The server package stays apart: ``import graderkit`` never loads it or its web stack, and
its settings travel to worker processes as JSON without the key."""

from __future__ import annotations

import subprocess
import sys

import pytest

import graderkit as gk
from graderkit.serve import ServeSettings


def test_import_graderkit_loads_no_server() -> None:
    code = (
        "import sys, graderkit, graderkit.cli\n"
        "print(sorted(m for m in ('graderkit.serve', 'starlette', 'uvicorn', 'orjson') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_settings_travel_as_json_without_the_key() -> None:
    python = gk.python_grader(_grade, name="python")
    settings = ServeSettings(graders={"p": python}, api_key="a-secret-key-123", max_batch=10,
                             cors_origins=("https://a.example",), judge={"cache_dir": "c"})  # fmt: skip
    text = settings.to_json()
    assert "a-secret-key-123" not in text
    again = ServeSettings.from_json(text)
    assert again.graders == settings.graders and again.max_batch == 10
    assert again.cors_origins == ("https://a.example",) and again.api_key is None


@pytest.mark.parametrize("bad", [{"max_batch": 0}, {"request_timeout": 0}, {"judge": {"x": 1}}])
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(gk.GraderkitError):
        ServeSettings(**bad)  # type: ignore[arg-type]


def _grade(sample: dict[str, object], item: dict[str, object]) -> float:
    return 1.0
