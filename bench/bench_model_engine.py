"""Benchmark: model-grader throughput at a fixed concurrency against a fixed-latency server.

The server is graderkit's loopback fake (``python -m graderkit.testing.fake_openai``) in its own
process, answering every chat completion after exactly ``--latency`` seconds; the client is the
real ``openai`` client. With ``C`` requests in flight and latency ``L`` no client can exceed
``C / L`` requests per second: that is the bound. Cases, same run, same samples:

* reference: the bare ``openai`` client in a loop bounded by an ``asyncio.Semaphore(C)``
  (no templates, no parsing of the judge's reply, no retries, no cache);
* graderkit: ``Runner.grade_many`` with a cookbook ``score_model`` grader (render, engine with
  retries/accounting/cache writes, interpret the reply), cold cache;
* graderkit, re-run: the same grading again with a warm cache; the server must see zero
  requests (read from its ``GET /_fake/stats``).

Targets: graderkit >= 90% of the bound; zero requests on the re-run.

Usage:
    .venv/bin/python bench/bench_model_engine.py                       # 3000 samples, C=64, L=100 ms
    .venv/bin/python bench/bench_model_engine.py --samples 1000 --latency 0.25
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graderkit as gk
from graderkit._run.judge.model_grading import ModelEngine

RUBRIC = json.loads(
    (Path(__file__).parent.parent / "tests/fixtures/cookbook-score-model-layered.json").read_text()
)


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "graderkit.testing.fake_openai", "--latency", str(latency),
           "--lifetime", "900"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stats(base_url: str) -> dict[str, int]:
    root = base_url.removesuffix("/v1")
    with urllib.request.urlopen(f"{root}/_fake/stats", timeout=5) as response:
        data: dict[str, int] = json.loads(response.read())
    return data


def dataset(n: int) -> tuple[list[str], list[dict[str, Any]]]:
    samples = [f"answer number {i}: acute pancreatitis" for i in range(n)]
    items = [{"reference_answer": f"reference {i % 97}: pancreatitis"} for i in range(n)]
    return samples, items


async def bare_client(base_url: str, bodies: list[dict[str, Any]], concurrency: int) -> float:
    from openai import AsyncOpenAI, DefaultAioHttpClient

    client = AsyncOpenAI(
        base_url=base_url, api_key="sk-bench", max_retries=0, http_client=DefaultAioHttpClient()
    )
    gate = asyncio.Semaphore(concurrency)

    async def one(body: dict[str, Any]) -> None:
        async with gate:
            await client.post("/chat/completions", cast_to=str, body=body)

    await one(bodies[0])  # open a connection and warm the client
    start = time.perf_counter()
    await asyncio.gather(*(one(b) for b in bodies))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


@dataclass
class Run:
    seconds: float
    cpu: float
    sent: int
    engine: ModelEngine | None = None
    rewards: list[float] | None = None


def graded(base_url: str, cache: str | None, samples: list[str], items: list[dict[str, Any]],
           concurrency: int) -> Run:  # fmt: skip
    grader = gk.from_openai(RUBRIC)
    engine = ModelEngine.from_env(
        base_url=base_url, api_key="sk-bench", cache_dir=cache, concurrency=concurrency
    )
    with gk.Runner(models=engine, concurrency=concurrency) as runner:
        runner.grade(grader, "warm-up", {"reference_answer": "warm-up"})  # open the loop
        before = stats(base_url)["request_count"]
        cpu, start = time.process_time(), time.perf_counter()
        results = runner.grade_many(grader, samples, items)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        sent = stats(base_url)["request_count"] - before
    assert len(results) == len(samples) and all(r.ok for r in results), "a sample failed"
    return Run(seconds, cpu, sent, engine, [r.reward for r in results])


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def measure(base_url: str, args: argparse.Namespace, samples: list[str],
            items: list[dict[str, Any]]) -> tuple[list[tuple[str, Run]], list[Run]]:  # fmt: skip
    """Every case, ``args.repeat`` times each; the best run of each case."""
    grader = gk.from_openai(RUBRIC)
    from graderkit._core.judge.request import build_request
    from graderkit._core.templating.sample import to_sample

    bodies = [build_request(grader, to_sample(s), i) for s, i in zip(samples, items, strict=True)]
    c, repeat = args.concurrency, args.repeat
    refs = []
    for _ in range(repeat):
        cpu = time.process_time()
        seconds = asyncio.run(bare_client(base_url, bodies, c))
        refs.append(Run(seconds, time.process_time() - cpu, len(bodies)))
    plain = [graded(base_url, None, samples, items, c) for _ in range(repeat)]
    colds, warms = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=args.cache_root, prefix=".bench-cache-") as cache:
            colds.append(graded(base_url, cache, samples, items, c))
            warms.append(graded(base_url, cache, samples, items, c))
    assert all(w.rewards == colds[0].rewards for w in warms)
    rows = [
        ("reference: bare openai client + semaphore", best(refs)),
        ("graderkit: Runner.grade_many, no cache", best(plain)),
        ("graderkit: Runner.grade_many, cold cache", best(colds)),
        ("graderkit: re-run, warm cache", best(warms)),
    ]
    return rows, warms


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is kept")
    parser.add_argument("--cache-root", default=".", help="where the cache directories are made")
    args = parser.parse_args()
    n, bound = args.samples, args.concurrency / args.latency
    samples, items = dataset(n)
    proc, base_url = start_server(args.latency)
    try:
        rows, warms = measure(base_url, args, samples, items)
        max_in_flight = stats(base_url)["max_in_flight"]
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"## model engine: {n} samples, concurrency {args.concurrency}, "
          f"server latency {args.latency * 1000:.0f} ms")  # fmt: skip
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"server in its own process, best of {args.repeat}")  # fmt: skip
    print(f"bound = concurrency / latency = {bound:.0f} requests/s\n")
    print("| case | seconds | samples/s | share of bound | client CPU per sample | requests sent |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, run in rows:
        rate = n / run.seconds
        print(f"| {name} | {run.seconds:.2f} | {rate:.0f} | {rate / bound:.1%} | "
              f"{run.cpu / n * 1000:.2f} ms | {run.sent} |")  # fmt: skip
    print(f"\nmax requests in flight at the server: {max_in_flight}")
    share = n / rows[2][1].seconds / bound
    sent_warm = max(w.sent for w in warms)
    print(f"targets: cold run >= 90% of bound: {share:.1%} {'OK' if share >= 0.9 else 'MISSED'}; "
          f"requests on re-run: {sent_warm} {'OK' if sent_warm == 0 else 'MISSED'}")  # fmt: skip
    return 0 if share >= 0.9 and sent_warm == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
