"""The python sandbox: real worker processes, real limits, hostile code contained and flagged."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import python_grader_examples as ex

import graderkit as gk
from graderkit._run.sandbox.function_source import source_from_function
from graderkit._run.sandbox.supervisor import (
    Limits,
    Outcome,
    PythonSandbox,
    SandboxUnavailable,
    UnsandboxedWarning,
    isolation,
    unavailable_reason,
)
from graderkit.errors import DETAILS_KEYS, ERROR_FLAGS

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "spec-examples"
RUNTIME, SERVER, TIMEOUT = (
    "python_grader_runtime_error",
    "python_grader_server_error",
    "unresponsive_reward_error",
)
NORMAL = "def grade(sample, item):\n    return len(sample['output_text']) / 10\n"


def sandbox(mode: Any, **kwargs: Any) -> PythonSandbox:
    """A sandbox in ``mode``; the trusted mode's warning is expected, not an error."""
    if mode == "none":
        with pytest.warns(UnsandboxedWarning, match="never for model-written code"):
            return PythonSandbox(isolation="none", **kwargs)
    return PythonSandbox(isolation=mode, **kwargs)


@pytest.fixture(scope="module", params=["bwrap", "none"])
def mode(request: pytest.FixtureRequest) -> str:
    """Behaviour tests run in the default sandbox and in the trusted mode (the same rules)."""
    return str(request.param)


@pytest.fixture(scope="module")
def box(mode: Any) -> Iterator[PythonSandbox]:
    with sandbox(mode, workers=2, limits=Limits(timeout_s=60)) as box:
        yield box


@pytest.fixture(scope="module")
def strong() -> Iterator[PythonSandbox]:
    """The default configuration: what contains hostile code (the trusted mode does not)."""
    with PythonSandbox(workers=2, limits=Limits(timeout_s=60)) as box:
        yield box


def assert_contained(box: PythonSandbox, hostile: str, flag: str) -> Outcome:
    """The hostile source is flagged with reward 0, and the next sample grades normally."""
    outcome = box.run(hostile, {"output_text": "x"}, {})
    assert outcome.reward == 0.0
    assert list(outcome.errors) == [flag], outcome
    assert outcome.errors[flag]
    for _ in range(box.workers + 1):  # whichever worker takes it
        after = box.run(NORMAL, {"output_text": "abcd"}, {})
        assert after == Outcome(0.4, {}, ""), after
    return outcome


def test_isolation_is_reported() -> None:
    assert isolation() == "bwrap"
    assert PythonSandbox().mode == "bwrap"


def test_observed_golden_reward_exactly() -> None:
    observed = json.loads((EXAMPLES / "observed.json").read_text(encoding="utf-8"))[1]
    sample = {"output_text": observed["model_sample"]}
    with PythonSandbox(workers=1) as sandbox:
        from_json = sandbox.run(observed["grader"]["source"], sample, observed["item"])
        from_function = sandbox.run(source_from_function(ex.wratio), sample, observed["item"])
    assert from_json == Outcome(0.7555555555555555, {}, "")
    assert from_function == Outcome(observed["observed_reward"], {}, "")


ANSWERS = [
    ("acute appendicitis", "acute appendicitis"),
    ("Acute Appendicitis", "acute appendicitis"),
    ("appendicitis, acute", "acute appendicitis"),
    ("", "pneumonia"),
    ("tuberculosis", "sarcoidosis"),
    ("left ventricular failure", "heart failure"),
]


@pytest.mark.parametrize(
    "fn", [ex.clinical_phrase, ex.clinical_phrase_binary, ex.combined], ids=lambda f: f.__name__
)
def test_cookbook_graders_give_the_plain_numbers(box: PythonSandbox, fn: Any) -> None:
    pairs = [({"output_text": o}, {"reference_answer": r}) for o, r in ANSWERS]
    outcomes = box.run_many(source_from_function(fn), pairs)
    assert [o.reward for o in outcomes] == [fn(s, i) for s, i in pairs]
    assert all(o.errors == {} for o in outcomes)


