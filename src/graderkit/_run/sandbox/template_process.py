"""One template process and its channels: start it (in bubblewrap, or trusted), feed it samples.

The one module of graderkit that starts processes (`subprocess`). `TemplateSpec` says how a
template starts (the ``bwrap`` command, or a plain interpreter for the trusted mode);
`Template` is one running template: it sends the source once, then per sample a request with
a fresh reply pipe passed over the control socket (``SCM_RIGHTS``). The reply is read from that
pipe, so only the child of that sample can have written it; the template's report (exit
status, timeout) comes over the control socket. A sample whose template died, stopped
answering or whose child crashed is charged with it, and the template is not reused.

Examples:
    >>> spec = TemplateSpec.bwrap(Limits(timeout_s=5), {}, (), import_path(), WORKER_SCRIPT)
    >>> template = Template(spec, "def grade(sample, item):\\n    return 0.5\\n")
    >>> template.wait_ready() is None
    True
    >>> template.run(b'{"sample": {}, "item": {}}')
    (Outcome(reward=0.5, errors={}, output=''), True)
    >>> template.kill()
"""

from __future__ import annotations

import array
import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graderkit._run.sandbox.bwrap_command import (
    NOBODY,
    SYSTEM_PATHS,
    WORKDIR,
    WORKER,
    bwrap_argv,
    minimal_roots,
    readable_by_anyone,
)
from graderkit._run.sandbox.outcome import (
    Limits,
    Outcome,
    crash_outcome,
    outcome_from_reply,
    timeout_outcome,
)

__all__ = ["WORKER_SCRIPT", "StartFailed", "Template", "TemplateSpec", "base_env", "import_path"]

WORKER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
_HEADER = struct.Struct("!I")
_PIPE_BYTES = 1 << 20  # the default unprivileged maximum (/proc/sys/fs/pipe-max-size)
_GRACE_S = 5.0  # beyond the time limit, for the template to kill the child and report
_SERVER = "python_grader_server_error"


class StartFailed(Exception):
    """A template could not start, or was found dead before a sample was sent to it."""


def base_env(workdir: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a sandbox: nothing of the parent's, plus ``extra``."""
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
        **extra,
    }


_SPAWNER: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked child needs its own
_SPAWNER_LOCK = threading.Lock()


