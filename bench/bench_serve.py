"""Benchmark: ``graderkit serve`` on loopback against in-process grading, in the same run.

1. ``graders/run`` through the official ``openai`` client, one call at a time, for the
   ``0.85 * fuzzy + 0.15 * exact`` multi: client p50/p99, the server's own time per request
   (from its access log) and its overhead over in-process ``gk.grade`` on the same pairs.
2. ``POST /v1/rewards`` with 1,024 rows per request against in-process ``grade_many`` on the
   same rows: rows per second and the ratio.
3. 64 concurrent clients sending ``graders/run``: requests per second and errors.

The server runs in its own process (``graderkit serve --port 0``), so client and server do not
share a GIL. Run: ``python bench/bench_serve.py [--calls 2000] [--batches 100] [--load 5000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import aiohttp
import openai
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from bench_multi_fuzzy_exact import make_data

import graderkit as gk

fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.reference_answer}}", name="fuzzy")
exact = gk.string_check("{{sample.output_text}}", "{{item.reference_answer}}", name="exact")
GRADER = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
RUN = "/v1/fine_tuning/alpha/graders/run"


class Server:
    """``graderkit serve`` in a subprocess; collects its access-log lines."""

    def __init__(self, grader_file: Path) -> None:
        cmd = [sys.executable, "-m", "graderkit.cli", "serve", "--port", "0",
               "--grader", f"clinical={grader_file}", "--log-level", "info"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        self.access: list[dict[str, Any]] = []
        self.url = self._listening(self.proc.stderr)
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _listening(self, stream: IO[str]) -> str:
        for line in stream:
            if '"event": "listening"' in line:
                return str(json.loads(line)["url"])
        raise SystemExit("graderkit serve did not start")

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith('{"event":"request"'):
                self.access.append(json.loads(line))

    def server_ms(self, path: str, since: int) -> list[float]:
        time.sleep(0.2)  # let the last lines arrive
        return [a["ms"] for a in self.access[since:] if a["path"] == path]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def single_calls(server: Server, samples: list[str], items: list[Any], calls: int) -> list[str]:
    wire = gk.to_openai(GRADER)
    pairs = list(zip(samples, items, strict=True))[:calls]
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    for s, i in pairs[:100]:  # warm up both sides
        client.fine_tuning.alpha.graders.run(grader=wire, model_sample=s, item=i)
    since = len(server.access)
    client_ms = []
    for s, i in pairs:
        start = time.perf_counter()
        reply = client.fine_tuning.alpha.graders.run(grader=wire, model_sample=s, item=i)
        client_ms.append((time.perf_counter() - start) * 1000)
        assert reply.reward == gk.grade(GRADER, s, i).reward
    client.close()
    server_ms = server.server_ms("/v1/fine_tuning/alpha/graders/run", since)
    local_ms = []
    for s, i in pairs:
        start = time.perf_counter()
        gk.grade(GRADER, s, i)
        local_ms.append((time.perf_counter() - start) * 1000)
    over = statistics.median(server_ms) - statistics.median(local_ms)
    return [
        f"graders/run, official client, {len(pairs)} calls one at a time:",
        "",
        "| measure | p50 ms | p99 ms |\n|---|---:|---:|",
        f"| client round trip (openai SDK) | {pct(client_ms, 0.5):.3f} | {pct(client_ms, 0.99):.3f} |",
        f"| server time (access log) | {pct(server_ms, 0.5):.3f} | {pct(server_ms, 0.99):.3f} |",
        f"| in-process gk.grade | {pct(local_ms, 0.5):.3f} | {pct(local_ms, 0.99):.3f} |",
        "",
        f"server-side overhead over gk.grade at p50: **{over:.3f} ms** (goal <= 2 ms)",
    ]


async def _post_all(url: str, bodies: list[bytes], in_flight: int) -> list[Any]:
    """POST every body to the batch route with ``in_flight`` requests at a time (aiohttp)."""
    replies: list[Any] = [None] * len(bodies)
    cursor = iter(range(len(bodies)))
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(url) as session:

        async def worker() -> None:
            for k in cursor:
                async with session.post("/v1/rewards", data=bodies[k], headers=headers) as reply:
                    replies[k] = orjson.loads(await reply.read())

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return replies


def batches(server: Server, samples: list[str], items: list[Any], count: int) -> list[str]:
    rows = 1024
    chunks = [(samples[k * rows:(k + 1) * rows], items[k * rows:(k + 1) * rows])
              for k in range(count)]  # fmt: skip
    bodies = [orjson.dumps({"grader": "clinical", "samples": s, "items": i}) for s, i in chunks]
    asyncio.run(_post_all(server.url, bodies[:5], 1))  # warm up
    start = time.perf_counter()
    local = [gk.grade_many(GRADER, s, i).rewards for s, i in chunks]  # type: ignore[attr-defined]
    local_s = time.perf_counter() - start
    start = time.perf_counter()
    for body, rewards in zip(bodies, local, strict=True):  # what any JSON server must do
        orjson.loads(body)
        orjson.dumps({"rewards": rewards, "sub_rewards": {"fuzzy": rewards, "exact": rewards},
                      "errors": [{}] * len(rewards)})  # fmt: skip
    json_s = time.perf_counter() - start
    n = rows * count
    lines = [
        f"POST /v1/rewards, {count} requests of {rows} rows (aiohttp, orjson bodies):",
        "",
        "| case | seconds | rows/s | ratio |\n|---|---:|---:|---:|",
        f"| in-process grade_many (reference) | {local_s:.3f} | {n / local_s:,.0f} | 1.00 |",
    ]
    for in_flight in (1, 2, 4, 8):
        since = len(server.access)
        start = time.perf_counter()
        replies = asyncio.run(_post_all(server.url, bodies, in_flight))
        http_s = time.perf_counter() - start
        assert [r["rewards"] for r in replies] == local, "server and grade_many disagree"
        server_ms = statistics.median(server.server_ms("/v1/rewards", since))
        lines.append(f"| batch route, {in_flight} in flight (server p50 {server_ms:.2f} ms) | "
                     f"{http_s:.3f} | {n / http_s:,.0f} | {local_s / http_s:.2f} |")  # fmt: skip
    floor = local_s / (local_s + json_s)
    return [*lines, "", "batch route throughput as a share of in-process grade_many: the ratio "
            f"column (goal >= 0.50). Decoding the request and encoding the answer with orjson "
            f"alone costs {json_s / local_s:.2f}x the grading, so no JSON server can pass "
            f"{floor:.2f} here"]  # fmt: skip


async def _load(url: str, bodies: list[tuple[bytes, float]], clients: int) -> tuple[float, int]:
    """``clients`` aiohttp sessions (one connection each) sending ``graders/run`` bodies."""
    errors = 0
    cursor = iter(bodies)
    headers = {"content-type": "application/json"}

    async def worker() -> None:
        nonlocal errors
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(url, connector=connector) as session:
            for body, expected in cursor:
                async with session.post(RUN, data=body, headers=headers) as reply:
                    got = orjson.loads(await reply.read())
                    errors += reply.status != 200 or got["reward"] != expected

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start, errors


def concurrent(server: Server, samples: list[str], items: list[Any], total: int) -> list[str]:
    wire = gk.to_openai(GRADER)
    bodies = [(orjson.dumps({"grader": wire, "model_sample": s, "item": i}),
               gk.grade(GRADER, s, i).reward) for s, i in zip(samples[:total], items[:total],
                                                            strict=True)]  # fmt: skip
    seconds, errors = asyncio.run(_load(server.url, bodies, 64))
    return [
        f"64 concurrent clients (aiohttp, one connection each), {total} graders/run requests:",
        f"throughput **{total / seconds:,.0f} requests/s**, errors **{errors}** (goal 0)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--load", type=int, default=5000)
    args = parser.parse_args()
    samples, items = make_data(max(args.calls, args.batches * 1024, args.load))
    with tempfile.TemporaryDirectory() as scratch:
        grader_file = Path(scratch) / "clinical.json"
        grader_file.write_text(gk.to_json(GRADER))
        server = Server(grader_file)
        try:
            lines = [f"## graderkit serve on loopback (python {platform.python_version()}, "
                     f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})", ""]  # fmt: skip
            lines += [*single_calls(server, samples, items, args.calls), ""]
            lines += [*batches(server, samples, items, args.batches), ""]
            lines += concurrent(server, samples, items, args.load)
        finally:
            server.stop()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