@pytest.mark.parametrize(
    ("expr", "reward"),
    [
        ("1", 1.0),
        ("-3", -3.0),
        ("7.5", 7.5),
        ("2 ** 70", float(2**70)),
        ("__import__('numpy').float64(0.25)", 0.25),
        ("__import__('numpy').float32(0.5)", 0.5),
        ("__import__('numpy').int64(3)", 3.0),
    ],
)
def test_numbers_are_rewards(box: PythonSandbox, expr: str, reward: float) -> None:
    outcome = box.run(f"def grade(sample, item):\n    return {expr}\n", {}, {})
    assert outcome == Outcome(reward, {}, "")
    assert type(outcome.reward) is float


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("float('nan')", "nan"),
        ("float('inf')", "inf"),
        ("-float('inf')", "-inf"),
        ("'0.5'", "returned str '0.5'"),
        ("None", "returned NoneType None"),
        ("True", "returned a bool (True)"),
        ("False", "returned a bool (False)"),
        ("__import__('numpy').bool_(True)", "returned a bool"),
        ("[1.0]", "returned list"),
        ("10 ** 400", "not a float"),
        ("1j", "returned complex"),
    ],
)
def test_other_return_values_are_runtime_errors(
    box: PythonSandbox, expr: str, problem: str
) -> None:
    outcome = assert_contained(box, f"def grade(sample, item):\n    return {expr}\n", RUNTIME)
    assert problem in str(outcome.errors[RUNTIME])


def test_exception_gives_the_traceback(box: PythonSandbox) -> None:
    source = "def helper(x):\n    return x['missing']\n\ndef grade(sample, item):\n    return helper(item)\n"
    outcome = assert_contained(box, source, RUNTIME)
    details = str(outcome.errors[RUNTIME])
    assert details.startswith("Traceback (most recent call last):")
    assert "line 5, in grade" in details and "line 2, in helper" in details
    assert "return x['missing']" in details and details.rstrip().endswith("KeyError: 'missing'")
    assert "worker.py" not in details and "graderkit" not in details


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("def grade(sample, item)\n    return 1\n", "SyntaxError"),
        ("import not_a_module_anywhere\ndef grade(s, i):\n    return 1\n", "ModuleNotFoundError"),
        ("def other(s, i):\n    return 1\n", "no callable grade"),
        ("raise SystemExit(4)\n", "SystemExit"),
        ("def grade(s, i):\n    return grade(s, i)\n", "RecursionError"),
    ],
    ids=["syntax", "import", "no-grade", "exit-at-import", "recursion"],
)
def test_broken_sources_are_runtime_errors(box: PythonSandbox, source: str, text: str) -> None:
    outcome = assert_contained(box, source, RUNTIME)
    assert text in str(outcome.errors[RUNTIME])


def test_flags_and_details_keys_are_the_service_vocabulary() -> None:
    for flag in (RUNTIME, SERVER, TIMEOUT):
        assert flag in ERROR_FLAGS and flag in DETAILS_KEYS


@pytest.mark.slow
def test_infinite_loop_times_out_and_the_next_sample_grades(mode: Any) -> None:
    with sandbox(mode, workers=1, limits=Limits(timeout_s=1.0)) as box:
        outcome = assert_contained(
            box, "def grade(s, i):\n    while True:\n        pass\n", TIMEOUT
        )
    assert "1 s wall-time limit" in str(outcome.errors[TIMEOUT])


def test_memory_bomb_is_a_server_error(box: PythonSandbox) -> None:
    source = "def grade(s, i):\n    hog = bytearray(3 * 1024 ** 3)\n    return 1.0\n"
    outcome = assert_contained(box, source, SERVER)
    assert str(outcome.errors[SERVER]).startswith("memory_limit_exceeded")


@pytest.mark.slow
def test_growing_memory_is_stopped_at_the_limit() -> None:
    source = (
        "def grade(s, i):\n    chunks = []\n    while True:\n        chunks.append(b'x' * 2**26)\n"
    )
    with PythonSandbox(workers=1, limits=Limits(memory_bytes=512 * 1024**2)) as sandbox:
        outcome = assert_contained(sandbox, source, SERVER)
    assert "0.5 GiB" in str(outcome.errors[SERVER])


