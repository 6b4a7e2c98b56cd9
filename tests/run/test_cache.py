"""The reply cache and cassettes: keys, atomic writes, zero-request re-runs, record/replay."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.judge.reply import ChatFailure, ChatReply
from graderkit._run.judge.cache import BackgroundWriter, ReplyCache, request_key
from graderkit._run.judge.cassette import Cassette, CassetteMiss
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import FakeOpenAI, HTTPError, judge_reply

KEY = "sk-test-cache-9876543210"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=120) as fake:
        yield fake


def _body(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": [{"role": "user", "content": text}], **extra}


def _engine(server: FakeOpenAI, **kw: Any) -> ModelEngine:
    kw.setdefault("retry", RetryPolicy(max_attempts=1))
    return ModelEngine.from_env(base_url=server.base_url, api_key=KEY, timeout=5.0, **kw)


def _run(engine: ModelEngine, bodies: list[dict[str, Any]]) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return list(await asyncio.gather(*(engine.complete(b) for b in bodies)))
        finally:
            await engine.aclose()

    return asyncio.run(go())


# ---- keys ---------------------------------------------------------------------------------


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_key_ignores_key_order(body: dict[str, Any]) -> None:
    reordered = dict(reversed(list(body.items())))
    assert request_key("chat", body) == request_key("chat", reordered)


@pytest.mark.parametrize(
    "change",
    [
        {"model": "gpt-4.1-mini"},
        {"messages": [{"role": "user", "content": "hi!"}]},
        {"messages": [{"role": "system", "content": "hi"}]},
        {"temperature": 0},
        {"seed": 1},
        {"max_completion_tokens": 10},
        {"response_format": {"type": "json_schema"}},
    ],
    ids=["model", "content", "role", "temperature", "seed", "max-tokens", "response-format"],
)
def test_key_depends_on_every_part_of_the_request(change: dict[str, Any]) -> None:
    assert request_key("chat", _body()) != request_key("chat", {**_body(), **change})


def test_key_depends_on_the_kind() -> None:
    assert request_key("chat", _body()) != request_key("embeddings", _body())


# ---- the cache ----------------------------------------------------------------------------


def test_unreadable_entries_are_misses(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path)
    key = request_key("chat", _body())
    cache.put(key, {"content": "x"})
    cache.path(key).write_text('{"key": "', encoding="utf-8")
    assert cache.get(key) is None
    cache.path(key).write_text("[1, 2]", encoding="utf-8")
    assert cache.get(key) is None


def test_concurrent_writers_never_leave_a_torn_file(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path)
    key = request_key("chat", _body())
    big = {"content": "x" * 200_000}
    seen: list[Any] = []
    stop = threading.Event()

    def write(n: int) -> None:
        for i in range(20):
            cache.put(key, {**big, "writer": n, "i": i})

    def read() -> None:
        while not stop.is_set():
            seen.append(cache.get(key))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    reader.join()
    final = cache.get(key)
    assert final is not None and final["content"] == big["content"]
    assert all(r is None or r["content"] == big["content"] for r in seen)  # whole, or absent
    assert [p.name for p in cache.path(key).parent.iterdir()] == [cache.path(key).name]
    assert len(cache) == 1


def test_rerun_from_cache_sends_zero_requests(server: FakeOpenAI, tmp_path: Path) -> None:
    bodies = [_body(str(i)) for i in range(20)]
    first = _run(_engine(server, cache_dir=tmp_path), bodies)
    assert server.request_count == 20
    engine = _engine(server, cache_dir=tmp_path)
    second = _run(engine, bodies)
    assert server.request_count == 20
    assert second == first
    assert (engine.ledger.total.cache_hits, engine.ledger.total.requests) == (20, 0)


def test_failures_are_not_cached(server: FakeOpenAI, tmp_path: Path) -> None:
    server.enqueue(HTTPError(500))
    (failure,) = _run(_engine(server, cache_dir=tmp_path), [_body()])
    assert isinstance(failure, ChatFailure)
    (reply,) = _run(_engine(server, cache_dir=tmp_path), [_body()])
    assert isinstance(reply, ChatReply) and server.request_count == 2


# ---- cassettes ----------------------------------------------------------------------------


def test_record_then_replay(server: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "tape.jsonl"
    server.chat = lambda request: judge_reply(len(request.body["messages"][0]["content"]) / 10)
    bodies = [_body("a" * i) for i in range(1, 6)]
    recorded = _run(_engine(server, cassette=path, mode="record"), bodies)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(line["key"] for line in lines) == sorted(request_key("chat", b) for b in bodies)
    assert all(line["kind"] == "chat" and line["request"] in bodies for line in lines)
    again = _run(_engine(server, cassette=path, mode="record"), bodies)  # record once
    assert server.request_count == 5 and again == recorded
    replay = _engine(server, cassette=Cassette(path, mode="replay"))
    assert _run(replay, bodies) == recorded
    assert server.request_count == 5


def test_replay_miss_names_the_request_hash(server: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "tape.jsonl"
    _run(_engine(server, cassette=path, mode="record"), [_body("known")])
    replay = _engine(server, cassette=path, mode="replay")
    with pytest.raises(CassetteMiss) as info:
        _run(replay, [_body("unknown")])
    assert info.value.key == request_key("chat", _body("unknown"))
    assert info.value.key in str(info.value) and "mode='record'" in str(info.value)
    assert server.request_count == 1


def test_recording_also_captures_cache_hits(server: FakeOpenAI, tmp_path: Path) -> None:
    _run(_engine(server, cache_dir=tmp_path / "cache"), [_body()])
    tape = tmp_path / "tape.jsonl"
    _run(_engine(server, cache_dir=tmp_path / "cache", cassette=tape, mode="record"), [_body()])
    assert server.request_count == 1
    assert Cassette(tape).get(request_key("chat", _body())) is not None


def test_a_torn_last_line_is_dropped_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "tape.jsonl"
    tape = Cassette(path, mode="record")
    tape.record("k1", "chat", _body(), {"content": "1"})
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"key": "k2", "kind": "chat", "requ')  # a run killed mid-write
    assert Cassette(path, mode="replay").get("k1") == {"content": "1"}
    tape = Cassette(path, mode="record")
    tape.record("k3", "chat", _body(), {"content": "3"})
    reloaded = Cassette(path, mode="replay")
    assert (reloaded.get("k1"), reloaded.get("k2"), reloaded.get("k3")) == (
        {"content": "1"}, None, {"content": "3"},
    )  # fmt: skip


def test_a_corrupt_line_inside_the_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tape.jsonl"
    path.write_text('not json\n{"key": "k", "reply": {}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=":1:"):
        Cassette(path)


def test_replay_mode_never_records(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="record mode"):
        Cassette(tmp_path / "t.jsonl", mode="replay").record("k", "chat", {}, {})
    with pytest.raises(ValueError, match="mode"):
        Cassette(tmp_path / "t.jsonl", mode="rewind")  # type: ignore[arg-type]


# ---- the background writer ------------------------------------------------------------------


def test_background_writer_serves_pending_entries_and_flushes_on_close(tmp_path: Path) -> None:
    writer = BackgroundWriter(ReplyCache(tmp_path))
    keys = [request_key("chat", _body(str(i))) for i in range(200)]
    for i, key in enumerate(keys):
        writer.submit(key, {"content": str(i)})
    assert [writer.get(k) for k in keys] == [{"content": str(i)} for i in range(200)]
    writer.close()
    fresh = ReplyCache(tmp_path)
    assert [fresh.get(k) for k in keys] == [{"content": str(i)} for i in range(200)]


def test_a_failed_cache_write_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    writer = BackgroundWriter(ReplyCache(blocker))
    key = request_key("chat", _body())
    writer.submit(key, {"content": "x"})
    writer.close()
    assert "cache write failed" in caplog.text and writer.get(key) is None
