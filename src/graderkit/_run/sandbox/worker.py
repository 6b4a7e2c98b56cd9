"""The child side of the python sandbox: runs ``grade(sample, item)`` for the parent, one at a time.

`graderkit._run.sandbox.supervisor` starts this file as a script (``python -I -B worker.py CONFIG``),
never imports it, so it uses the standard library only and starts fast. It confines itself
(resource limits, an audit hook), says it is ready, then serves requests until its input closes.

Frames on both pipes are a 4-byte big-endian length and that many bytes of UTF-8 JSON.
Request: ``{"id", "key", "source" (or null when the worker has it cached), "sample", "item"}``.
Reply: ``{"id", "status", ...}`` where status is ``ok`` (``reward``), ``runtime_error`` or
``memory_error`` (``details``), or ``need_source``; ``output`` holds captured prints and
``recycle`` asks the parent to replace this worker (the grader left threads running).
"""

from __future__ import annotations

import io
import json
import linecache
import math
import numbers
import os
import resource
import signal
import struct
import sys
import threading
import traceback
import types
from collections import OrderedDict
from collections.abc import Callable
from traceback import TracebackException
from typing import Any

_HEADER = struct.Struct("!I")
_CACHE_SIZE = 32
_DETAILS_CHARS = 32_000
_SELF = os.path.realpath(__file__)


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


