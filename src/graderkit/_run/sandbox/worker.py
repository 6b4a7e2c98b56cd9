"""The sandbox side of the python sandbox: a template process that forks one child per sample.

`graderkit._run.sandbox.supervisor` starts this file as a script (``python -I -B worker.py
CONFIG``), inside bubblewrap by default, and never imports it: it uses the standard library only.

The **template** confines itself (resource limits; not dumpable, so no process of the sandbox
can read its memory or its file descriptors), reads the grader's source and imports it once,
says whether that worked, then waits. For each sample it **forks a child** and waits for it; it
never runs ``grade`` and never reads a sample: the child reads its request itself. After the
child has exited, the template wipes the private directory, then reports the child's exit
status. Each child reads one request from the control socket together with a pipe that the
supervisor made for that sample alone (passed with ``SCM_RIGHTS``), closes every other file
descriptor, adds the sample seccomp filter (no new processes), runs ``grade`` and writes its
reply to that pipe, then exits. So a sample can only write its own reply, sees only its own
sample and item, and nothing it leaves (threads, patches, files, timers) reaches the next one.

Frames are a 4-byte big-endian length and that many bytes of UTF-8 JSON. Supervisor to
template: ``{"source"}`` once, then one ``{"sample", "item"}`` per sample (read by the child).
Template to supervisor: ``{"ready": true}`` or ``{"ready": false, "status", "details"}`` once,
then ``{"exit": code, "timeout": bool, "clean": bool}`` per sample. Child to its pipe: ``{"status",
...}`` where status is ``ok`` (``reward``), ``runtime_error`` or ``memory_error``
(``details``), with ``output`` (captured prints).
"""

from __future__ import annotations

import array
import base64
import gc
import io
import json
import linecache
import math
import numbers
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import time
import traceback
import types
from collections.abc import Callable
from traceback import TracebackException
from typing import Any, cast

_HEADER = struct.Struct("!I")
_DETAILS_CHARS = 32_000
_SELF = os.path.realpath(__file__)
_PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 4, 38, 22, 2
_NO_REQUEST = 72


def coerce_reward(value: Any) -> tuple[float | None, str]:
    """The reward for what ``grade`` returned, or ``None`` and why it is not a valid reward.

    Parity decision (inferred; the service documents "a float", and Microsoft's demos return
    ints): ``int`` and ``float`` (and numpy's real scalars) are accepted and converted to
    ``float``; ``bool`` is refused (it is almost always a bug: ``return a == b``); NaN, infinities,
    strings (even numeric ones), ``None`` and anything else are refused. The reward is not clamped.
    """
    if isinstance(value, bool) or type(value).__name__ in ("bool_", "bool"):  # numpy 1 and 2
        return None, f"grade() returned a bool ({value!r}); return a number such as 1.0 or 0.0"
    if isinstance(value, (int, float, numbers.Real)):
        try:
            reward = float(value)
        except (OverflowError, TypeError, ValueError) as exc:
            return None, f"grade() returned {_short(value)}, which is not a float: {exc}"
        if not math.isfinite(reward):
            return None, f"grade() returned {reward!r}; the reward must be a finite number"
        return reward, ""
    return None, (
        f"grade() returned {type(value).__name__} {_short(value)}; it must return an int or a float"
    )


def _short(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__} with a failing repr>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded(text: str, limit: int = _DETAILS_CHARS) -> str:
    """Keep the head and the tail (a traceback's last lines matter most)."""
    if len(text) <= limit:
        return text
    head, tail = limit // 4, limit - limit // 4
    return f"{text[:head]}\n…[{len(text) - limit} characters omitted]…\n{text[-tail:]}"


class _Capture(io.TextIOBase):
    """Stands in for stdout and stderr during a call: keeps ``limit`` characters, counts the rest."""

    def __init__(self, limit: int) -> None:
        self._parts: list[str] = []
        self._room = limit
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        n = len(s)
        if self._room > 0:
            self._parts.append(s[: self._room])
            self._room -= min(n, self._room)
            self.dropped += max(0, n - len(self._parts[-1]))
        else:
            self.dropped += n
        return n

    def text(self) -> str:
        out = "".join(self._parts)
        return out + (
            f"\n[graderkit: {self.dropped} more characters of output dropped]"
            if self.dropped
            else ""
        )


