"""cosine for text_similarity: the OpenAI-compatible embeddings backend (batched, cached) through
the real client on loopback, and a pluggable local embedder."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import graderkit as gk
from graderkit._run.judge.embeddings import (
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingBackend,
    EmbeddingError,
    OpenAIEmbeddings,
    cosine,
    cosine_similarity,
)
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.judge.retry import RetryPolicy
from graderkit.testing.fake_openai import Embeddings, FakeOpenAI, HTTPError, hash_embedder

KEY = "sk-test-embeddings-000000"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(lifetime=120) as fake:
        yield fake


def _backend(server: FakeOpenAI, **kw: Any) -> OpenAIEmbeddings:
    engine_kw = {k: kw.pop(k) for k in ("cache_dir", "cassette", "mode") if k in kw}
    engine = ModelEngine.from_env(
        base_url=server.base_url, api_key=KEY, retry=RetryPolicy(2, base_delay=0.01), **engine_kw
    )
    return OpenAIEmbeddings(engine, **kw)


def _pairs(backend: OpenAIEmbeddings, pairs: list[tuple[str, str]]) -> list[float]:
    async def go() -> list[float]:
        try:
            return list(await asyncio.gather(*(cosine_similarity(a, b, backend) for a, b in pairs)))
        finally:
            await backend.aclose()

    return asyncio.run(go())


def _reference_cosine(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


# ---- cosine -------------------------------------------------------------------------------

coordinates = st.floats(-1e3, 1e3).filter(lambda x: x == 0 or abs(x) > 1e-100)  # no underflow
vectors = st.lists(coordinates, min_size=1, max_size=32)


@given(st.data())
def test_cosine_matches_numpy(data: st.DataObject) -> None:
    a = data.draw(vectors)
    b = data.draw(st.lists(coordinates, min_size=len(a), max_size=len(a)))
    if not any(a) or not any(b):
        assert cosine(a, b) == 0.0
        return
    expected = _reference_cosine(a, b)
    assert math.isclose(cosine(a, b), expected, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("scale", [1e-300, 4.4e-80, 1e-20, 1.0, 1e20, 1e150, 1e300])
def test_cosine_is_scale_invariant_at_the_extremes(scale: float) -> None:
    a, b = [3 * scale, 4 * scale], [4 * scale, 3 * scale]
    assert math.isclose(cosine(a, b), 24 / 25, rel_tol=1e-12)
    assert math.isclose(cosine(a, a), 1.0, rel_tol=1e-12)
    assert cosine([scale] * 3, [scale] * 3) == 1.0


def test_cosine_is_raw_not_clipped() -> None:
    assert cosine([1.0, 0.0], [-1.0, 0.0]) == -1.0
    assert cosine([1.0, 2.0], [-2.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match="length"):
        cosine([1.0], [1.0, 2.0])


# ---- the OpenAI-compatible backend ----------------------------------------------------------


def test_cosine_through_the_embeddings_endpoint(server: FakeOpenAI) -> None:
    pairs = [("the cat sat", "a cat sat"), ("sepsis", "septic shock"), ("same", "same")]
    scores = _pairs(_backend(server), pairs)
    for (a, b), score in zip(pairs, scores, strict=True):
        va, vb = hash_embedder([a, b])
        assert score == pytest.approx(_reference_cosine(va, vb), abs=1e-12)
    assert all(r.body["model"] == DEFAULT_EMBEDDING_MODEL for r in server.requests)
    assert server.requests[0].path == "/v1/embeddings"


def test_concurrent_texts_are_batched_and_each_text_embedded_once(server: FakeOpenAI) -> None:
    pairs = [(f"answer {i}", "the reference") for i in range(40)]
    _pairs(_backend(server), pairs)
    assert server.request_count == 1
    sent = server.requests[0].body["input"]
    assert sorted(sent) == sorted({text for pair in pairs for text in pair})


def test_batches_respect_the_batch_size(server: FakeOpenAI) -> None:
    pairs = [(f"a{i}", f"b{i}") for i in range(25)]
    _pairs(_backend(server, batch_size=8), pairs)
    sizes = [len(r.body["input"]) for r in server.requests]
    assert sum(sizes) == 50 and max(sizes) <= 8


def test_vectors_are_cached_per_text(server: FakeOpenAI, tmp_path: Path) -> None:
    _pairs(_backend(server, cache_dir=tmp_path), [("x", "ref"), ("y", "ref")])
    first = server.request_count
    backend = _backend(server, cache_dir=tmp_path)
    again = _pairs(backend, [("ref", "x"), ("y", "x")])
    assert server.request_count == first
    assert again[0] == pytest.approx(_reference_cosine(*hash_embedder(["ref", "x"])), abs=1e-12)
    assert backend.engine.ledger.total.cache_hits == 4  # one per text per call


def test_dimensions_are_passed_through(server: FakeOpenAI) -> None:
    _pairs(_backend(server, dimensions=8, model="text-embedding-3-small"), [("a", "b")])
    body = server.requests[0].body
    assert (body["dimensions"], body["model"]) == (8, "text-embedding-3-small")


def test_cassette_replay_of_embeddings(server: FakeOpenAI, tmp_path: Path) -> None:
    tape = tmp_path / "emb.jsonl"
    pairs = [("a", "b"), ("c", "b")]
    recorded = _pairs(_backend(server, cassette=tape, mode="record"), pairs)
    count = server.request_count
    replayed = _pairs(_backend(server, cassette=tape, mode="replay"), list(reversed(pairs)))
    assert replayed == list(reversed(recorded)) and server.request_count == count


def test_a_failing_endpoint_raises_embedding_error(server: FakeOpenAI) -> None:
    server.embeddings = lambda request: HTTPError(500, "down")
    with pytest.raises(EmbeddingError, match="HTTP 500"):
        _pairs(_backend(server), [("a", "b")])
    assert server.request_count == 2


def test_a_short_reply_raises_embedding_error(server: FakeOpenAI) -> None:
    server.embeddings = lambda request: Embeddings([[1.0, 0.0]])
    with pytest.raises(EmbeddingError, match="1 vectors for 2 texts"):
        _pairs(_backend(server), [("a", "b")])


# ---- through the runner -------------------------------------------------------------------


class CharCounts:
    """A tiny deterministic local embedder: letter counts a..z."""

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(t.lower().count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def test_a_local_embedder_plugs_in() -> None:
    backend = CharCounts()
    assert isinstance(backend, EmbeddingBackend)
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.answer }}", evaluation_metric="cosine", name="cos"
    )
    with gk.Runner(embeddings=backend) as runner:
        result = runner.grade(grader, "abba", {"answer": "ab"})
    expected = _reference_cosine(*asyncio.run(backend.embed(["abba", "ab"])))
    assert result.reward == pytest.approx(expected, abs=1e-12) and result.ok


def test_runner_grades_cosine_through_the_endpoint(server: FakeOpenAI) -> None:
    engine = ModelEngine.from_env(base_url=server.base_url, api_key=KEY)
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "{{ item.answer }}", evaluation_metric="cosine", name="cos"
    )
    samples = [f"answer {i}" for i in range(10)]
    with gk.Runner(models=engine, embeddings=OpenAIEmbeddings(engine)) as runner:
        results = runner.grade_many(grader, samples, [{"answer": "gold"}] * 10)
    for text, result in zip(samples, results, strict=True):
        assert result.reward == pytest.approx(
            _reference_cosine(*hash_embedder([text, "gold"])), abs=1e-12
        )
    assert server.request_count <= 10


def test_runner_reports_backend_failures_as_errors(server: FakeOpenAI) -> None:
    server.embeddings = lambda request: HTTPError(400, "bad input")
    engine = ModelEngine.from_env(base_url=server.base_url, api_key=KEY)
    grader = gk.text_similarity(
        "{{ sample.output_text }}", "ref", evaluation_metric="cosine", name="c"
    )
    with gk.Runner(models=engine, embeddings=OpenAIEmbeddings(engine)) as runner:
        result = runner.grade(grader, "x")
    assert result.reward == 0.0 and "other_error" in result.errors
