"""A generated reward file: a trainer loads a Python file by path, so the grader travels as its
JSON inside the file, and the file calls graderkit's adapter (graderkit must be installed
where the trainer runs). Used by ``graderkit export verl`` and ``graderkit export openrlhf``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from graderkit._core.graders.models import GraderBase

__all__ = ["grader_literal", "reward_file_name", "write_reward_file"]


def grader_literal(grader: GraderBase) -> str:
    """Python source that evaluates to the grader's JSON text (a ``json.loads`` argument).

    Examples:
        >>> import ast
        >>> import graderkit as gk
        >>> text = ast.literal_eval(grader_literal(gk.string_check("{{sample.output_text}}", "yes", name="e")))
        >>> json.loads(text)["reference"]
        'yes'
    """
    return repr(json.dumps(grader.wire(), ensure_ascii=False, sort_keys=False))


def reward_file_name(grader: GraderBase, trainer: str) -> str:
    """``graderkit_<name>_<trainer>.py``, the name made a valid Python module name.

    Examples:
        >>> import graderkit as gk
        >>> reward_file_name(gk.string_check("a", "b", name="my exact-match"), "verl")
        'graderkit_my_exact_match_verl.py'
    """
    stem = re.sub(r"\W+", "_", grader.result_name).strip("_") or "grader"
    return f"graderkit_{stem}_{trainer}.py"


def write_reward_file(source: str, out: str | Path, default_name: str) -> Path:
    """Write ``source`` to ``out``, or to ``out/default_name`` when ``out`` is a directory (or
    ends with a path separator); parent directories are created. Returns the path written."""
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", "\\")):
        path = path / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path
