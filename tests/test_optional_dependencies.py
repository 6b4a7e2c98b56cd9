"""A missing optional library raises graderkit's MissingDependency naming the pip install line.

Each case runs in a fresh interpreter in which the library is made unimportable the way Python
itself spells it (``sys.modules[name] = None``: ``import name`` then raises
``ModuleNotFoundError`` and ``importlib.util.find_spec(name)`` returns ``None``), so the real
import statements of graderkit are exercised, not a patched helper.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graderkit._optional import OPTIONAL

ROOT = Path(__file__).parent.parent

PRELUDE = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None
import graderkit as gk

def expect_missing(run, install):
    try:
        run()
    except gk.MissingDependency as exc:
        assert isinstance(exc, ImportError) and install in str(exc), exc
        print("missing:", exc)
    else:
        raise AssertionError("no MissingDependency")
"""

CASES = {
    "meteor without nltk": (
        ["nltk"],
        """
        meteor = gk.text_similarity("{{ sample.output_text }}", "{{ item.a }}",
                                    evaluation_metric="meteor", name="m")
        assert gk.to_openai(meteor)["evaluation_metric"] == "meteor"  # compiling needs no nltk
        expect_missing(lambda: gk.grade(meteor, "a cat", {"a": "a cat"}),
                       "pip install 'graderkit[metrics]'")
        expect_missing(lambda: gk.grade_many(meteor, ["a"], [{"a": "a"}]),
                       "pip install 'graderkit[metrics]'")
        """,
        "the meteor metric needs nltk, which is not installed: pip install 'graderkit[metrics]'",
    ),
    "strategies without hypothesis": (
        ["hypothesis"],
        """
        from graderkit.testing import assert_reward  # the rest of graderkit.testing still works
        exact = gk.string_check("{{ sample.output_text }}", "a", name="a")
        assert assert_reward(exact, "a", {}, 1.0).reward == 1.0
        def load():
            import graderkit.testing.strategies
        expect_missing(load, "pip install 'graderkit[testing]'")
        """,
        "graderkit.testing's hypothesis strategies needs hypothesis, which is not installed: "
        "pip install 'graderkit[testing]'",
    ),
    "ray integration without ray": (
        ["ray"],
        """
        from graderkit.integrations.ray import require_ray
        expect_missing(require_ray, "pip install 'graderkit[ray]'")
        """,
        "graderkit.integrations.ray needs ray, which is not installed: pip install 'graderkit[ray]'",
    ),
    "verifiers integration without verifiers": (
        ["verifiers"],
        """
        from graderkit.integrations.verifiers import require_verifiers
        expect_missing(require_verifiers, "pip install 'graderkit[verifiers]'")
        """,
        "graderkit.integrations.verifiers needs verifiers, which is not installed: "
        "pip install 'graderkit[verifiers]'",
    ),
    "graderkit serve without starlette": (
        ["starlette"],
        """
        expect_missing(lambda: __import__("graderkit.serve"), "pip install 'graderkit[serve]'")
        """,
        "graderkit serve needs starlette, which is not installed: pip install 'graderkit[serve]'",
    ),
    "the ray serve deployment without ray": (
        ["ray"],
        """
        from graderkit.serve.ray_serve import deployment
        expect_missing(deployment, "pip install 'graderkit[ray-serve]'")
        """,
        "graderkit's Ray Serve deployment needs ray, which is not installed: "
        "pip install 'graderkit[ray-serve]'",
    ),
    "http='aiohttp' without aiohttp": (
        ["aiohttp"],
        """
        from graderkit._run.judge.openai_client import _http_client
        assert type(_http_client("auto", 8)).__name__ == "_DefaultAsyncHttpxClient"
        expect_missing(lambda: _http_client("aiohttp", 8), "pip install 'openai[aiohttp]'")
        """,
        "http='aiohttp' needs aiohttp, which is not installed: pip install 'openai[aiohttp]'",
    ),
}


def _run(blocked: list[str], body: str) -> subprocess.CompletedProcess[str]:
    code = PRELUDE.format(blocked=blocked) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_missing_library_names_its_install_line(case: str) -> None:
    blocked, body, message = CASES[case]
    done = _run(blocked, body)
    assert done.returncode == 0, done.stderr
    assert f"missing: {message}" in done.stdout.splitlines()


def test_the_cli_says_what_to_install_in_one_line(tmp_path: Path) -> None:
    grader = tmp_path / "meteor.json"
    grader.write_text(
        json.dumps(
            {"type": "text_similarity", "name": "m", "evaluation_metric": "meteor",
             "input": "{{ sample.output_text }}", "reference": "{{ item.a }}"}
        )
    )  # fmt: skip
    (tmp_path / "items.jsonl").write_text('{"a": "a cat"}\n')
    (tmp_path / "predictions.jsonl").write_text('{"output_text": "a cat"}\n')
    argv = ["grade", str(grader), "--data", str(tmp_path / "items.jsonl"),
            "--samples", str(tmp_path / "predictions.jsonl"), "--out", str(tmp_path / "r.jsonl")]  # fmt: skip
    code = f"import sys\nsys.modules['nltk'] = None\nfrom graderkit.cli import main\nsys.exit(main({argv!r}))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "error: the meteor metric needs nltk, which is not installed: " in done.stderr
    assert "pip install 'graderkit[metrics]'" in done.stderr


def test_without_numpy_the_pure_python_paths_give_the_same_numbers() -> None:
    # numpy only accelerates large fuzzy_match columns and linear formulas: without it the
    # batch must still grade, bit-identically (the accelerated run is printed alongside).
    body = """
    fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.a }}", name="fuzzy")
    exact = gk.string_check("{{ sample.output_text }}", "{{ item.a }}", name="exact")
    g = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
    samples = [f"word{i % 97} x{i % 13}" for i in range(5000)]
    items = [{"a": f"word{i % 89} x{i % 13}"} for i in range(5000)]
    total = sum(gk.grade_many(g, samples, items).rewards)
    print(sys.modules.get("numpy") is not None, repr(total))
    """
    without = _run(["numpy"], body)
    with_numpy = _run([], body)
    assert without.returncode == 0 and with_numpy.returncode == 0, (
        without.stderr + with_numpy.stderr
    )
    off, total = without.stdout.split()
    on, total_numpy = with_numpy.stdout.split()
    assert (off, on) == ("False", "True")
    assert total == total_numpy and float(total) > 0


def _extras() -> dict[str, set[str]]:
    """Extra -> the distributions it lists, from graderkit's installed metadata."""
    extras: dict[str, set[str]] = {}
    for requirement in importlib.metadata.requires("graderkit") or []:
        marker = re.search(r"extra == '([^']+)'", requirement)
        if marker:
            name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
            extras.setdefault(marker.group(1), set()).add(name.lower().replace("_", "-"))
    return extras


def test_every_extra_named_in_the_table_exists_and_provides_the_module() -> None:
    extras = _extras()
    provided_by_another = {"pyarrow": "ray"}  # ray[data] brings pyarrow
    for module, requirement in OPTIONAL.items():
        package, _, extra = requirement.partition("[")
        if package != "graderkit":
            continue
        expected = provided_by_another.get(module, module).replace("_", "-")
        listed = extras[extra.rstrip("]")]
        assert expected in listed, f"{module}: extra {requirement} lists {sorted(listed)}"