def test_a_sample_cannot_start_processes(strong: PythonSandbox) -> None:
    # bounded even if the sandbox failed: each child exits at once, 50 forks at most
    source = (
        "import os\ndef grade(s, i):\n    for _ in range(50):\n        if os.fork() == 0:\n"
        "            os._exit(0)\n    return 1.0\n"
    )
    outcome = assert_contained(strong, source, RUNTIME)
    assert "PermissionError: [Errno 1] Operation not permitted" in str(outcome.errors[RUNTIME])


def test_subprocess_is_refused(strong: PythonSandbox) -> None:
    source = "import subprocess\ndef grade(s, i):\n    subprocess.run(['true'])\n    return 1.0\n"
    outcome = assert_contained(strong, source, RUNTIME)
    assert "Operation not permitted" in str(outcome.errors[RUNTIME])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            "socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(('127.0.0.1', 9))",
            "ConnectionRefusedError",
        ),
        ("socket.create_connection(('93.184.216.34', 80), timeout=2)", "Network is unreachable"),
        ("socket.getaddrinfo('example.com', 80)", "gaierror"),
        ("socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock')", "FileNotFoundError"),
        (
            "__import__('urllib.request').request.urlopen('http://93.184.216.34', timeout=2)",
            "Network is unreachable",
        ),
    ],
    ids=["loopback", "create-connection", "dns", "unix-path", "urllib"],
)
def test_network_is_unreachable(strong: PythonSandbox, call: str, error: str) -> None:
    source = f"import socket\ndef grade(s, i):\n    {call}\n    return 1.0\n"
    outcome = assert_contained(strong, source, RUNTIME)
    assert error in str(outcome.errors[RUNTIME])


def test_socketpair_inside_the_worker_still_works(box: PythonSandbox) -> None:
    source = (
        "import socket\ndef grade(s, i):\n    a, b = socket.socketpair()\n    a.sendall(b'ok')\n"
        "    return float(b.recv(2) == b'ok')\n"
    )
    assert box.run(source, {}, {}) == Outcome(1.0, {}, "")


@pytest.mark.parametrize("where", ["repo", "tmp"])
def test_writing_outside_the_working_directory_is_refused(
    strong: PythonSandbox, tmp_path: Path, where: str
) -> None:
    folder = Path(__file__).parent if where == "repo" else tmp_path
    target = folder / f"escaped-{uuid.uuid4().hex}.txt"
    source = f"def grade(s, i):\n    open({str(target)!r}, 'w').write('x')\n    return 1.0\n"
    try:
        assert_contained(strong, source, RUNTIME)
        assert not target.exists()
    finally:
        target.unlink(missing_ok=True)


@pytest.mark.parametrize(
    "call",
    [
        "os.remove('/etc/hostname')",
        "os.mkdir('/opt/graderkit-escape')",
        "os.symlink('/tmp', '/opt/graderkit-link')",
        "os.rename('/etc/hostname', 'stolen')",
        "os.symlink('/etc', 'inside')\n    open('inside/graderkit-escape', 'w')",
    ],
    ids=["remove", "mkdir", "symlink", "rename", "through-symlink"],
)
def test_changing_files_outside_is_refused(strong: PythonSandbox, call: str) -> None:
    assert_contained(strong, f"import os\ndef grade(s, i):\n    {call}\n    return 1.0\n", RUNTIME)
    assert not Path("/opt/graderkit-escape").exists() and not Path("/etc/graderkit-escape").exists()


def test_the_working_directory_is_private_and_writable(box: PythonSandbox) -> None:
    source = (
        "import os, tempfile\ndef grade(s, i):\n    open('note.txt', 'w').write('12345')\n"
        "    with tempfile.NamedTemporaryFile('w') as f:\n        f.write('x')\n"
        "    return float(len(open(os.path.join(os.getcwd(), 'note.txt')).read()))\n"
    )
    assert box.run(source, {}, {}) == Outcome(5.0, {}, "")


def test_the_parents_environment_never_reaches_the_grader(
    monkeypatch: pytest.MonkeyPatch, mode: Any
) -> None:
    # the trusted mode passes no environment either, but /proc/<pid>/environ is readable there
    secret = "sk-graderkit-test-secret-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    source = f"""
