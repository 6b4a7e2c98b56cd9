"""A content-addressed on-disk cache of model replies, so a re-run costs nothing.

The key is the sha256 of the canonical JSON of the request body: model, rendered messages,
sampling parameters and response format (for embeddings: model and inputs). Credentials, base
URLs and headers are never part of a body, so they are never part of a key or a file. Each
reply is one small JSON file written to a temporary name and renamed into place, so concurrent
writers (threads, processes, several runs sharing a directory) never leave a torn file.

Example:
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
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ReplyCache", "canonical_json", "request_key"]

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

    Example:
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