class _Stream:
    """Length-prefixed JSON frames on a file descriptor (blocking)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def recv(self) -> dict[str, Any] | None:
        header = self.read(_HEADER.size)
        return None if header is None else self.body(_HEADER.unpack(header)[0])

    def body(self, size: int) -> dict[str, Any] | None:
        data = self.read(size)
        return None if data is None else dict(json.loads(data))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8", "surrogatepass")
        data = memoryview(_HEADER.pack(len(body)) + body)
        while data:
            data = data[os.write(self.fd, data) :]

    def read(self, n: int) -> bytes | None:
        chunks, got = [], 0
        while got < n:
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


def _take_std_streams() -> int:
    """Keep fd 0 (the control socket) for the protocol; point fds 0, 1 and 2 at /dev/null."""
    control = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return control


def _set_limits(config: dict[str, Any]) -> None:
    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_FSIZE", "disk_bytes")):
        if config.get(key) and hasattr(resource, name):
            limit = int(config[key])
            resource.setrlimit(getattr(resource, name), (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails with EFBIG instead


class _Kernel:
    """prctl through ctypes (Linux only), prepared before any fork so a child only calls it."""

    def __init__(self, program: bytes | None) -> None:
        import ctypes

        class _Fprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        self.libc = ctypes.CDLL(None, use_errno=True)
        self._buffer = ctypes.create_string_buffer(program or b"", len(program or b""))
        self._fprog = _Fprog(len(program or b"") // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._ref = ctypes.byref(self._fprog)
        self.program = program

    def prctl(self, option: int, arg: Any = 0) -> None:
        if self.libc.prctl(option, arg, 0, 0, 0) != 0:
            import ctypes

            code = ctypes.get_errno()
            raise OSError(code, f"prctl({option}) failed: {os.strerror(code)}")

    def add_sample_filter(self) -> None:
        if self.program:
            self.prctl(_PR_SET_NO_NEW_PRIVS, 1)
            if self.libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, self._ref, 0, 0) != 0:
                os._exit(70)  # never run grade without its filter


def _load(source: str) -> Callable[..., Any]:
    filename = "grader.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("grader")
    module.__file__ = filename
    sys.modules["grader"] = module
    exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
    grade = module.__dict__.get("grade")
    if not callable(grade):
        raise TypeError("the source defines no callable grade(sample, item) at module level")
    if len(sys._current_frames()) > 1:
        raise RuntimeError("the source left threads running at import; start them in grade()")
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return cast(Callable[..., Any], grade)
    raise RuntimeError("the source started processes at import; a grader may not")


def _traceback(exc: BaseException) -> str:
    """The traceback as the grader's author should see it: no frames of this file."""
    try:
        te = traceback.TracebackException.from_exception(exc)
        chain: TracebackException | None = te
        while chain is not None:
            frames = [f for f in chain.stack if os.path.realpath(f.filename) != _SELF]
            chain.stack = traceback.StackSummary.from_list(frames)
            chain = chain.__cause__ or chain.__context__
        return _bounded("".join(te.format()))
    except BaseException:  # a hostile __str__ must never take the worker down
        return f"{type(exc).__name__} (its message could not be formatted)"


def _call(grade: Callable[..., Any], request: dict[str, Any], chars: int) -> dict[str, Any]:
    capture = _Capture(chars)
    sys.stdout = sys.stderr = capture
    try:
        value = grade(request["sample"], request["item"])
    except MemoryError as exc:
        return {"status": "memory_error", "details": _traceback(exc), "output": capture.text()}
    except BaseException as exc:
        return {"status": "runtime_error", "details": _traceback(exc), "output": capture.text()}
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    reward, problem = coerce_reward(value)
    if reward is None:
        return {"status": "runtime_error", "details": problem, "output": capture.text()}
    return {"status": "ok", "reward": reward, "output": capture.text()}


def _receive_request(control: int) -> tuple[dict[str, Any], int]:
    """Read one request and the sample's reply pipe (child side)."""
    sock = socket.socket(fileno=os.dup(control))
    fds = array.array("i")
    header, ancillary, _, _ = sock.recvmsg(_HEADER.size, socket.CMSG_SPACE(fds.itemsize))
    if not header:
        os._exit(_NO_REQUEST)  # the supervisor closed the socket: the template stops
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    sock.detach()
    if len(fds) != 1 or len(header) != _HEADER.size:
        os._exit(71)
    request = _Stream(control).body(_HEADER.unpack(header)[0])
    if request is None:
        os._exit(71)
    return request, fds[0]


