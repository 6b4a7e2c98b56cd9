"""Benchmark: what the python sandbox costs per sample, and how many samples per second it grades.

All in one run, on the same machine state:

* **per-sample overhead** of the isolated path over a warm template (a fresh forked process per
  sample, inside bubblewrap), for a trivial grader (``return 1.0``): p50 and p99 of ``run()``
  latency, minus the in-process call; target p50 <= 2 ms, p99 <= 10 ms on 2 cores;
* the same for the **old pooled path** (graderkit before the bubblewrap sandbox: one warm worker
  reused for every sample, loaded from git at ``OLD_REV``), and the **floor**: a bare
  ``os.fork()`` + ``_exit`` + ``waitpid`` in a plain interpreter;
* a **fresh interpreter per sample** (``python -I -c``, no sandbox);
* the **start-up of a template** (bubblewrap, the interpreter, the import): trivial grader and
  the RFT cookbook's rapidfuzz grader;
* **samples per second** with 1, 2 and 8 graders (distinct sources) grading at once, one
  template each, for the cookbook grader.

Usage:
    .venv/bin/python bench/bench_python_sandbox.py            # about a minute
    .venv/bin/python bench/bench_python_sandbox.py --quick    # a few seconds, fewer samples
    chrt -f 10 .venv/bin/python bench/bench_python_sandbox.py --latency   # see below

On a shared, loaded machine every hand-off between processes waits for a free core, and a
forked child waits longest. ``--latency`` runs only the latency table (one core at most: the
hand-offs are sequential), meant to run under ``chrt -f 10`` (root), which takes the other
users' load out of the measurement: what is left is the path's own cost on this hardware.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, utils

from graderkit._run.sandbox.function_source import source_from_function
from graderkit._run.sandbox.supervisor import Limits, PythonSandbox, isolation
from graderkit._run.sandbox.template_process import (
    WORKER_SCRIPT,
    Template,
    TemplateSpec,
    import_path,
)

ROOT = Path(__file__).resolve().parent.parent
OLD_REV = "3c33321"  # main before the bubblewrap sandbox: the pooled worker
TRIVIAL = "def grade(sample, item):\n    return 1.0\n"
FORK_FLOOR = """
import os, time, json, sys
n = int(sys.argv[1]); ts = []
for _ in range(n):
    t = time.perf_counter(); pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0); ts.append(time.perf_counter() - t)
print(json.dumps(ts))
"""


def clinical_phrase(sample: dict[str, Any], item: dict[str, Any]) -> float:
    score = fuzz.token_set_ratio(
        sample["output_text"], item["reference_answer"], processor=utils.default_process
    )
    return score / 100.0


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return ordered[len(ordered) // 2] * 1e3, ordered[
        min(len(ordered) - 1, int(len(ordered) * 0.99))
    ] * 1e3


def latencies(box: Any, source: str, n: int) -> list[float]:
    box.run(source, {}, {})  # warm: the template (or worker) is up and has imported the source
    out = []
    for _ in range(n):
        start = time.perf_counter()
        outcome = box.run(source, {}, {})
        out.append(time.perf_counter() - start)
        assert outcome.reward == 1.0 and not outcome.errors, outcome
    return out


def old_pool_module() -> Any | None:
    """The pooled supervisor of OLD_REV, from git, next to its own worker script."""
    folder = Path(tempfile.mkdtemp(prefix="graderkit-bench-old-"))
    for name in ("supervisor.py", "worker.py"):
        done = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD_REV}:src/graderkit/_run/sandbox/{name}"],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            return None
        (folder / name).write_text(done.stdout)
    spec = importlib.util.spec_from_file_location("old_supervisor", folder / "supervisor.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def template_start(source: str, n: int) -> float:
    spec = TemplateSpec.bwrap(Limits(), {}, (), import_path(), WORKER_SCRIPT)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        template = Template(spec, source)
        assert template.wait_ready() is None
        times.append(time.perf_counter() - start)
        template.kill()
    return statistics.median(times) * 1e3


def throughput(graders: int, per_grader: int) -> float:
    base = source_from_function(clinical_phrase)
    sources = [f"{base}\nVARIANT = {k}\n" for k in range(graders)]  # distinct graders
    pair = ({"output_text": "acute appendicitis"}, {"reference_answer": "appendicitis, acute"})
    with PythonSandbox(workers=1) as box:
        for src in sources:
            box.run(src, *pair)

        def work(src: str) -> None:
            for _ in range(per_grader):
                assert box.run(src, *pair).reward == 1.0

        threads = [threading.Thread(target=work, args=(src,)) for src in sources]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return graders * per_grader / (time.perf_counter() - start)


def fresh_python(n: int) -> float:
    driver = TRIVIAL + "\nimport json, sys\nprint(grade({}, {}))\n"
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run([sys.executable, "-I", "-c", driver], capture_output=True, check=True)
    return (time.perf_counter() - start) / n * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--latency", action="store_true", help="the latency table only")
    args = parser.parse_args()
    n, fresh, starts, per = (200, 5, 3, 50) if args.quick else (2000, 20, 10, 400)
    load_before = os.getloadavg()
    policy = "SCHED_FIFO" if os.sched_getscheduler(0) == os.SCHED_FIFO else "normal"
    print(f"isolation: {isolation()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"scheduling {policy}, load average before: {load_before[0]:.2f}")  # fmt: skip
    rows: list[tuple[str, float, float]] = []
    with PythonSandbox(workers=1) as box:
        rows.append(
            (
                "isolated: warm template, a fresh process per sample",
                *percentiles(latencies(box, TRIVIAL, n)),
            )
        )
    old = old_pool_module()
    if old is not None:
        with old.PythonSandbox(workers=1) as pool:
            rows.append(
                (
                    f"old pooled path ({OLD_REV}, {pool.mode}): one worker reused",
                    *percentiles(latencies(pool, TRIVIAL, n)),
                )
            )
    floor = json.loads(subprocess.run([sys.executable, "-I", "-c", FORK_FLOOR, str(n)],
                                      capture_output=True, text=True, check=True).stdout)  # fmt: skip
    rows.append(("floor: bare fork + _exit + waitpid", *percentiles(floor)))
    print("\n| case (trivial grader) | p50 | p99 |\n|---|---:|---:|")
    for name, p50, p99 in rows:
        print(f"| {name} | {p50:.2f} ms | {p99:.2f} ms |")
    print(f"| fresh `python -I -c` per sample (no sandbox) | {fresh_python(fresh):.1f} ms | |")
    if args.latency:
        return
    print("\n| template start-up (median) | ms |\n|---|---:|")
    print(f"| trivial grader | {template_start(TRIVIAL, starts):.0f} |")
    print(
        f"| cookbook grader (imports rapidfuzz) | {template_start(source_from_function(clinical_phrase), starts):.0f} |"
    )
    print("\n| graders at once (cookbook grader) | samples/s |\n|---|---:|")
    for graders in (1, 2, 8):
        print(f"| {graders} | {throughput(graders, per // graders if graders > 2 else per):.0f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
