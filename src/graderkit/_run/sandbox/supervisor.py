"""Run untrusted ``grade(sample, item)`` code: one bubblewrap sandbox per warm template, a fresh
process per sample.

For each grader source the pool
starts a **template** (`graderkit._run.sandbox.worker`, started by
`graderkit._run.sandbox.template_process`) inside its own bubblewrap sandbox: new
user, PID, network, IPC, UTS and cgroup namespaces, a minimal read-only root, a 1 GiB tmpfs as
the only writable place, no capabilities, ``no_new_privs`` and a seccomp filter. The template
imports the source once; every sample then runs in a **child forked from it**, which gets its
sample and a reply pipe of its own and exits after one ``grade`` call. docs/python-sandbox.md
says exactly what is enforced.

Where bubblewrap cannot run (not installed, no user namespaces, not Linux), grading raises
`SandboxUnavailable` saying what is missing, unless the trusted mode ``isolation="none"`` was
asked for explicitly (it warns once per sandbox: for graders you wrote yourself only).

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
import hashlib
import json
import os
import shutil
import sys
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Literal

from graderkit._run.sandbox.outcome import Limits, Outcome
from graderkit._run.sandbox.seccomp_filter import SeccompUnavailable
from graderkit._run.sandbox.template_process import StartFailed, Template, TemplateSpec, import_path
from graderkit.errors import GraderkitError, GraderkitWarning

__all__ = [
    "Limits",
    "Outcome",
    "PythonSandbox",
    "SandboxUnavailable",
    "UnsandboxedWarning",
    "isolation",
    "unavailable_reason",
]

Isolation = Literal["bwrap", "none"]
_SERVER = "python_grader_server_error"
_MAX_TEMPLATES = 32  # beyond this many live templates, idle ones of other sources are stopped
_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
_USERNS_HINT = (
    "enable unprivileged user namespaces (sysctl user.max_user_namespaces=15000; on Debian "
    "before 11 kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 "
    "kernel.apparmor_restrict_unprivileged_userns=0), or run graderkit in a container that "
    "allows them (e.g. docker run --security-opt seccomp=unconfined --security-opt "
    "apparmor=unconfined)"
)
_TRUSTED_HINT = (
    "For graders you wrote yourself (never for model-written code) you may pass "
    "PythonSandbox(isolation='none')."
)


class SandboxUnavailable(GraderkitError, RuntimeError):
    """The python sandbox cannot start on this machine; the message says what is missing.

    Examples:
        >>> import graderkit as gk
        >>> issubclass(gk.SandboxUnavailable, gk.GraderkitError)
        True
    """


class UnsandboxedWarning(GraderkitWarning):
    """Python graders run without isolation (``isolation="none"``): trusted code only.

    Examples:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     PythonSandbox(isolation="none").close()
        >>> caught[0].category.__name__
        'UnsandboxedWarning'
    """


def unavailable_reason(platform: str, bwrap: str | None) -> str | None:
    """Why bubblewrap cannot run on ``platform`` with ``bwrap`` (its path, or ``None``).

    ``None`` when it can: a sandbox then starts and grades a trivial sample (the probe).

    Examples:
        >>> print(unavailable_reason("darwin", None))  # doctest: +ELLIPSIS
        the python sandbox needs Linux (bubblewrap and user namespaces); this is darwin. Run graderkit in a Linux container ...
    """
    if not platform.startswith("linux"):
        return (
            f"the python sandbox needs Linux (bubblewrap and user namespaces); this is "
            f"{platform}. Run graderkit in a Linux container (e.g. docker run -it python:3.12, "
            f"then apt-get install bubblewrap and pip install graderkit). {_TRUSTED_HINT}"
        )
    if not bwrap:
        return (
            "bubblewrap is not installed (no bwrap on PATH): install it (Debian/Ubuntu: "
            "apt-get install bubblewrap; Fedora: dnf install bubblewrap; Arch: pacman -S "
            f"bubblewrap). {_TRUSTED_HINT}"
        )
    spec = TemplateSpec.bwrap(Limits(timeout_s=30), {}, (), import_path(), _WORKER)
    try:
        spec.probe()
    except (StartFailed, SeccompUnavailable) as exc:
        return (
            f"bubblewrap cannot start a sandbox here: {exc}. If user namespaces are the cause, "
            f"{_USERNS_HINT}. {_TRUSTED_HINT}"
        )
    return None


@lru_cache(maxsize=1)
def _problem() -> str | None:
    return unavailable_reason(sys.platform, shutil.which("bwrap"))


def isolation() -> Isolation:
    """The isolation the default configuration uses here: ``"bwrap"``, probed once per process.

    Raises:
        SandboxUnavailable: bubblewrap cannot run here; the message says what is missing and how
            to enable it.

    Examples:
        >>> isolation()
        'bwrap'
    """
    problem = _problem()
    if problem is not None:
        raise SandboxUnavailable(problem)
    return "bwrap"


class PythonSandbox:
    """Runs python graders: a warm template per grader source, a fresh process per sample.

    Each template imports its source once inside its own bubblewrap sandbox; every sample runs
    in a child forked from it, so nothing one sample does (globals, patched functions, threads,
    files, timers) reaches another. Up to ``workers`` templates per source run samples at once;
    idle templates of the least recently used sources are stopped beyond 32 in all. A template
    whose sample crashed or timed out is replaced. Thread-safe;
    use it as a context manager or call `close`.

    Args:
        workers: how many samples of one source run at once (default: the number of CPUs).
        limits: the limits of one call.
        env: environment variables for the grader (nothing of the parent's environment is
            passed: add here what a grader needs, e.g. ``{"NLTK_DATA": "/usr/share/nltk_data"}``).
        isolation: ``"bwrap"`` (the default: the bubblewrap sandbox, or `SandboxUnavailable`
            where it cannot run) or ``"none"``: no isolation, for graders you wrote yourself,
            never for model-written code (warns with `UnsandboxedWarning`).
        read_only: extra host paths the grader may read (bound read-only at the same path).

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
        isolation: Isolation = "bwrap",
        read_only: Iterable[str] = (),
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers={workers!r} must be at least 1")
        if isolation not in ("bwrap", "none"):
            raise ValueError(f"isolation={isolation!r} is not one of 'bwrap', 'none'")
        if isolation == "none":
            warnings.warn(
                "PythonSandbox(isolation='none') runs python graders without isolation: "
                "for graders you wrote yourself, never for model-written code",
                UnsandboxedWarning,
                stacklevel=2,
            )
        self.mode: Isolation = isolation
        self.workers = workers or os.cpu_count() or 1
        self.limits = limits
        self._env = {str(k): str(v) for k, v in (env or {}).items()}
        self._read_only = tuple(os.path.abspath(p) for p in read_only)
        self._spec: TemplateSpec | None = None
        self._idle: OrderedDict[str, list[Template]] = OrderedDict()
        self._live: set[Template] = set()
        self._count: dict[str, int] = {}  # live or starting templates per source
        self._broken: OrderedDict[str, Outcome] = OrderedDict()
        self._closed = False
        self._cond = threading.Condition()
        self._finalizer = weakref.finalize(self, _kill_all, self._live)

    def __enter__(self) -> PythonSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, source: str, sample: Mapping[str, Any], item: Mapping[str, Any]) -> Outcome:
        """Grade one (sample, item) pair with ``grade`` from ``source``, in a fresh process.

        Raises:
            TypeError: ``sample`` or ``item`` is not JSON data.
            SandboxUnavailable: the bubblewrap sandbox cannot run here (see `isolation`).
            RuntimeError: the sandbox is closed.
        """
        body = json.dumps({"sample": sample, "item": item}).encode("utf-8", "surrogatepass")
        key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        for _ in range(2):  # a template found dead before the call is replaced once
            got = self._acquire(key, source)
            if isinstance(got, Outcome):
                return got
            try:
                outcome, reusable = got.run(body)
            except StartFailed:
                self._release(key, got, reusable=False)
                continue
            self._release(key, got, reusable)
            return outcome
        return Outcome(0.0, {_SERVER: "crashed: two fresh templates died before the call"})

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
        """Stop every template and its sandbox. Idempotent."""
        with self._cond:
            self._closed = True
            idle = [t for group in self._idle.values() for t in group]
            self._idle.clear()
            self._live.difference_update(idle)
            self._cond.notify_all()
        for template in idle:  # busy templates are killed when their sample returns
            template.kill()
        if self._spec is not None:
            self._spec.cleanup()

    def _template_spec(self) -> TemplateSpec:
        if self._spec is None:
            if self.mode == "bwrap":
                paths = (*import_path(), *self._read_only)
                isolation()  # raises SandboxUnavailable with the reason
                self._spec = TemplateSpec.bwrap(self.limits, self._env, (), paths, _WORKER)
            else:
                self._spec = TemplateSpec.trusted(self.limits, self._env, _WORKER)
        return self._spec

    def _acquire(self, key: str, source: str) -> Template | Outcome:
        spec = self._template_spec()
        victim = None
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the python sandbox is closed")
                if key in self._broken:
                    return self._broken[key]
                group = self._idle.get(key)
                if group:
                    return group.pop()
                if self._count.get(key, 0) < self.workers:
                    self._count[key] = self._count.get(key, 0) + 1
                    break
                self._cond.wait()
            if len(self._live) >= _MAX_TEMPLATES:
                victim = self._pop_other_idle(key)
        if victim is not None:
            victim.kill()
        return self._start(spec, key, source)

    def _pop_other_idle(self, key: str) -> Template | None:
        for other, group in self._idle.items():  # the least recently used source first
            if group and other != key:
                victim = group.pop()
                self._live.discard(victim)
                self._count[other] -= 1
                return victim
        return None

    def _start(self, spec: TemplateSpec, key: str, source: str) -> Template | Outcome:
        try:
            template = Template(spec, source)
            failed = template.wait_ready()
        except StartFailed as exc:
            self._forget(key)
            return Outcome(0.0, {_SERVER: f"sandbox_unavailable: {exc}"})
        if failed is not None:
            template.kill()
            self._forget(key)
            if "python_grader_runtime_error" in failed.errors:
                with self._cond:  # an import that raised will raise again: remember it
                    self._broken[key] = failed
                    while len(self._broken) > 64:
                        self._broken.popitem(last=False)
            return failed
        with self._cond:
            self._live.add(template)
        return template

    def _forget(self, key: str) -> None:
        with self._cond:
            self._count[key] -= 1
            self._cond.notify_all()

    def _release(self, key: str, template: Template, reusable: bool) -> None:
        cap = self.limits.max_calls_per_worker
        keep = reusable and (cap is None or template.calls < cap)
        with self._cond:
            keep = keep and not self._closed
            if keep:
                self._idle.setdefault(key, []).append(template)
                self._idle.move_to_end(key)
            else:
                self._live.discard(template)
                self._count[key] -= 1
            self._cond.notify_all()
        if not keep:
            template.kill()


def _kill_all(templates: set[Template]) -> None:
    for template in list(templates):
        template.kill()
