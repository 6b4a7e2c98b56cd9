"""Record real judge replies once, replay them offline and deterministically (e.g. in CI).

A cassette is a JSONL file, one line per request: ``{"key", "kind", "request", "reply"}``,
where ``key`` is the request's [`request_key`][graderkit._run.judge.cache.request_key]. The request
body is stored so a reviewer can read what was asked; it never holds credentials (those travel
in headers, which are not recorded).

Modes:
    ``"record"``: a request found in the cassette is answered from it; any other is sent to
    the model and its reply appended. Record once, commit the file.
    ``"replay"``: every request must be in the cassette; nothing is sent. A request that is
    not there raises [`CassetteMiss`][graderkit._run.judge.cassette.CassetteMiss] naming its hash
    (decision: a stale cassette is a broken test, so it fails loudly rather than grading the
    sample as an error).

Examples:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "judge.jsonl")
    >>> tape = Cassette(path, mode="record")
    >>> tape.record("ab12", "chat", {"model": "m"}, {"content": "{}"})
    >>> Cassette(path, mode="replay").get("ab12")
    {'content': '{}'}
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from graderkit.errors import GraderkitError

__all__ = ["Cassette", "CassetteMiss", "CassetteMode"]

CassetteMode = Literal["record", "replay"]


class CassetteMiss(GraderkitError, LookupError):
    """Replay mode met a request the cassette does not hold.

    Attributes:
        key: the request's hash.
        path: the cassette file.
    """

    def __init__(self, key: str, path: Path, summary: str) -> None:
        self.key = key
        self.path = path
        super().__init__(
            f"cassette {str(path)!r} has no reply for request {key} ({summary}); the grader, "
            "the data or graderkit changed since it was recorded: re-record it with "
            "mode='record' (this sends the missing requests to the model)"
        )


class Cassette:
    """A JSONL file of recorded replies.

    Args:
        path: the cassette file (created when the first reply is recorded).
        mode: ``"record"`` or ``"replay"`` (see the module docs).
    """

    def __init__(self, path: str | os.PathLike[str], *, mode: CassetteMode = "replay") -> None:
        if mode not in ("record", "replay"):
            raise ValueError(f"mode={mode!r} is not one of 'record', 'replay'")
        self.path = Path(path)
        self.mode: CassetteMode = mode
        self._lock = threading.Lock()
        self._replies = _load(self.path, repair=mode == "record")

    def __repr__(self) -> str:
        return f"Cassette({str(self.path)!r}, mode={self.mode!r})"

    def __len__(self) -> int:
        return len(self._replies)

    def get(self, key: str) -> dict[str, Any] | None:
        """The recorded reply for ``key``, or ``None``."""
        reply = self._replies.get(key)
        return None if reply is None else dict(reply)

    def miss(self, key: str, request: Mapping[str, Any]) -> CassetteMiss:
        """The error for a request that replay mode cannot answer."""
        return CassetteMiss(key, self.path, _summary(request))

    def record(
        self, key: str, kind: str, request: Mapping[str, Any], reply: Mapping[str, Any]
    ) -> None:
        """Append one reply (record mode only; a key already present is not written twice)."""
        if self.mode != "record":
            raise RuntimeError(f"{self!r} is not in record mode")
        line = json.dumps(
            {"key": key, "kind": kind, "request": dict(request), "reply": dict(reply)},
            ensure_ascii=False,
        )
        with self._lock:
            if key in self._replies:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
            self._replies[key] = dict(reply)


def _load(path: Path, *, repair: bool) -> dict[str, dict[str, Any]]:
    """Read every entry; a torn last line (a run killed mid-write) is dropped, and cut from the
    file when ``repair`` is set so that later appends start on a fresh line."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    replies: dict[str, dict[str, Any]] = {}
    lines = data.split(b"\n")
    good = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                entry = json.loads(line)
                replies[str(entry["key"])] = dict(entry["reply"])
            except (ValueError, KeyError, TypeError) as exc:
                if number < len(lines):
                    raise ValueError(f"{path}:{number}: not a cassette entry ({exc})") from exc
                break
        good += len(line) + 1
    if repair and good < len(data):
        with open(path, "r+b") as f:
            f.truncate(good)
    return replies


def _summary(request: Mapping[str, Any]) -> str:
    model = request.get("model", "?")
    messages = request.get("messages")
    if isinstance(messages, list) and messages:
        content = messages[-1].get("content") if isinstance(messages[-1], Mapping) else None
        text = content if isinstance(content, str) else json.dumps(content)[:80]
        return f"model {model}, last message {text[:80]!r}"
    return f"model {model}"