class _Channel:
    """Length-prefixed JSON frames over two pipe file descriptors."""

    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfd, self.wfd = rfd, wfd

    def recv(self) -> dict[str, Any] | None:
        header = self._read(_HEADER.size)
        if header is None:
            return None
        body = self._read(_HEADER.unpack(header)[0])
        return None if body is None else dict(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8", "surrogatepass")
        data = memoryview(_HEADER.pack(len(body)) + body)
        while data:
            data = data[os.write(self.wfd, data) :]

    def _read(self, n: int) -> bytes | None:
        chunks, got = [], 0
        while got < n:
            chunk = os.read(self.rfd, min(n - got, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


def _take_std_streams() -> _Channel:
    """Keep stdin/stdout for the protocol; point fds 0, 1 and 2 at /dev/null for the grader."""
    channel = _Channel(os.dup(0), os.dup(1))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return channel


def _set_limits(config: dict[str, Any]) -> None:
    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_FSIZE", "disk_bytes")):
        if config.get(key) and hasattr(resource, name):
            limit = int(config[key])
            resource.setrlimit(getattr(resource, name), (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if config.get("nproc_margin") and hasattr(resource, "RLIMIT_NPROC"):
        limit = _tasks_of_my_user() + int(config["nproc_margin"])
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails with EFBIG instead


def _tasks_of_my_user() -> int:
    """Threads of this user now (``RLIMIT_NPROC`` counts them all, system-wide)."""
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                count += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return count


_SPAWN_EVENTS = frozenset(
    {
        "os.fork",
        "os.forkpty",
        "os.system",
        "os.posix_spawn",
        "os.exec",
        "os.spawn",
        "subprocess.Popen",
        "pty.spawn",
    }
)
_SOCKET_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.bind",
        "socket.sendto",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)
# event -> indexes of the arguments that name a path the event modifies
_WRITE_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "os.rename": (0, 1),
    "os.symlink": (1,),
    "os.link": (1,),
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _resolve(path: Any) -> str:
    if isinstance(path, int):
        return os.path.realpath(f"/proc/self/fd/{path}") if os.path.exists("/proc/self/fd") else ""
    return os.path.realpath(os.fsdecode(os.fspath(path)))


def _foreign_proc(path: Any) -> bool:
    """True for /proc/<pid>/... of another process (its environment, memory, command line)."""
    if not isinstance(path, (str, bytes)) or "proc" not in os.fsdecode(path):
        return False
    parts = _resolve(path).split(os.sep)
    return (
        len(parts) > 2
        and parts[1] == "proc"
        and parts[2].isdigit()
        and int(parts[2]) != os.getpid()
    )


def _writable(path: Any, roots: tuple[str, ...]) -> bool:
    try:
        real = _resolve(path)
    except (TypeError, ValueError, OSError):
        return False
    return real in roots or real.startswith(tuple(r + os.sep for r in roots))


def _audit(
    event: str,
    args: tuple[Any, ...],
    *,
    roots: tuple[str, ...] = (),
    me: int = 0,
    spawn: frozenset[str] = _SPAWN_EVENTS,
) -> None:
    """The audit hook: refuses process creation, network use and writes outside ``roots``.

    Its state lives in keyword defaults, not in a closure: replacing a function's defaults or
    code raises an audited ``object.__setattr__``, which this hook refuses for itself.
    """
    if event == "open":
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        if (flags & _WRITE_FLAGS or any(c in mode for c in "wax+")) and not _writable(
            args[0], roots
        ):
            raise PermissionError(f"graderkit sandbox: writing outside {roots[0]} is not allowed")
        if _foreign_proc(args[0]):
            raise PermissionError(
                "graderkit sandbox: reading other processes' /proc is not allowed"
            )
    elif event in _WRITE_EVENTS:
        if not all(_writable(args[i], roots) for i in _WRITE_EVENTS[event]):
            raise PermissionError(f"graderkit sandbox: {event} outside {roots[0]} is not allowed")
    elif event in spawn:
        raise PermissionError(f"graderkit sandbox: starting processes ({event}) is not allowed")
    elif event == "socket.__new__":
        if len(args) > 1 and args[1] != getattr(__import__("socket"), "AF_UNIX", 1):
            raise PermissionError("graderkit sandbox: the network is disabled")
    elif event in _SOCKET_EVENTS or (event == "socket.sendmsg" and args[1] is not None):
        raise PermissionError(f"graderkit sandbox: the network is disabled ({event})")
    elif event in ("os.kill", "os.killpg") and args[0] not in (0, me, os.getpid()):
        raise PermissionError("graderkit sandbox: signalling other processes is not allowed")
    elif event == "object.__setattr__" and args[0] is _audit:
        raise PermissionError("graderkit sandbox: the audit hook cannot be changed")


def _install_hook(workdir: str) -> None:
    roots = (os.path.realpath(workdir), os.devnull)
    _audit.__kwdefaults__ = {"roots": roots, "me": os.getpid(), "spawn": _SPAWN_EVENTS}
    sys.addaudithook(_audit)


class _NeedSource(Exception):
    pass


def _load(key: str, source: str | None, cache: OrderedDict[str, Callable[..., Any]]) -> Any:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    if source is None:
        raise _NeedSource
    filename = f"grader_{key[:12]}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("grader")
    module.__file__ = filename
    sys.modules["grader"] = module
    exec(compile(source, filename, "exec", dont_inherit=True), module.__dict__)
    grade = module.__dict__.get("grade")
    if not callable(grade):
        raise TypeError("the source defines no callable grade(sample, item) at module level")
    cache[key] = grade
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return grade


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


def _handle(
    request: dict[str, Any], cache: OrderedDict[str, Any], config: dict[str, Any]
) -> dict[str, Any]:
    capture = _Capture(int(config["output_chars"]))
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = capture
    try:
        os.chdir(config["workdir"])
        grade = _load(request["key"], request.get("source"), cache)
        value = grade(request["sample"], request["item"])
    except _NeedSource:
        return {"status": "need_source"}
    except MemoryError as exc:
        return {"status": "memory_error", "details": _traceback(exc), "output": capture.text()}
    except BaseException as exc:
        return {"status": "runtime_error", "details": _traceback(exc), "output": capture.text()}
    finally:
        sys.stdout, sys.stderr = saved
    reward, problem = coerce_reward(value)
    if reward is None:
        return {"status": "runtime_error", "details": problem, "output": capture.text()}
    return {"status": "ok", "reward": reward, "output": capture.text()}


def _serve(channel: _Channel, config: dict[str, Any]) -> None:
    cache: OrderedDict[str, Any] = OrderedDict()
    while True:
        try:
            request = channel.recv()
        except MemoryError:
            channel.send({"id": None, "status": "memory_error", "details": "request too large"})
            continue
        if request is None:
            return
        try:
            reply = _handle(request, cache, config)
        except MemoryError:
            reply = {"status": "memory_error", "details": "MemoryError"}
        reply["id"] = request.get("id")
        reply["recycle"] = threading.active_count() > 1
        channel.send(reply)


def main(argv: list[str]) -> int:
    """Confine this process, say ready, serve until the parent closes the pipe."""
    config = json.loads(argv[1])
    channel = _take_std_streams()
    os.chdir(config["workdir"])
    _set_limits(config)
    _install_hook(config["workdir"])
    channel.send({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]})
    _serve(channel, config)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
