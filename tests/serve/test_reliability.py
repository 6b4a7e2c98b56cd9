"""Hostile and malformed requests get a 4xx with a path, never a 500 or a dead worker; a
bounded load of mixed good and hostile requests on loopback leaves every good answer right."""

from __future__ import annotations

import asyncio
import json
import random

import aiohttp
import httpx
import pytest
from serve_cases import CLINICAL

import graderkit as gk

RUN = "/v1/fine_tuning/alpha/graders/run"
VALIDATE = "/v1/fine_tuning/alpha/graders/validate"
WIRE = gk.to_openai(CLINICAL)

HOSTILE: list[tuple[str, str, bytes, int, str | None]] = [
    # (method, path, body, status, param)
    ("POST", RUN, b"", 400, None),
    ("POST", RUN, b"{", 400, None),
    ("POST", RUN, b"\xff\xfe\x00", 400, None),
    ("POST", RUN, b"[1, 2]", 400, None),
    ("POST", RUN, b"null", 400, None),
    ("POST", RUN, b'{"grader": NaN}', 400, None),
    ("POST", RUN, b"[" * 100_000 + b"]" * 100_000, 400, None),
    ("POST", RUN, b'{"a": "\\ud800"}', 400, None),
    ("POST", RUN, b'{"model_sample": "x"}', 400, "grader"),
    ("POST", RUN, b'{"grader": "clinical", "model_sample": "x"}', 400, "grader"),
    ("POST", RUN, b'{"grader": {}, "model_sample": "x"}', 400, "grader.type"),
    ("POST", RUN, json.dumps({"grader": WIRE}).encode(), 400, "model_sample"),
    ("POST", RUN, json.dumps({"grader": WIRE, "model_sample": ["x"]}).encode(), 400,
     "model_sample"),
    ("POST", RUN, json.dumps({"grader": WIRE, "model_sample": "x", "item": "y"}).encode(), 400,
     "item"),
    ("POST", RUN, json.dumps({"grader": {**WIRE, "calculate_output": "(" * 5000 + "fuzzy"
                                         + ")" * 5000}, "model_sample": "x"}).encode(), 400,
     "grader.calculate_output"),
    ("POST", RUN, json.dumps({"grader": {**WIRE, "graders": [1]}, "model_sample": "x"}).encode(),
     400, "grader.graders"),
    ("POST", RUN, json.dumps({"grader": {**WIRE, "graders": {"fuzzy": WIRE}},
                              "model_sample": "x"}).encode(), 400, "grader.graders.fuzzy.type"),
    ("POST", RUN, json.dumps({"grader": {"type": "string_check", "name": "s", "input": "{{ x.y }}",
                                         "reference": "a", "operation": "eq"},
                              "model_sample": "x"}).encode(), 400, "grader.input"),
    ("POST", VALIDATE, b'{"grader": 12}', 400, "grader"),
    ("POST", "/v1/rewards", b'{"grader": "nope", "samples": []}', 400, "grader"),
    ("POST", "/v1/rewards", b'{"grader": "clinical", "samples": {}}', 400, "samples"),
    ("POST", "/v1/rewards", b'{"grader": "clinical", "samples": ["a"], "items": [3]}', 400,
     "items[0]"),
    ("POST", "/v1/rewards", b'{"grader": "clinical", "samples": ["a"], "items": []}', 400,
     "items"),
    ("POST", "/v1/rewards", b'{"grader": "clinical", "samples": [], "stream": "yes"}', 400,
     "stream"),
    ("POST", "/v1/rewards", b'{"grader": 1.5, "samples": []}', 400, "grader"),
    ("POST", "/v1/graders/nope/get_reward", b'{"query": []}', 400, "grader"),
    ("GET", RUN, b"", 405, None),
    ("POST", "/v1/nothing/here", b"{}", 404, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "param"),
    HOSTILE,
    ids=[f"{i}-{h[1].rsplit('/', 1)[-1]}" for i, h in enumerate(HOSTILE)],
)
def test_hostile_bodies_are_4xx_with_a_path(
    server: str, method: str, path: str, body: bytes, status: int, param: str | None
) -> None:
    reply = httpx.request(method, f"{server}{path}", content=body,
                          headers={"content-type": "application/json"}, timeout=30)  # fmt: skip
    assert reply.status_code == status, reply.text[:300]
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param
    assert httpx.get(f"{server}/healthz").status_code == 200


