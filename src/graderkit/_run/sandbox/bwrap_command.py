"""The bubblewrap command line of a sandbox: namespaces, the minimal read-only root, the limits.

Pure: it turns a list of host paths into ``bwrap`` arguments; `graderkit._run.sandbox.supervisor`
finds the paths (the interpreter's own import path) and starts the process.

The sandbox's file system, in mount order:

* a fresh root (bubblewrap's tmpfs), remounted read-only at the end;
* ``/tmp``: the only writable place, a tmpfs of `Limits.disk_bytes` in total (HOME, TMPDIR
  and the working directory point at it); the template empties it before every sample;
* ``/proc``: a new procfs of the sandbox's own PID namespace, with ``/proc/sys`` (and
  ``/proc/sysrq-trigger`` where it exists) bound read-only over it; no ``/sys`` at all;
* ``/dev``: bubblewrap's minimal devices (null, zero, full, random, urandom, tty, pts),
  remounted read-only, so ``/dev/shm`` cannot be written;
* read-only binds, at their host paths, of: the interpreter, its standard library and every
  entry of its import path (site-packages, editable installs), the shared libraries
  (``/usr/lib``, ``/lib``...), ``/usr/share``, a few files of ``/etc`` the C library reads, the
  worker script, and the paths the caller adds. Nothing else of the host exists inside.

Examples:
    >>> argv, keep = bwrap_argv("/usr/bin/bwrap", ["/usr/lib/python3.11"], worker="/w.py",
    ...                         disk_bytes=2**30, seccomp_fd=5, command=["python3"])
    >>> argv[:3]
    ['/usr/bin/bwrap', '--unshare-user', '--disable-userns']
    >>> keep
    {}
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["NOBODY", "WORKDIR", "WORKER", "bwrap_argv", "minimal_roots", "readable_by_anyone"]

NOBODY = 65534
"""The uid (and gid) a sandbox started by root runs as, when it can read all it needs."""

WORKDIR = "/tmp"
"""The sandbox's private, writable directory (a size-limited tmpfs)."""

WORKER = "/run/graderkit/worker.py"
"""Where the worker script is bound inside the sandbox."""

SYSTEM_PATHS = (
    "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/usr/share",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
)  # fmt: skip
"""Host paths bound read-only besides the interpreter's own: the loader, libraries, data."""

_NAMESPACES = (
    "--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net", "--unshare-ipc",
    "--unshare-uts", "--unshare-cgroup", "--die-with-parent", "--new-session",
    "--cap-drop", "ALL", "--hostname", "graderkit-sandbox",
)  # fmt: skip


def minimal_roots(paths: Iterable[str]) -> list[str]:
    """Existing absolute paths, real paths resolved, without those inside another one.

    Examples:
        >>> minimal_roots(["/usr/lib", "/usr/lib/python3", "relative", "/does/not/exist"])
        ['/usr/lib']
    """
    found: set[str] = set()
    for path in paths:
        if not os.path.isabs(path) or not os.path.exists(path):
            continue
        found.add(os.path.realpath(path))
        norm = os.path.normpath(path)
        if not os.path.islink("/" + norm.split("/")[1]):  # /lib/... is bound as /usr/lib/...
            found.add(norm)
    ordered = sorted(found)
    kept: list[str] = []
    for path in ordered:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def readable_by_anyone(paths: Iterable[str]) -> bool:
    """True when a user with no special rights can reach and read every path (not below it).

    Examples:
        >>> readable_by_anyone(["/usr/lib"]), readable_by_anyone(["/proc/1/root"])
        (True, False)
    """
    for path in paths:
        parts = path.strip("/").split("/")
        try:
            for depth in range(len(parts)):
                mode = os.stat("/" + "/".join(parts[:depth])).st_mode
                if not mode & stat.S_IXOTH:
                    return False
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & stat.S_IROTH or (stat.S_ISDIR(mode) and not mode & stat.S_IXOTH):
            return False
    return True


def _top_symlinks() -> list[str]:
    """Merged-/usr systems: /lib -> usr/lib and friends, recreated as symlinks inside."""
    args: list[str] = []
    for name in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
    return args


def _keep_tree(roots: Sequence[str]) -> dict[str, Any]:
    """The bind mounts under WORKDIR, as a tree of names the wipe must leave in place."""
    tree: dict[str, Any] = {}
    for root in roots:
        if root.startswith(WORKDIR + "/"):
            node = tree
            for part in root[len(WORKDIR) + 1 :].split("/"):
                node = node.setdefault(part, {})
    return _mark_leaves(tree)


def _mark_leaves(tree: dict[str, Any]) -> dict[str, Any]:
    # a mount point itself maps to {} ("keep whole"); a parent maps to its children
    return {name: (_mark_leaves(sub) if sub else {}) for name, sub in tree.items()}


def bwrap_argv(
    bwrap: str,
    roots: Iterable[str],
    *,
    worker: str,
    disk_bytes: int,
    seccomp_fd: int,
    command: Sequence[str],
) -> tuple[list[str], dict[str, Any]]:
    """The full ``bwrap`` command and the tree of bind mounts under `WORKDIR` to keep.

    Args:
        bwrap: the bubblewrap executable.
        roots: host paths to bind read-only (the interpreter's; `SYSTEM_PATHS` are added).
        worker: the worker script on the host, bound at `WORKER`.
        disk_bytes: the size of the writable tmpfs, in total.
        seccomp_fd: a file descriptor holding the base filter's BPF program.
        command: what to run inside (the interpreter and its arguments).
    """
    binds = minimal_roots([*roots, *SYSTEM_PATHS])
    symlinks = _top_symlinks()
    linked = {symlinks[i + 2] for i in range(0, len(symlinks), 3)}
    argv = [bwrap, *_NAMESPACES]
    argv += ["--size", str(int(disk_bytes)), "--tmpfs", WORKDIR, "--chmod", "1777", WORKDIR]
    argv += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
    argv += ["--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"]
    argv += ["--dev", "/dev", "--remount-ro", "/dev"]
    for path in binds:
        if path not in linked:
            argv += ["--ro-bind", path, path]
    argv += [*symlinks, "--ro-bind", worker, WORKER, "--remount-ro", "/"]
    argv += ["--chdir", WORKDIR, "--seccomp", str(seccomp_fd), "--", *command]
    return argv, _keep_tree([p for p in binds if p not in linked])
