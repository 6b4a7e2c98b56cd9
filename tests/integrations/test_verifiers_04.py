"""verifiers 0.4, the primary target, in its own virtualenv.

verifiers 0.4.0 requires ``openai<3``, and this project's test environment carries openai 3.x
(with verifiers 0.3 for the legacy Rubric), so one environment cannot hold both. ``make
integrations`` builds ``.venv-verifiers`` (graderkit, its dev tools, ``graderkit[verifiers]``,
i.e. verifiers 0.4 and the openai 2.x it brings, and uv for verifiers' harness); this test runs
test_verifiers_v1.py there, including verifiers' own eval run, and requires every test to pass.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
VENV = Path(os.environ.get("GRADERKIT_VERIFIERS_VENV", ROOT / ".venv-verifiers"))


@pytest.mark.slow
def test_the_v1_suite_passes_with_verifiers_04() -> None:
    python = VENV / "bin" / "python"
    assert python.exists(), f"no {python}: run `make integrations` (it builds {VENV.name})"
    env = {**os.environ, "GRADERKIT_EXPECT_VERIFIERS": "0.4."}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"  # its uv, for the harness
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(Path(__file__).parent / "test_verifiers_v1.py")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False,
    )  # fmt: skip
    tail = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, tail
    summary = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in .*", summary), summary  # nothing skipped or deselected
