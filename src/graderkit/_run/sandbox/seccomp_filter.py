"""The sandbox's seccomp filters, compiled to classic BPF by libseccomp.

Two filters, both deny lists (a grader may use any ordinary system call):

* the **base** filter, which bubblewrap loads (``--seccomp FD``) for every process of the
  sandbox: no debugging of other processes, no mounts or new namespaces, no kernel keyrings, eBPF,
  perf, io_uring, kernel modules, reboot, clock changes, and no memory that ``RLIMIT_AS`` does not
  count (``memfd_create``, SysV shared memory);
* the **sample** filter, which each per-sample child adds before it runs ``grade``: it can no
  longer start processes (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``, ``execve``),
  so nothing a sample starts can outlive it; threads still work.

Denied calls fail with ``EPERM`` (``ENOSYS`` for ``clone3``, so the C library falls back to
``clone``, whose flags the filter can read). Other architectures' system call tables (x32, i386)
are refused by libseccomp's default bad-architecture action, which kills the process.

The binding is libseccomp's own Python module (``seccomp``, e.g. Debian's ``python3-seccomp``)
when it is importable, else ``pyseccomp`` (the same API over ``libseccomp.so.2`` through ctypes).

Examples:
    >>> program = base_filter()
    >>> len(program) % 8 == 0 and len(program) > 8   # struct sock_filter is 8 bytes
    True
"""

from __future__ import annotations

import errno
import tempfile
from functools import cache
from typing import Any

__all__ = ["SeccompUnavailable", "base_filter", "sample_filter"]

# Calls a grader never needs; each would let it reach beyond its sandbox or around its limits.
BASE_DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr", "unshare", "setns",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "syslog", "vhangup", "iopl", "ioperm",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "personality",
    "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "semget",
)  # fmt: skip
"""Denied in every process of the sandbox (``EPERM``)."""

SAMPLE_DENIED = ("fork", "vfork", "execve", "execveat")
"""Denied in a per-sample child, on top of `BASE_DENIED`; ``clone`` is denied unless it makes a thread."""

_CLONE_THREAD = 0x00010000
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                    0x40000000)  # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET  # fmt: skip


class SeccompUnavailable(RuntimeError):
    """libseccomp (the C library or its Python binding) cannot be loaded."""


def _binding() -> Any:
    try:
        import seccomp  # libseccomp's own binding, when installed

        return seccomp
    except ImportError:
        pass
    try:
        import pyseccomp
    except (ImportError, OSError, AttributeError, TypeError) as exc:
        raise SeccompUnavailable(
            f"cannot load libseccomp ({type(exc).__name__}: {exc}); install the C library "
            "(Debian: apt-get install libseccomp2) and graderkit's dependency pyseccomp"
        ) from exc
    return pyseccomp


def _export(flt: Any) -> bytes:
    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        return out.read()


@cache
def base_filter() -> bytes:
    """The BPF program bubblewrap loads for the whole sandbox (see the module docstring)."""
    sc = _binding()
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in BASE_DENIED:
        _deny(sc, flt, name, errno.EPERM)
    _deny(sc, flt, "clone3", errno.ENOSYS)
    for flag in _NAMESPACE_FLAGS:  # one rule per flag: the rules of a call are or-ed
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    return _export(flt)


@cache
def sample_filter() -> bytes:
    """The BPF program a per-sample child adds before ``grade`` runs: no new processes."""
    sc = _binding()
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in SAMPLE_DENIED:
        _deny(sc, flt, name, errno.EPERM)
    flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, _CLONE_THREAD, 0))
    return _export(flt)


def _deny(sc: Any, flt: Any, name: str, code: int) -> None:
    try:
        flt.add_rule(sc.ERRNO(code), name)
    except (OSError, ValueError, RuntimeError) as exc:  # a call this kernel's table lacks
        if sc.resolve_syscall(sc.Arch.NATIVE, name) < 0:
            return
        raise SeccompUnavailable(f"libseccomp refused a rule for {name}: {exc}") from exc
