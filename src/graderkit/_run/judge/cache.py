"""A content-addressed on-disk cache of model replies, so a re-run costs nothing.

The key is the sha256 of the canonical JSON of the request body: model, rendered messages,
sampling parameters and response format (for embeddings: model and inputs). Credentials, base
URLs and headers are never part of a body, so they are never part of a key or a file. Each
reply is one small JSON file written to a temporary name and renamed into place, so concurrent
writers (threads, processes, several runs sharing a directory) never leave a torn file.

Examples:
    >>> import tempfile
    >>> cache = ReplyCache(tempfile.mkdtemp())
    >>> key = request_key("chat", {"model": "gpt-4.1", "messages": []})
    >>> cache.get(key) is None
    True
    >>> cache.put(key, {"content": "{}"})
    >>> cache.get(key)
    {'content': '{}'}
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from queue import SimpleQueue
from typing import Any

__all__ = ["BackgroundWriter", "ReplyCache", "canonical_json", "request_key"]

_log = logging.getLogger("graderkit")
_KEY_VERSION = 1
"""Bump when the meaning of a cached reply changes, to invalidate old entries."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: equal requests give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(kind: str, body: Mapping[str, Any]) -> str:
    """The cache key of a request: sha256 hex of its canonical JSON and its kind.

    Args:
        kind: ``"chat"`` or ``"embeddings"``.
        body: the request body (never holds credentials).

    Examples:
        >>> a = request_key("chat", {"model": "m", "messages": [{"role": "user", "content": "x"}]})
        >>> b = request_key("chat", {"messages": [{"content": "x", "role": "user"}], "model": "m"})
        >>> a == b, len(a)
        (True, 64)
    """
    text = canonical_json({"v": _KEY_VERSION, "kind": kind, "body": body})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReplyCache:
    """Replies on disk under ``directory/<key[:2]>/<key>.json``.

    Args:
        directory: where to keep the files (created on first write).
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._made: set[Path] = set()

    def __repr__(self) -> str:
        return f"ReplyCache({str(self.directory)!r})"

    def path(self, key: str) -> Path:
        """The file that holds ``key``'s reply."""
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached reply, or ``None`` (a missing or unreadable file is a miss)."""
        try:
            with open(self.path(key), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return None
        reply = data.get("reply") if isinstance(data, dict) else None
        return reply if isinstance(reply, dict) else None

    def put(self, key: str, reply: Mapping[str, Any]) -> None:
        """Store ``reply`` atomically (temporary file in the same directory, then rename)."""
        target = self.path(key)
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"key": key, "reply": dict(reply)}, f, ensure_ascii=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        """How many replies are stored."""
        return sum(1 for _ in self.directory.glob("*/*.json"))


class BackgroundWriter:
    """Writes replies to a [`ReplyCache`][graderkit._run.judge.cache.ReplyCache] from one thread.

    Creating a file costs from 50 us to over half a millisecond of kernel time depending on
    the file system; done here, it overlaps with the caller's work instead of blocking an event
    loop, and submitting costs a queue append. Entries not yet on disk are still found by
    [`get`][graderkit._run.judge.cache.BackgroundWriter.get].

    Examples:
        >>> import tempfile
        >>> writer = BackgroundWriter(ReplyCache(tempfile.mkdtemp()))
        >>> writer.submit("ab" * 32, {"content": "x"})
        >>> writer.get("ab" * 32)
        {'content': 'x'}
        >>> writer.close()
        >>> writer.cache.get("ab" * 32)
        {'content': 'x'}
    """

    def __init__(self, cache: ReplyCache) -> None:
        self.cache = cache
        self._queue: SimpleQueue[tuple[str, dict[str, Any]] | None] = SimpleQueue()
        self._pending: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="graderkit-cache", daemon=True)
        self._thread.start()

    def submit(self, key: str, reply: Mapping[str, Any]) -> None:
        """Queue ``reply`` for ``key``."""
        entry = dict(reply)
        with self._lock:
            self._pending[key] = entry
        self._queue.put((key, entry))

    def get(self, key: str) -> dict[str, Any] | None:
        """A reply queued or on disk, else ``None``."""
        with self._lock:
            entry = self._pending.get(key)
        return dict(entry) if entry is not None else self.cache.get(key)

    def close(self) -> None:
        """Write everything queued, then stop the thread (blocks until done)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            key, entry = job
            try:
                self.cache.put(key, entry)
            except OSError as exc:  # a full disk must not kill the run; the entry is just lost
                _log.warning("cache write failed for %s: %s", key, exc)
            finally:
                with self._lock:
                    if self._pending.get(key) is entry:
                        del self._pending[key]
