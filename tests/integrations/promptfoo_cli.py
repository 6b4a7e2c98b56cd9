"""Run the real promptfoo CLI (Node.js) offline on configs graderkit exported.

promptfoo is installed by ``scripts/install-promptfoo.sh`` into ``scripts/promptfoo/`` (a pinned
``package.json`` + ``package-lock.json``: promptfoo and the Node.js 22 binary it needs, both from
the npm registry). ``GRADERKIT_PROMPTFOO_DIR`` points elsewhere. When it is missing the tests
FAIL with the command that installs it: CI installs it, nothing here skips.

Every run is offline and leaves no trace: telemetry, update checks, sharing and remote
generation off; the cache off (``--no-cache``) and promptfoo's home (database, logs) in a
temporary directory; HTTP(S) proxies pointed at a closed loopback port, so any request promptfoo
tried to send out would fail rather than leave the machine. The model is
[`PROVIDER`][]: a custom JavaScript provider returning each test's fixed output
(``metadata.graderkit_output``), loaded by promptfoo's own provider loader.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = "bash scripts/install-promptfoo.sh"
VERSION = json.loads((ROOT / "scripts" / "promptfoo" / "package.json").read_text())["dependencies"][
    "promptfoo"
]

PROVIDER = """\
// graderkit's test provider: the output of each test is fixed in its metadata (offline).
module.exports = class FixedOutput {
  id() { return "graderkit-fixed-output"; }
  async callApi(prompt, context) {
    return { output: context.test.metadata.graderkit_output };
  }
};
"""

OFFLINE_ENV = {
    "PROMPTFOO_DISABLE_TELEMETRY": "1",
    "PROMPTFOO_DISABLE_UPDATE": "1",
    "PROMPTFOO_DISABLE_SHARING": "1",
    "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
    "PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION": "1",
    "PROMPTFOO_SELF_HOSTED": "1",
    "PROMPTFOO_CACHE_ENABLED": "false",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def bin_dir() -> Path:
    """``node_modules/.bin`` holding ``promptfoo`` and ``node``; fails (never skips) if absent."""
    base = Path(os.environ.get("GRADERKIT_PROMPTFOO_DIR", ROOT / "scripts" / "promptfoo"))
    found = base / "node_modules" / ".bin"
    if not (found / "promptfoo").exists() or not (found / "node").exists():
        pytest.fail(f"promptfoo {VERSION} is not installed in {base}; run: {INSTALL}")
    return found


@dataclass(frozen=True)
class Outcome:
    """One promptfoo test result."""

    passed: bool
    score: float
    error: bool
    reason: str
    named_scores: Mapping[str, float]


def run_eval(
    config_dir: Path, tests: Sequence[Mapping[str, Any]], home: Path, *, config: str = "promptfooconfig.yaml",
    env: Mapping[str, str] | None = None,
) -> list[Outcome]:  # fmt: skip
    """Add ``tests``, the prompt and the fixed-output provider to ``config_dir/config`` (YAML
    or JSON, as exported), run ``promptfoo eval`` on it and return one outcome per test."""
    import yaml  # type: ignore[import-untyped]

    path = config_dir / config
    suite = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    (config_dir / "graderkit_fixed_output.js").write_text(PROVIDER, encoding="utf-8")
    suite.update(prompts=["graderkit"], providers=["file://graderkit_fixed_output.js"])
    suite["tests"] = [*suite.get("tests", []), *tests]
    run_config = config_dir / "graderkit_run.json"
    run_config.write_text(json.dumps(suite), encoding="utf-8")
    out = config_dir / "results.json"
    home.mkdir(parents=True, exist_ok=True)
    binaries = bin_dir()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTFOO_")}
    full_env = {**inherited, **OFFLINE_ENV, **(env or {})}  # PROMPTFOO_PYTHON: the config's
    full_env["PATH"] = f"{binaries}{os.pathsep}{full_env.get('PATH', '')}"
    full_env["PROMPTFOO_CONFIG_DIR"] = str(home)
    command = [str(binaries / "promptfoo"), "eval", "-c", str(run_config), "-o", str(out),
               "--no-cache", "--no-table", "--no-progress-bar", "--no-share", "-j", "4"]  # fmt: skip
    done = subprocess.run(
        command, cwd=home, env=full_env, capture_output=True, text=True, timeout=600
    )
    if not out.exists():
        pytest.fail(f"promptfoo eval failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    rows = json.loads(out.read_text(encoding="utf-8"))["results"]["results"]
    by_index = {row["testIdx"]: row for row in rows}
    assert sorted(by_index) == list(range(len(suite["tests"]))), done.stdout + done.stderr
    return [_outcome(by_index[i]) for i in range(len(suite["tests"]))]


def _outcome(row: Mapping[str, Any]) -> Outcome:
    grading = row.get("gradingResult") or {}
    return Outcome(
        passed=bool(row["success"]),
        score=float(row["score"]),
        error=row.get("failureReason") == 2,
        reason=str(row.get("error") or grading.get("reason") or ""),
        named_scores=dict(row.get("namedScores") or {}),
    )


def case(output: str, item: Mapping[str, Any], assertions: Sequence[Any] = ()) -> dict[str, Any]:
    """A promptfoo test whose vars are ``item`` and whose model output is ``output``."""
    test: dict[str, Any] = {"vars": dict(item), "metadata": {"graderkit_output": output}}
    if assertions:
        test["assert"] = list(assertions)
    return test