import os
def grade(sample, item):
    seen = [k for k in os.environ if 'KEY' in k or 'TOKEN' in k]
    found = os.environ.get('OPENAI_API_KEY') is not None or bool(seen)
    for pid in os.listdir('/proc'):
        try:
            found = found or {secret!r}.encode() in open(f'/proc/{{pid}}/environ', 'rb').read()
        except OSError:
            pass
    return float(found)
"""
    with sandbox(mode, workers=1, env={"GRADER_SETTING": "on"}) as box:
        if mode == "bwrap":
            assert box.run(source, {}, {}) == Outcome(0.0, {}, "")
        setting = (
            "import os\ndef grade(s, i):\n    return (float(os.environ['GRADER_SETTING'] == 'on')\n"
            "    + float(os.environ.get('OPENAI_API_KEY') is None))\n"
        )
        assert box.run(setting, {}, {}) == Outcome(2.0, {}, "")


def test_printing_gigabytes_is_bounded(box: PythonSandbox) -> None:
    source = (
        "import os, sys\ndef grade(s, i):\n    line = 'x' * 2**20\n    for _ in range(1024):\n"
        "        print(line)\n        sys.stderr.write(line)\n        os.write(1, line.encode())\n"
        "    return 0.5\n"
    )
    outcome = box.run(source, {}, {})
    assert outcome.reward == 0.5 and outcome.errors == {}
    assert len(outcome.output) < box.limits.output_bytes + 200
    assert outcome.output.endswith("more characters of output dropped]")


def test_output_is_captured(box: PythonSandbox) -> None:
    source = "import sys\ndef grade(s, i):\n    print('hello')\n    print('oops', file=sys.stderr)\n    return 1\n"
    assert box.run(source, {}, {}) == Outcome(1.0, {}, "hello\noops\n")


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("import os\ndef grade(s, i):\n    os._exit(3)\n", "exited with status 3"),
        ("import ctypes\ndef grade(s, i):\n    return ctypes.string_at(0)\n", "SIGSEGV"),
        ("import os\ndef grade(s, i):\n    os.abort()\n", "killed by SIG"),
    ],
    ids=["os._exit", "segfault", "abort"],
)
def test_crashes_are_server_errors(box: PythonSandbox, source: str, kind: str) -> None:
    outcome = assert_contained(box, source, SERVER)
    assert kind in str(outcome.errors[SERVER])


def test_leftover_threads_do_not_hurt_the_next_sample(box: PythonSandbox) -> None:
    # the thread dies with its sample's process: it never reaches a later sample
    source = (
        "import os, threading, time\ndef grade(s, i):\n"
        "    threading.Thread(target=lambda: (time.sleep(0.3), os._exit(9))).start()\n"
        "    return 1.0\n"
    )
    assert box.run(source, {}, {}) == Outcome(1.0, {}, "")
    for _ in range(5):
        assert box.run(NORMAL, {"output_text": "ab"}, {}) == Outcome(0.2, {}, "")
        threading.Event().wait(0.1)


def test_grader_cannot_touch_the_next_samples_data(box: PythonSandbox) -> None:
    source = (
        "def grade(sample, item):\n    seen = 'seen' in item\n    item['seen'] = True\n"
        "    return float(seen)\n"
    )
    item: dict[str, Any] = {"a": 1}
    assert [box.run(source, {}, item).reward for _ in range(3)] == [0.0, 0.0, 0.0]
    assert item == {"a": 1}


def test_each_sample_starts_from_the_imported_state(mode: Any) -> None:
    source = (
        "import os\nIMPORTS = [os.getpid()]\nCALLS = []\ndef grade(s, i):\n    CALLS.append(1)\n"
        "    open('left-behind', 'a').write('x')\n"
        "    return len(CALLS) + 10 * len(open('left-behind').read()) + 100 * len(IMPORTS)\n"
    )
    with sandbox(mode, workers=1) as box:
        assert [box.run(source, {}, {}).reward for _ in range(4)] == [111.0] * 4
    with sandbox(mode, workers=1, limits=Limits(max_calls_per_worker=1)) as box:
        assert [box.run(source, {}, {}).reward for _ in range(3)] == [111.0] * 3


def test_the_import_runs_once_per_template() -> None:
    source = (
        "import os\nPID = os.getpid()\ndef grade(s, i):\n    return float(os.getppid() == PID)\n"
    )
    with PythonSandbox(workers=1) as box:
        assert [box.run(source, {}, {}).reward for _ in range(3)] == [1.0, 1.0, 1.0]


def test_many_distinct_sources_still_grade_after_eviction() -> None:
    sources = [f"def grade(s, i):\n    return {n}\n" for n in range(6)]
    with PythonSandbox(workers=1) as box:
        first = [box.run(src, {}, {}).reward for src in sources]
        again = [box.run(src, {}, {}).reward for src in sources[:3]]
    assert first == [float(n) for n in range(6)] and again == [0.0, 1.0, 2.0]


def test_samples_cross_as_json(box: PythonSandbox) -> None:
    source = "def grade(sample, item):\n    return float(type(item['t']) is list and item['n'] is None)\n"
    assert box.run(source, {}, {"t": (1, 2), "n": None}).reward == 1.0
    with pytest.raises(TypeError):
        box.run(source, {"x": object()}, {})


def test_run_many_keeps_the_input_order(box: PythonSandbox) -> None:
    source = (
        "import os\ndef grade(sample, item):\n    return item['n'] * 1000 + os.getpid() % 1000\n"
    )
    outcomes = box.run_many(source, [({}, {"n": n}) for n in range(30)])
    assert [int(o.reward) // 1000 for o in outcomes] == list(range(30))


def test_concurrent_threads_and_asyncio(box: PythonSandbox) -> None:
    source = "import time\ndef grade(sample, item):\n    time.sleep(0.01)\n    return item['n']\n"
    results: dict[int, float] = {}

    def worker(n: int) -> None:
        results[n] = box.run(source, {}, {"n": n}).reward

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: float(n) for n in range(8)}

    async def many() -> list[Outcome]:
        return await asyncio.gather(*(box.arun(source, {}, {"n": n}) for n in range(6)))

    assert [o.reward for o in asyncio.run(many())] == [float(n) for n in range(6)]


def test_closed_sandbox_refuses_work() -> None:
    sandbox = PythonSandbox(workers=1)
    assert sandbox.run(NORMAL, {"output_text": ""}, {}).reward == 0.0
    sandbox.close()
    sandbox.close()
    with pytest.raises(RuntimeError, match="closed"):
        sandbox.run(NORMAL, {"output_text": ""}, {})


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PythonSandbox(workers=0)
    with pytest.raises(ValueError, match="is not one of 'bwrap', 'none'"):
        PythonSandbox(isolation="docker")  # type: ignore[arg-type]


def test_the_mode_in_force_is_reported(box: PythonSandbox, mode: Any) -> None:
    assert box.mode == mode


def test_rewards_are_not_clamped(box: PythonSandbox) -> None:
    outcome = box.run("def grade(s, i):\n    return 42.5\n", {}, {})
    assert outcome.reward == 42.5 and math.isfinite(outcome.reward)


def test_only_the_bound_paths_of_the_host_exist_inside(tmp_path: Path) -> None:
    data = tmp_path / "reward.txt"
    data.write_text("0.25")
    source = f"def grade(sample, item):\n    return float(open({str(data)!r}).read())\n"
    with PythonSandbox(workers=1) as box:
        hidden = box.run(source, {}, {})
    assert "FileNotFoundError" in str(hidden.errors[RUNTIME])
    with PythonSandbox(workers=1, read_only=[str(tmp_path)]) as box:
        assert box.run(source, {}, {}) == Outcome(0.25, {}, "")
        write = f"def grade(sample, item):\n    open({str(data)!r}, 'w')\n    return 1.0\n"
        assert "Read-only file system" in str(box.run(write, {}, {}).errors[RUNTIME])
    assert data.read_text() == "0.25"


UNAVAILABLE = """
import graderkit as gk
try:
    gk.PythonSandbox().run("def grade(s, i):\\n    return 1.0\\n", {}, {})