def _spawn(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start a process from one long-lived thread.

    bubblewrap's ``--die-with-parent`` is a parent-death signal, which fires when the *thread*
    that started it exits; pool threads and ``asyncio.to_thread`` threads come and go.
    """
    with _SPAWNER_LOCK:
        spawner = _SPAWNER.get(os.getpid())
        if spawner is None:
            _SPAWNER.clear()
            spawner = _SPAWNER[os.getpid()] = ThreadPoolExecutor(
                1, thread_name_prefix="graderkit-sandbox-spawn"
            )

    def popen() -> subprocess.Popen[bytes]:
        return subprocess.Popen(list(argv), **kwargs)

    return spawner.submit(popen).result()


@lru_cache(maxsize=1)
def import_path() -> tuple[str, ...]:
    """What the interpreter needs inside: its prefixes, executable and ``-I`` import path."""
    code = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.executable, *sys.path]))"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, timeout=60, check=True,
        env=base_env("/", {}),
    )  # fmt: skip
    return (*json.loads(done.stdout), os.path.realpath(sys.executable))


@dataclass
class TemplateSpec:
    """How templates start: the command, the environment and the worker's configuration."""

    limits: Limits
    env: dict[str, str]
    bwrap_roots: tuple[str, ...] | None  # None: the trusted mode (no bubblewrap)
    worker: str
    config: dict[str, Any] = field(default_factory=dict)
    run_as: int | None = None  # started by root: the sandbox's uid and gid on the host

    @classmethod
    def bwrap(
        cls,
        limits: Limits,
        env: Mapping[str, str],
        extra: Sequence[str],
        roots: Sequence[str],
        worker: str,
    ) -> TemplateSpec:
        """Templates inside bubblewrap (the default), with both seccomp filters."""
        from graderkit._run.sandbox.seccomp_filter import sample_filter

        spec = cls(limits, base_env(WORKDIR, env), (*roots, *extra), worker)
        spec.config = spec._config(WORKDIR, base64.b64encode(sample_filter()).decode())
        binds = minimal_roots([*roots, *extra, *SYSTEM_PATHS, worker])
        if os.geteuid() == 0 and readable_by_anyone(binds):
            spec.run_as = NOBODY  # the sandbox is not the host's uid 0 where it need not be
        return spec

    @classmethod
    def trusted(cls, limits: Limits, env: Mapping[str, str], worker: str) -> TemplateSpec:
        """Templates as plain processes (``isolation="none"``): limits only, no isolation."""
        return cls(limits, dict(env), None, worker)

    def _config(self, workdir: str, program: str | None) -> dict[str, Any]:
        lim = self.limits
        return {
            "workdir": workdir,
            "memory_bytes": lim.memory_bytes,
            "disk_bytes": lim.disk_bytes,
            "output_chars": lim.output_bytes,
            "timeout_s": lim.timeout_s,
            "cpu_seconds": int(2 * lim.timeout_s) + 1,  # 2 cores, the whole time limit
            "sample_filter": program,
            "keep": {},
        }

    def start(self, stdin: int, stderr: Any) -> tuple[subprocess.Popen[bytes], str | None]:
        """Start one template on ``stdin``; return it and its private host directory if any."""
        command = [sys.executable, "-I", "-B"]
        if self.bwrap_roots is None:
            workdir = tempfile.mkdtemp(prefix="graderkit-sandbox-")
            config = self._config(workdir, None)
            argv, env = [*command, self.worker, json.dumps(config)], base_env(workdir, self.env)
            proc = _spawn(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr,
                          cwd=workdir, env=env, start_new_session=True)  # fmt: skip
            return proc, workdir
        from graderkit._run.sandbox.seccomp_filter import base_filter

        program = base_filter()
        rfd, wfd = os.pipe()
        try:
            os.write(wfd, program)  # a few hundred bytes: well within a pipe's buffer
            os.close(wfd)
            argv, keep = bwrap_argv(
                shutil.which("bwrap") or "bwrap", self.bwrap_roots, worker=self.worker,
                disk_bytes=self.limits.disk_bytes, seccomp_fd=rfd, command=[*command, WORKER],
            )  # fmt: skip
            config = {**self.config, "keep": keep}
            user = {} if self.run_as is None else {
                "user": self.run_as, "group": self.run_as, "extra_groups": []}  # fmt: skip
            proc = _spawn([*argv, json.dumps(config)], stdin=stdin, stdout=subprocess.DEVNULL,
                          stderr=stderr, cwd="/", env=self.env, start_new_session=True,
                          pass_fds=(rfd,), **user)  # fmt: skip
        finally:
            os.close(rfd)
        return proc, None

    def probe(self) -> None:
        """Start a template and grade one sample; raise `StartFailed` with the reason if not."""
        template = Template(self, "def grade(sample, item):\n    return 1.0\n")
        try:
            failed = template.wait_ready()
            outcome = template.run(b'{"sample": {}, "item": {}}')[0] if failed is None else failed
        finally:
            template.kill()
        if outcome != Outcome(1.0, {}, ""):
            raise StartFailed(f"a trivial grader gave {outcome}")

    def cleanup(self) -> None:
        """Nothing is left on the host by a spec (each template removes its directory)."""


class Template:
    """One running template: its process, its control socket and its sample counter."""

    def __init__(self, spec: TemplateSpec, source: str) -> None:
        self.spec = spec
        self.calls = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.errlog = tempfile.TemporaryFile()  # noqa: SIM115 - closed by kill()
        try:
            self.proc, self.workdir = spec.start(theirs.fileno(), self.errlog)
        except OSError as exc:
            ours.close()
            self.errlog.close()
            raise StartFailed(f"cannot start a template: {exc}") from exc
        finally:
            theirs.close()
        self.sock = ours
        self._buffer = b""
        with contextlib.suppress(OSError):  # a template that died at once: see wait_ready
            self._send(json.dumps({"source": source}).encode("utf-8", "surrogatepass"))

    def wait_ready(self) -> Outcome | None:
        """``None`` once the source is imported, or the outcome every sample would get."""
        limits = self.spec.limits
        hello = self._report(time.monotonic() + limits.start_timeout_s + limits.timeout_s)
        if hello is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)  # closed its socket: it is exiting
            if self.proc.poll() is None:
                return timeout_outcome(limits, "importing the source")
            raise StartFailed(f"the template did not start: {self._stderr()}")
        if hello.get("ready"):
            return None
        return outcome_from_reply(hello, limits)[0]

    def run(self, body: bytes) -> tuple[Outcome, bool]:
        """Grade one sample (``body``: its request); the outcome and whether to reuse me."""
        limits = self.spec.limits
        rfd, wfd = os.pipe()
        try:
            big = _enlarge(wfd)
            try:
                self._send(body, fd=wfd)
            except OSError as exc:
                raise StartFailed("the template was dead before the sample") from exc
            finally:
                os.close(wfd)
            deadline = time.monotonic() + limits.timeout_s + _GRACE_S
            collect = self._collect if big else self._collect_polling
            reply, report = collect(rfd, deadline)
        finally:
            os.close(rfd)
        self.calls += 1
        return _judge(reply, report, limits)

    def _send(self, body: bytes, fd: int | None = None) -> None:
        header = _HEADER.pack(len(body))
        if fd is None:
            self.sock.sendall(header + body)
            return
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]).tobytes())]
        self.sock.sendmsg([header], rights)
        self.sock.sendall(body)

    def _collect(self, rfd: int, deadline: float) -> tuple[bytes | None, Any]:
        """The template's report, then the child's reply (complete: the child has exited).

        The reply pipe holds `_PIPE_BYTES`, more than a reply of the worker's own can be, so
        the child never waits for a reader and nothing is woken before the child has exited
        (waking a reader mid-exit costs a trip to the back of a busy machine's run queue).
        """
        report = self._report(deadline)
        if report is None:
            return None, "timeout" if time.monotonic() >= deadline else "died"
        chunks: list[bytes] = []
        os.set_blocking(rfd, False)
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(rfd, _PIPE_BYTES):
                chunks.append(chunk)
        return b"".join(chunks), report

    def _collect_polling(self, rfd: int, deadline: float) -> tuple[bytes | None, Any]:
        """`_collect` where a pipe cannot be enlarged: read the reply while waiting."""
        chunks: list[bytes] = []
        eof, report = False, None
        poller = select.poll()
        poller.register(rfd, select.POLLIN)
        poller.register(self.sock.fileno(), select.POLLIN)
        while not (eof and report is not None):
            left = deadline - time.monotonic()
            if left <= 0:
                return None, "timeout"
            for fd, _ in poller.poll(left * 1000):
                if fd != rfd:
                    report = self._report(deadline)
                    if report is None:
                        return None, "died"
                elif chunk := os.read(rfd, _PIPE_BYTES):
                    chunks.append(chunk)
                else:
                    poller.unregister(rfd)
                    eof = True
        return b"".join(chunks), report

    def _report(self, deadline: float) -> dict[str, Any] | None:
        """One frame from the control socket, or ``None`` (closed, or nothing until deadline)."""
        while len(self._buffer) < _HEADER.size or len(self._buffer) < _HEADER.size + _HEADER.unpack(self._buffer[: _HEADER.size])[0]:  # fmt: skip
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError:  # reset: the template died
                return None
            if not chunk:
                return None
            self._buffer += chunk
        size = _HEADER.unpack(self._buffer[: _HEADER.size])[0]
        frame = self._buffer[_HEADER.size : _HEADER.size + size]
        self._buffer = self._buffer[_HEADER.size + size :]
        return dict(json.loads(frame))

    def _stderr(self) -> str:
        self.errlog.seek(0)
        return self.errlog.read().decode("utf-8", "replace").strip()[-2000:] or "(no output)"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the template and its whole sandbox; remove its directory. Idempotent."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()
        self.errlog.close()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _enlarge(fd: int) -> bool:
    """Give a pipe room for any reply the worker writes (Linux); False where that fails."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (AttributeError, OSError):
        return False
    return True


def _judge(reply: bytes | None, report: Any, limits: Limits) -> tuple[Outcome, bool]:
    """Map a sample's reply and its template's report to an outcome; whether to reuse."""
    if report == "timeout" or (isinstance(report, dict) and report.get("timeout")):
        return timeout_outcome(limits), isinstance(report, dict) and bool(report.get("clean"))
    if report == "died" or not isinstance(report, dict):
        return Outcome(
            0.0, {_SERVER: "crashed: the sandbox's template died during this sample"}
        ), False
    code, clean = int(report.get("exit", -1)), bool(report.get("clean"))
    if code != 0:
        return crash_outcome(code), False
    try:
        parsed = json.loads(reply[_HEADER.size :]) if reply else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return Outcome(0.0, {_SERVER: "protocol_error: the sample's reply is not valid"}), False
    outcome, _ = outcome_from_reply(parsed, limits)
    return outcome, clean