def test_bad_samples_inside_a_batch_are_flags_not_errors(server: str) -> None:
    samples = ["ok", None, 3, [1], {"output_text": 5}, {"output_json": {"a": 1}}, "x" * 100_000]
    reply = httpx.post(f"{server}/v1/rewards", json={"grader": "clinical", "samples": samples},
                       timeout=30)  # fmt: skip
    assert reply.status_code == 200
    assert len(reply.json()["rewards"]) == len(samples)
    assert "sample_parse_error" in reply.json()["errors"][1]


# ---- mixed load --------------------------------------------------------------------------------


def _good(rng: random.Random) -> tuple[str, bytes, float]:
    words = ["acute", "appendicitis", "gout", "lupus", "Acute", ""]
    sample = " ".join(rng.choice(words) for _ in range(rng.randint(0, 3)))
    item = {"reference_answer": rng.choice(["acute appendicitis", "gout", "lupus"])}
    expected = gk.grade(CLINICAL, sample, item).reward
    body = {"grader": WIRE, "model_sample": sample, "item": item}
    return RUN, json.dumps(body).encode(), expected


def _hostile(rng: random.Random) -> tuple[str, bytes, str]:
    """A hostile body (must get a 4xx), or a corrupted good one (a 4xx, or 200 if the
    corruption happens to leave a valid request)."""
    _, path, body, _, _ = rng.choice([h for h in HOSTILE if h[0] == "POST"])
    if rng.random() >= 0.3:
        return path, body, "4xx"
    path, good, _ = _good(rng)
    cut = rng.randrange(len(good))
    body = good[:cut] if rng.random() < 0.5 else good[:cut] + b"\x00" + good[cut + 1 :]
    return path, body, "4xx or 200"


async def _load(url: str, total: int, clients: int, seed: int) -> dict[str, int]:
    """``clients`` aiohttp sessions (one connection each) working through the plan."""
    rng = random.Random(seed)
    plan = [(_good if rng.random() < 0.6 else _hostile)(rng) for _ in range(total)]
    counts = {"good": 0, "good_ok": 0, "hostile": 0, "hostile_4xx": 0, "5xx": 0}
    cursor = iter(plan)

    async def worker() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(url, connector=connector) as session:
            for path, body, expected in cursor:
                async with session.post(path, data=body) as reply:
                    status, text = reply.status, await reply.read()
                counts["5xx"] += status >= 500
                if isinstance(expected, str):
                    counts["hostile"] += 1
                    counts["hostile_4xx"] += 400 <= status < 500 or (
                        status == 200 and expected == "4xx or 200"
                    )
                else:
                    counts["good"] += 1
                    counts["good_ok"] += status == 200 and json.loads(text)["reward"] == expected

    await asyncio.gather(*(worker() for _ in range(clients)))
    async with aiohttp.ClientSession(url) as session, session.get("/healthz") as health:
        counts["healthy"] = health.status == 200
    return counts


def _check_load(server: str, total: int, clients: int) -> None:
    counts = asyncio.run(_load(server, total, clients, seed=total))
    assert counts["good"] + counts["hostile"] == total
    assert counts["good_ok"] == counts["good"] > 0
    assert counts["hostile_4xx"] == counts["hostile"] > 0
    assert counts["5xx"] == 0
    assert counts["healthy"]


def test_mixed_load_fast(server: str) -> None:
    _check_load(server, total=600, clients=16)


@pytest.mark.slow
@pytest.mark.timeout(900)  # bounded, but a loaded 2-core machine stretches wall time
def test_mixed_load_10000_requests_64_clients(server: str) -> None:
    _check_load(server, total=10_000, clients=64)
