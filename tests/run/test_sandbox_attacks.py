"""The hostile suite: every attack of sandbox_attacks/attacks.py, contained in the default sandbox.

Each attack runs in its own host process (sandbox_attacks/driver.py) with a hard timeout, and is
written to stay harmless even if the sandbox failed (see attacks.py). An attack is contained
when its grader got reward 0 with no flag or only the flags the kernel's refusal gives, nothing
reached the host's listeners or wrote the host's files, and honest samples graded right after
it in the same sandbox get exactly their rewards. A subset runs again as an unprivileged user.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "sandbox_attacks"))
from attacks import ATTACKS, SECRET

HERE = Path(__file__).parent / "sandbox_attacks"
ROOT = Path(__file__).parent.parent.parent
HONEST = [0.0, 0.1, 0.2, 0.3, 0.4]
UNPRIVILEGED = ["env-proc-ppid", "env-pid-scan", "net-python", "write-ctypes", "proc-sys-sys",
                "fork-bounded", "kill-parent", "memfd", "tamper-threads"]  # fmt: skip

pytestmark = pytest.mark.slow


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    env = {**(os.environ if env is None else env), "OPENAI_API_KEY": SECRET}  # from its start
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, cwd=ROOT,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:  # our own process group only
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _assert_contained(attack: dict[str, Any], result: dict[str, Any]) -> None:
    assert not result["connected"], "a host listener was reached"
    assert not result["escaped_file"], "a host file was written"
    for outcome in [] if attack.get("own_reward") else result["outcomes"]:
        assert outcome["reward"] == 0.0, outcome
        assert (
            set(outcome["errors"]) <= set(attack["allowed"]) | {"python_grader_server_error"}
            or not outcome["errors"]
        ), outcome
    assert result["honest"] == HONEST


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_contained(name: str) -> None:
    result = _run([sys.executable, str(HERE / "driver.py"), name])
    _assert_contained(ATTACKS[name], result)


# Attacks that are harmless without any sandbox, run in the trusted mode: each must get through
# there, so a contained result above means the sandbox stopped it, not that the attack is broken.
SHOWN_TO_WORK = [
    "env-pid-scan",
    "net-python",
    "write-python",
    "memfd",
    "namespaces",
    "fork-bounded",
]


@pytest.mark.parametrize("name", SHOWN_TO_WORK)
def test_attack_gets_through_without_the_sandbox(name: str) -> None:
    result = _run([sys.executable, str(HERE / "driver.py"), name, "none"])
    escaped = (
        result["connected"] or result["escaped_file"] or result["outcomes"][0]["reward"] == 1.0
    )
    assert escaped, result
    assert result["honest"] == HONEST


def _unprivileged_python() -> list[str]:
    assert os.path.exists("/usr/bin/python3"), "the unprivileged run needs /usr/bin/python3"
    return ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-s"]


@pytest.mark.skipif(os.geteuid() != 0, reason="already unprivileged: the main run covers it")
@pytest.mark.parametrize("name", UNPRIVILEGED)
def test_attack_is_contained_as_an_unprivileged_user(name: str) -> None:
    site = next(p for p in sys.path if p.endswith("site-packages"))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{ROOT / 'src'}:{site}"}
    result = _run([*_unprivileged_python(), str(HERE / "driver.py"), name], env=env)
    _assert_contained(ATTACKS[name], result)


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def _tree(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def test_nothing_survives_a_killed_host() -> None:
    with subprocess.Popen(
        [sys.executable, str(HERE / "orphan_driver.py")], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT,
    ) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            bwraps = [int(p) for p in proc.stdout.readline().split()]
            tree = {p: _start_time(p) for b in bwraps for p in _tree(b)}
            assert len(bwraps) == 2 and len(tree) >= 2 * 4, tree  # bwrap, pid 1, template, child
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 5
            alive = list(tree)
            while alive and time.monotonic() < deadline:
                time.sleep(0.1)
                alive = [p for p, start in tree.items() if start and _start_time(p) == start]
            assert alive == []
        finally:
            if proc.poll() is None:  # our own process group only
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


HOST_UIDS = """
from pathlib import Path
from graderkit._run.sandbox.supervisor import PythonSandbox
with PythonSandbox(workers=1) as box:
    assert box.run("def grade(s, i):\\n    return 1.0\\n", {}, {}).reward == 1.0
    template = next(t for group in box._idle.values() for t in group)
    todo, uids = [template.proc.pid], set()
    while todo:
        pid = todo.pop()
        uids.add(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
        for task in Path(f"/proc/{pid}/task").glob("*"):
            todo += [int(c) for c in (task / "children").read_text().split()]
print(sorted(uids))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has a uid 0 to drop")
def test_started_by_root_the_sandbox_runs_as_nobody_where_it_can_read_all_it_needs() -> None:
    # the system interpreter is readable by anyone (this project's pyenv under /root is not)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{ROOT / 'src'}:{site}"}
    done = subprocess.run(
        ["/usr/bin/python3", "-s", "-c", HOST_UIDS], capture_output=True, text=True, env=env,
        timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["['65534']"], done.stderr
