"""Run untrusted ``grade(sample, item)`` code in a warm pool of confined worker processes.

This is the one module of graderkit that starts processes. Each worker is a separate Python
process (`graderkit._run.sandbox.worker`) with the service's limits: a wall-time limit per call
(2 minutes), 2 GB of address space, 1 GB per file written, no network, a private temporary
working directory, and an environment that holds nothing of the parent's (API keys never reach
it). On Linux, when ``unshare`` and ``setpriv`` are usable, each worker also gets its own network,
PID and mount namespaces, a read-only view of every file system except its private directory,
and no capabilities. docs/python-sandbox.md says exactly what is enforced and what is
not.

Samples and items cross the process boundary as JSON (they are JSON data anyway): tuples arrive
as lists, and a value that is not JSON raises ``TypeError``.

Examples:
    >>> from graderkit._run.sandbox.supervisor import PythonSandbox
    >>> src = "def grade(sample, item):\\n    return float(sample['output_text'] == item['a'])\\n"
    >>> with PythonSandbox(workers=1) as box:
    ...     box.run(src, {"output_text": "yes"}, {"a": "yes"})
    Outcome(reward=1.0, errors={}, output='')
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from typing import Any, Literal

from graderkit._run.sandbox.outcome import (
    Limits,
    Outcome,
    crash_outcome,
    outcome_from_reply,
    timeout_outcome,
)

__all__ = ["Limits", "Outcome", "PythonSandbox", "isolation"]

_HEADER = struct.Struct("!I")
_MAX_REPLY = 16 * 1024 * 1024
_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
_SERVER = "python_grader_server_error"

# Run inside the new mount namespace before the worker starts: the worker's private directory
# becomes a mount of its own (so it stays writable), and every other mount is made read-only.
# The rest of the file system stays visible: the interpreter and its packages may live anywhere,
# /tmp included (a fresh clone of a project under /tmp has its venv there). "$1" is the
# private directory.
_PRELUDE = """\
mount --bind "$1" "$1" || exit 97
private="$1"
shift
while read -r _ _ _ _ mp _; do
  case "$mp" in
    "$private"|/proc|/proc/*|/sys|/sys/*) ;;
    *) mount -o remount,bind,ro "$mp" 2>/dev/null ;;
  esac
done < /proc/self/mountinfo
exec "$@"
"""


Mode = Literal["namespaces", "namespaces-root", "none"]


@lru_cache(maxsize=1)
def isolation() -> Mode:
    """The strongest confinement this machine allows, probed once per process.

    ``"namespaces"``: user, network, PID and mount namespaces (works without root where user
    namespaces are enabled); ``"namespaces-root"``: the same without a user namespace (root
    only); ``"none"``: resource limits and the in-process audit hook only.
    """
    if not sys.platform.startswith("linux"):
        return "none"
    for mode in ("namespaces", "namespaces-root"):
        if _works(mode):
            return mode
    return "none"


@cache
def _works(mode: Mode) -> bool:
    workdir = tempfile.mkdtemp(prefix="graderkit-probe-")
    try:
        prefix = _prefix(mode, workdir)
        return mode == "none" or (bool(prefix) and _succeeds([*prefix, "true"]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _succeeds(cmd: list[str]) -> bool:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=20, env=_base_env("/"))
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _prefix(mode: Mode, workdir: str) -> list[str]:
    unshare, setpriv, sh = shutil.which("unshare"), shutil.which("setpriv"), shutil.which("sh")
    if mode == "none" or not (unshare and setpriv and sh):
        return []
    user = ["--user", "--map-root-user"] if mode == "namespaces" else []
    return [
        unshare, *user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc",
        sh, "-c", _PRELUDE, "sh", workdir,
        setpriv, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs",
    ]  # fmt: skip


def _base_env(workdir: str) -> dict[str, str]:
    threads = "2"  # the service's sandbox has 2 cores
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }


class _Died(Exception):
    """The worker's pipe closed during a call: it exited or was killed."""


class _DiedBefore(_Died):
    """The worker was already dead when a request was sent to it."""


class _StartFailed(Exception):
    """A worker could not be started (reported per sample as a server error)."""


class _Worker:
    """One confined worker process and its pipes."""

    def __init__(self, limits: Limits, env: Mapping[str, str], mode: Mode) -> None:
        self.workdir = tempfile.mkdtemp(prefix="graderkit-sandbox-")
        self.mode = mode
        inner = self.workdir
        config = {
            "workdir": inner,
            "memory_bytes": limits.memory_bytes,
            "disk_bytes": limits.disk_bytes,
            "output_chars": limits.output_bytes,
            "nproc_margin": 256 if self.mode == "none" and os.geteuid() != 0 else None,
        }
        cmd = [*_prefix(self.mode, self.workdir), sys.executable, "-I", "-B", _WORKER]
        self.errlog = tempfile.TemporaryFile()  # noqa: SIM115 - closed by kill()
        self.proc = subprocess.Popen(
            [*cmd, json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errlog,
            cwd=self.workdir,
            env={**_base_env(inner), **env},
            start_new_session=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.wfd, self.rfd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self.known: set[str] = set()
        self.calls = 0
        self._next_id = 0

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker says it is ready; raise `_StartFailed` with its stderr if not."""
        try:
            hello = self.recv(time.monotonic() + timeout)
        except _Died:
            hello = None
        if not hello or not hello.get("ready"):
            self.errlog.seek(0)
            err = self.errlog.read().decode("utf-8", "replace").strip()[-2000:]
            self.kill()
            raise _StartFailed(f"the worker did not start (isolation {self.mode!r}): {err}")

    def call(self, key: str, source: str, sample: Any, item: Any, timeout: float) -> Any:
        """Send one request; return the reply, or ``None`` on timeout. Raises `_Died`."""
        for _ in range(2):
            self._next_id += 1
            request = {
                "id": self._next_id,
                "key": key,
                "source": None if key in self.known else source,
                "sample": sample,
                "item": item,
            }
            self.send(json.dumps(request).encode("utf-8", "surrogatepass"))
            reply = self.recv(time.monotonic() + timeout)
            if reply is None or reply.get("id") != self._next_id:
                return reply if reply is None else {"status": "protocol_error"}
            if reply.get("status") != "need_source":
                self.known.add(key)
                self.calls += 1
                return reply
            self.known.discard(key)
        return {"status": "protocol_error"}

    def send(self, body: bytes) -> None:
        data = memoryview(_HEADER.pack(len(body)) + body)
        try:
            while data:
                data = data[os.write(self.wfd, data) :]
        except OSError as exc:
            raise _DiedBefore from exc

    def recv(self, deadline: float) -> Any:
        header = self._read(_HEADER.size, deadline)
        if header is None:
            return None
        size = _HEADER.unpack(header)[0]
        if size > _MAX_REPLY:
            return {"status": "protocol_error"}
        body = self._read(size, deadline)
        return None if body is None else json.loads(body)

    def _read(self, n: int, deadline: float) -> bytes | None:
        chunks: list[bytes] = []
        poller = select.poll()
        poller.register(self.rfd, select.POLLIN)
        while n:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
            chunk = os.read(self.rfd, min(n, 1 << 20))
            if not chunk:
                raise _Died
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        """Kill the worker and everything it started; remove its directory. Returns its status."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            status = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.errlog):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return status

    def reap(self) -> int:
        """The exit status of a worker whose pipe closed; then clean up as `kill` does."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        return self.kill()


class PythonSandbox:
    """A warm pool of confined worker processes that run python graders.

    Workers start on first use (up to ``workers``) and stay warm; each imports a given source
    once (cached by its hash), so repeated samples cost a round trip. A worker that crashes,
    times out, runs out of memory or leaves threads running is replaced, and the next sample
    grades normally. Thread-safe; use it as a context manager or call `close`.

    Args:
        workers: the number of worker processes (default: the number of CPUs).
        limits: the limits of one call.
        env: environment variables for the grader (nothing of the parent's environment is
            passed: add here what a grader needs, e.g. ``{"NLTK_DATA": "/usr/share/nltk_data"}``).
        isolation: ``"auto"`` (the strongest available, see `isolation`) or a mode to force;
            ``"none"`` gives the weaker confinement that machines without namespaces get.

    Examples:
        >>> with PythonSandbox(workers=1, limits=Limits(timeout_s=5)) as box:
        ...     box.run("def grade(s, i):\\n    return 1 / 0\\n", {}, {}).errors.keys()
        dict_keys(['python_grader_runtime_error'])
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        limits: Limits = Limits(),  # noqa: B008 - frozen, so sharing the default is safe
        env: Mapping[str, str] | None = None,
        isolation: Mode | Literal["auto"] = "auto",
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers={workers!r} must be at least 1")
        if isolation not in ("auto", "namespaces", "namespaces-root", "none"):
            raise ValueError(
                f"isolation={isolation!r} is not one of 'auto', 'namespaces', "
                "'namespaces-root', 'none'"
            )
        self._requested = isolation
        self._mode: Mode | None = None
        self.workers = workers or os.cpu_count() or 1
        self.limits = limits
        self._env = {str(k): str(v) for k, v in (env or {}).items()}
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._cond = threading.Condition()
        self._finalizer = weakref.finalize(self, _kill_all, self._live)

    @property
    def mode(self) -> Mode:
        """The confinement of this sandbox's workers (see `isolation`)."""
        if self._mode is None:
            self._mode = isolation() if self._requested == "auto" else self._requested
            if not _works(self._mode):
                raise RuntimeError(f"isolation={self._mode!r} is not available on this machine")
        return self._mode

    def __enter__(self) -> PythonSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, source: str, sample: Mapping[str, Any], item: Mapping[str, Any]) -> Outcome:
        """Grade one (sample, item) pair with ``grade`` from ``source``.

        Raises:
            TypeError: ``sample`` or ``item`` is not JSON data.
            RuntimeError: the sandbox is closed.
        """
        json.dumps([sample, item])  # a TypeError here is the caller's, not the grader's
        key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        for _ in range(2):  # a worker found dead before the call is replaced once
            try:
                worker = self._acquire()
            except _StartFailed as exc:
                return Outcome(0.0, {_SERVER: f"sandbox_unavailable: {exc}"})
            try:
                outcome, reusable = self._call(worker, key, source, sample, item)
            except _DiedBefore:
                self._release(worker, reusable=False)
                continue
            self._release(worker, reusable)
            return outcome
        return Outcome(0.0, {_SERVER: "crashed: two fresh workers died before the call"})

    async def arun(
        self, source: str, sample: Mapping[str, Any], item: Mapping[str, Any]
    ) -> Outcome:
        """`run` without blocking the event loop (the wait happens in a thread)."""
        return await asyncio.to_thread(self.run, source, sample, item)

    def run_many(
        self, source: str, pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Outcome]:
        """Grade many (sample, item) pairs on all workers; results in input order."""
        todo = list(pairs)
        if len(todo) <= 1 or self.workers == 1:
            return [self.run(source, s, i) for s, i in todo]
        with ThreadPoolExecutor(min(self.workers, len(todo))) as pool:
            return list(pool.map(lambda p: self.run(source, p[0], p[1]), todo))

    def close(self) -> None:
        """Stop every worker and remove their directories. Idempotent."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._live.difference_update(idle)
            self._cond.notify_all()
        for worker in idle:  # busy workers are killed when their call returns
            worker.kill()

    def _call(
        self, worker: _Worker, key: str, source: str, sample: Any, item: Any
    ) -> tuple[Outcome, bool]:
        try:
            reply = worker.call(key, source, sample, item, self.limits.timeout_s)
        except _DiedBefore:
            raise
        except _Died:
            return crash_outcome(worker.reap()), False
        if reply is None:
            worker.kill()
            return timeout_outcome(self.limits), False
        outcome, reusable = outcome_from_reply(reply, self.limits)
        cap = self.limits.max_calls_per_worker
        return outcome, reusable and (cap is None or worker.calls < cap)

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the python sandbox is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        return worker
                    self._live.discard(worker)
                    worker.kill()
                if len(self._live) + self._starting < self.workers:
                    self._starting += 1
                    break
                self._cond.wait()
        try:
            worker = _Worker(self.limits, self._env, self.mode)
            worker.wait_ready(self.limits.start_timeout_s)
        except OSError as exc:
            raise _StartFailed(f"cannot start a worker: {exc}") from exc
        finally:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
        with self._cond:
            self._live.add(worker)
        return worker

    def _release(self, worker: _Worker, reusable: bool) -> None:
        with self._cond:
            keep = reusable and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._live.discard(worker)
            self._cond.notify()
        if not keep:
            worker.kill()


def _kill_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        worker.kill()
