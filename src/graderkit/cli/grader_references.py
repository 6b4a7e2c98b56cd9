"""Finding a grader from the command line: a JSON file, ``-`` (stdin), or ``module:attribute``."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from graderkit._core.formula.arithmetic import Expression
from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import from_openai
from graderkit.errors import GraderkitError

__all__ = ["GraderNotFound", "load_grader", "read_json_arg"]


class GraderNotFound(GraderkitError):
    """A grader reference does not point at a grader."""


def load_grader(ref: str) -> GraderBase:
    """Load ``grader.json``, ``-`` (JSON on stdin), ``pkg.module:name`` or ``file.py:name``.

    Examples:
        >>> load_grader("tests/fixtures/spec-examples/python-no-name.json").type
        'python'
    """
    if ref == "-":
        return from_openai(sys.stdin.read())
    if ":" in ref and not Path(ref).is_file():
        return _from_python(*ref.rsplit(":", 1))
    path = Path(ref)
    if not path.is_file():
        raise GraderNotFound(
            f"{ref!r} is neither a file nor module:attribute (e.g. graders.py:clinical)"
        )
    return from_openai(path.read_text(encoding="utf-8"))


def _from_python(module: str, attribute: str) -> GraderBase:
    if module.endswith(".py"):
        spec = importlib.util.spec_from_file_location(Path(module).stem, module)
        if spec is None or spec.loader is None:
            raise GraderNotFound(f"cannot import {module!r}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(module)
    value: Any = getattr(mod, attribute, None)
    if isinstance(value, Expression):
        raise GraderNotFound(
            f"{module}:{attribute} is a formula; wrap it with graderkit.multi(..., name=...)"
        )
    if not isinstance(value, GraderBase):
        found = type(value).__name__ if value is not None else "nothing"
        raise GraderNotFound(f"{module}:{attribute} is {found}, not a grader")
    return value


def read_json_arg(text: str | None, file: str | None, what: str) -> Any:
    """Parse a JSON argument given inline or as a file; ``None`` when neither is given."""
    if file is not None:
        text = Path(file).read_text(encoding="utf-8")
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraderNotFound(f"{what} is not valid JSON: {exc}") from None