def _child(
    control: int, grade: Callable[..., Any], config: dict[str, Any], k: _Kernel, started: int
) -> None:
    """One sample, in a fresh process forked before its request came. Never returns."""
    try:
        request, reply_fd = _receive_request(control)
        os.write(started, b"s")  # the template starts the time limit now
        os.closerange(3, reply_fd)
        os.closerange(reply_fd + 1, 1 << 20)
        cpu = int(config["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        os.chdir(config["workdir"])
        k.add_sample_filter()
        reply = _call(grade, request, int(config["output_chars"]))
    except MemoryError:
        reply = {"status": "memory_error", "details": "MemoryError"}
    try:
        _Stream(reply_fd).send(reply)
    finally:
        os._exit(0)


def _wait(pid: int, started: int, timeout: float) -> tuple[int, bool, bool]:
    """Wait for the child: its exit code (negative: that signal), whether it timed out, and
    whether it had received a request. The time limit runs from the request."""
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    deadline, began = None, False
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), False, began
            if deadline is None:
                ready = select.select(
                    [started] + ([pidfd] if pidfd is not None else []),
                    [],
                    [],
                    None if pidfd is not None else 0.002,
                )[0]
                if started in ready:
                    began = os.read(started, 1) == b"s"
                    deadline = time.monotonic() + timeout if began else math.inf
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), True, began
            select.select(
                [pidfd] if pidfd is not None else [],
                [],
                [],
                left if pidfd is not None else min(left, 0.002),
            )
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _wipe(folder: str, keep: dict[str, Any]) -> bool:
    """Empty ``folder`` except the paths in ``keep`` (bind mounts and their parents)."""
    clean = True
    for entry in os.scandir(folder):
        if entry.name in keep:
            if keep[entry.name]:  # a parent of a mount: wipe around the mount
                clean = _wipe(entry.path, keep[entry.name]) and clean
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            clean = False
    return clean


def _serve(control: int, grade: Callable[..., Any], config: dict[str, Any], k: _Kernel) -> None:
    """Keep one child forked ahead, waiting for its request; report each child's end."""
    stream = _Stream(control)
    gc.freeze()  # the children do not copy the imported objects' pages when they collect
    while True:
        started_r, started_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(started_r)
            _child(control, grade, config, k, started_w)
        os.close(started_w)
        code, timed_out, began = _wait(pid, started_r, float(config["timeout_s"]))
        os.close(started_r)
        if not began and code == _NO_REQUEST:
            return  # the supervisor closed the socket
        clean = _wipe(config["workdir"], config["keep"])
        try:
            stream.send({"exit": code, "timeout": timed_out, "clean": clean})
        except OSError:
            return


def _import(stream: _Stream, config: dict[str, Any]) -> Callable[..., Any] | None:
    first = stream.recv()
    if first is None:
        return None
    capture = _Capture(0)
    sys.stdout = sys.stderr = capture
    try:
        grade = _load(str(first["source"]))
    except MemoryError as exc:
        stream.send({"ready": False, "status": "memory_error", "details": _traceback(exc)})
        return None
    except BaseException as exc:
        stream.send({"ready": False, "status": "runtime_error", "details": _traceback(exc)})
        return None
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    if not _wipe(config["workdir"], config["keep"]):
        stream.send({"ready": False, "status": "runtime_error", "details": "unremovable files"})
        return None
    stream.send({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]})
    return grade


def main(argv: list[str]) -> int:
    """Confine this process, import the grader, fork a child per sample until the socket closes."""
    config = json.loads(argv[1])
    control = _take_std_streams()
    os.chdir(config["workdir"])
    _set_limits(config)
    program = config.get("sample_filter")
    kernel: _Kernel = _NoKernel()
    if sys.platform == "linux":
        kernel = _Kernel(base64.b64decode(program) if program else None)
        kernel.prctl(_PR_SET_DUMPABLE, 0)
    grade = _import(_Stream(control), config)
    if grade is not None:
        _serve(control, grade, config, kernel)
    return 0


class _NoKernel(_Kernel):
    """Where prctl does not exist (the trusted mode off Linux): nothing to add."""

    def __init__(self) -> None:
        self.program = None

    def add_sample_filter(self) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