except gk.SandboxUnavailable as exc:
    print(exc)
"""


def _unavailable(prefix: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", UNAVAILABLE], capture_output=True, text=True,
        timeout=120, env=env, check=True,
    )  # fmt: skip
    return done.stdout


def test_without_bubblewrap_grading_fails_and_says_how_to_install_it() -> None:
    message = _unavailable([], env={"PATH": "/nonexistent"})
    assert "bubblewrap is not installed" in message and "apt-get install bubblewrap" in message
    assert "isolation='none'" in message and "never for model-written code" in message


def test_without_user_namespaces_grading_fails_and_says_how_to_enable_them() -> None:
    # a real machine without user namespaces: this test's interpreter inside a bwrap sandbox
    # whose user namespaces are disabled, so the inner bwrap cannot create its own
    outer = ["bwrap", "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--dev", "/dev",
             "--proc", "/proc", "--tmpfs", "/tmp", "--"]  # fmt: skip
    message = _unavailable(outer)
    assert "bubblewrap cannot start a sandbox here" in message
    assert "Creating new namespace failed" in message, message
    assert "user.max_user_namespaces" in message and "isolation='none'" in message


def test_off_linux_the_error_names_a_linux_container_and_the_trusted_mode() -> None:
    message = str(unavailable_reason("darwin", None))
    assert "needs Linux" in message and "Linux container" in message
    assert "isolation='none'" in message
    assert unavailable_reason("win32", "/usr/bin/bwrap") == unavailable_reason("win32", None)
    assert (
        gk.SandboxUnavailable is SandboxUnavailable
        and unavailable_reason(sys.platform, shutil.which("bwrap")) is None
    )


def test_the_trusted_mode_warns_for_each_sandbox() -> None:
    for _ in range(2):
        with pytest.warns(UnsandboxedWarning, match="without isolation"):
            PythonSandbox(isolation="none").close()


CANDIDATES = [
    ("def solve(a, b):\n    return a + b\n", 1.0),
    ("def solve(a, b):\n    return a * b\n", 0.5),  # right on (2, 2) only
    ("def solve(a, b):\n    while True:\n        pass\n", 0.0),  # its own time limit
    ("import os\ndef solve(a, b):\n    os.fork()\n    return a + b\n", 0.0),  # no processes
    ("import os\nos.kill(os.getppid(), 9)\n", None),  # kills the template: a crash, its own
    ("open('/etc/passwd', 'a')\n", 0.0),
    ("raise SystemExit(0)\n", 0.0),
]


@pytest.mark.slow
def test_code_execution_grader_scores_programs_and_contains_them(strong: PythonSandbox) -> None:
    source = source_from_function(ex.code_tests)
    item = {"tests": [[[2, 2], 4], [[1, 5], 6]]}
    for program, reward in CANDIDATES:
        outcome = strong.run(source, {"output_text": program}, item)
        if reward is None:
            assert outcome.reward == 0.0 and SERVER in outcome.errors, outcome
        else:
            assert outcome == Outcome(reward, {}, ""), (program, outcome)
        honest = strong.run(source, {"output_text": CANDIDATES[0][0]}, item)
        assert honest == Outcome(1.0, {}, "")


def test_numpy_at_import_with_its_native_threads(box: PythonSandbox) -> None:
    source = (
        "import numpy as np\nA = np.ones((64, 64))\n"
        "def grade(s, i):\n    return float((A @ A)[0, 0])\n"
    )
    assert [box.run(source, {}, {}) for _ in range(3)] == [Outcome(64.0, {}, "")] * 3


def test_python_threads_left_running_at_import_are_refused(box: PythonSandbox) -> None:
    source = (
        "import threading, time\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "def grade(s, i):\n    return 1.0\n"
    )
    outcome = box.run(source, {}, {})
    assert "left threads running at import" in str(outcome.errors[RUNTIME])


FORKED_HOST = """
import os
from graderkit._run.sandbox.supervisor import PythonSandbox
src = "def grade(s, i):\\n    return 1.0\\n"
with PythonSandbox(workers=1) as box:
    assert box.run(src, {}, {}).reward == 1.0
pid = os.fork()
if pid == 0:
    with PythonSandbox(workers=1) as box:
        os._exit(0 if box.run(src, {}, {}).reward == 1.0 else 3)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def test_a_forked_host_process_starts_sandboxes_of_its_own() -> None:
    # the spawning thread does not survive a fork: the child must not wait for it
    done = subprocess.run(
        [sys.executable, "-c", FORKED_HOST], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "0", done.stderr
