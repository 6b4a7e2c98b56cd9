"""Integration modules import nothing heavy; a missing library is named with its pip extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graderkit.integrations.ray import grade_dataset, require_ray

HEAVY = ("trl", "torch", "transformers", "datasets", "ray", "verifiers", "pyarrow", "pandas",
         "verl", "openrlhf", "numpy")  # fmt: skip


def test_importing_the_integrations_loads_no_third_party_library() -> None:
    code = (
        "import sys\n"
        "import graderkit.integrations.trl, graderkit.integrations.verifiers\n"
        "import graderkit.integrations.promptfoo, graderkit.integrations.ray\n"
        "import graderkit.integrations.verl, graderkit.integrations.openrlhf\n"
        "import graderkit.integrations.verifiers_legacy\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import graderkit as gk

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'graderkit\[ray\]'"):
        require_ray()
    exact = gk.string_check("{{sample.output_text}}", "a", name="a")
    with pytest.raises(ImportError, match=r"graderkit\.integrations\.ray needs ray"):
        grade_dataset(object(), exact)
