"""Benchmark: reward-call time per 1,000 completions, through each trainer's adapter.

For each grader kind (local: the cookbook's fuzzy + exact multi; python: the same as python
graders in the sandbox; model: a score_model against graderkit's loopback OpenAI server, in its
own process, answering after 50 ms) it times, over the same completions:

* reference: ``Runner.grade_many`` on ready-made samples and items (no adapter), concurrency 64,
  timed first and last (the better time is kept: the machine may be shared);
* TRL: ``reward_function(grader)`` called once with the whole batch (what GRPO does);
* verifiers 0.4: ``TaskReward`` awaited for every rollout together (``Task.score`` per trace);
* veRL: the exported ``compute_score`` per completion, as veRL's naive reward manager calls it:
  a sync one (local graders) in its loop's default thread pool, an async one (judge, python)
  awaited for all completions together;
* OpenRLHF: ``reward_func`` called with one query per call from ``asyncio.to_thread`` (its
  ``SingleTurnAgentExecutor`` batches one query).

Usage:
    .venv/bin/python bench/bench_trainer_rewards.py                 # 1000 completions
    .venv/bin/python bench/bench_trainer_rewards.py --completions 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _harness import Timing, best_of, report

import graderkit as gk
from graderkit._run.judge.engine import ModelEngine
from graderkit._run.runner import is_local
from graderkit.integrations.openrlhf import OpenRLHFReward
from graderkit.integrations.trl import reward_function
from graderkit.integrations.verifiers import task_rewards
from graderkit.integrations.verl import VerlReward

FUZZY = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}", name="fuzzy")
EXACT = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
PY_FUZZY = gk.python_grader(
    "from rapidfuzz import fuzz\n\ndef grade(sample, item):\n"
    "    return fuzz.ratio(sample['output_text'], item['answer']) / 100\n",
    name="py_fuzzy",
)
PY_EXACT = gk.python_grader(
    "def grade(sample, item):\n    return float(sample['output_text'] == item['answer'])\n",
    name="py_exact",
)
GRADERS = {
    "local": gk.multi(0.85 * FUZZY + 0.15 * EXACT, name="clinical"),
    "python": gk.multi(0.85 * PY_FUZZY + 0.15 * PY_EXACT, name="clinical_python"),
    "model": gk.score_model(
        "Score {{ sample.output_text }} against {{ item.answer }}.",
        model="gpt-4.1-mini",
        name="judge",
    ),
}
WORDS = ["sepsis", "acute appendicitis", "gout", "pulmonary embolism", "sepsiss", "migraine"]


def _data(n: int) -> tuple[list[str], list[str], list[str]]:
    completions = [f"{WORDS[i % 6]} {i}" for i in range(n)]  # distinct: no request deduplicated
    answers = [WORDS[(i * 5) % 6] for i in range(n)]
    prompts = [f"case {i}: most likely diagnosis?" for i in range(n)]
    return completions, answers, prompts


def _cases(grader: gk.GraderBase, runner: gk.Runner, n: int) -> dict[str, Callable[[], Any]]:
    completions, answers, prompts = _data(n)
    items = [{"answer": a, "prompt": p} for a, p in zip(answers, prompts, strict=True)]
    trl = reward_function(grader, runner=runner)
    rewards = task_rewards(grader, runner=runner)
    verl = VerlReward(grader, runner=runner)  # veRL's item: extra_info's keys and ground_truth
    openrlhf = OpenRLHFReward(grader, runner=runner)
    tasks = [{"prompt": p, "answer": a} for p, a in zip(prompts, answers, strict=True)]
    traces = [SimpleNamespace(assistant_messages=[{"role": "assistant", "content": c}]) for c in completions]  # fmt: skip
    pool = concurrent.futures.ThreadPoolExecutor(min(32, (os.cpu_count() or 1) + 4))

    async def verifiers() -> None:
        await asyncio.gather(*(r(task=t, trace=tr) for t, tr in zip(tasks, traces, strict=True) for r in rewards))  # fmt: skip

    extra = [{"prompt": p, "answer": a} for p, a in zip(prompts, answers, strict=True)]

    def verl_batch() -> None:  # as the exported file does: sync for local graders, else async
        if is_local(grader):
            list(pool.map(lambda i: verl("qa", completions[i], answers[i], extra[i]), range(n)))
        else:
            asyncio.run(verl_async())

    async def verl_async() -> None:
        await asyncio.gather(*(verl.ascore("qa", completions[i], answers[i], extra[i]) for i in range(n)))  # fmt: skip

    async def openrlhf_batch() -> None:
        calls = (asyncio.to_thread(openrlhf, [p + c], [p], [{"answer": a}])
                 for p, c, a in zip(prompts, completions, answers, strict=True))  # fmt: skip
        await asyncio.gather(*calls)

    return {
        "reference: Runner.grade_many": lambda: runner.grade_many(grader, completions, items),
        "TRL: reward_function(batch)": lambda: trl(
            prompts=prompts, completions=completions, answer=answers
        ),
        "verifiers 0.4: TaskReward per rollout": lambda: asyncio.run(verifiers()),
        "veRL: compute_score per completion": verl_batch,
        "OpenRLHF: reward_func per query": lambda: asyncio.run(openrlhf_batch()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--completions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="the judge server's latency")
    args = parser.parse_args()
    n = args.completions
    import torch  # noqa: F401  # OpenRLHF's reward_func builds tensors: import it before timing

    server, base_url = _start_server(args.latency)
    try:
        engine = ModelEngine.from_env(base_url=base_url, api_key="sk-bench")
        with gk.Runner(models=engine, concurrency=64) as runner:
            for kind, grader in GRADERS.items():
                runner.grade_many(grader, *_warm(n))  # start the sandbox pool, the client
                cases = list(_cases(grader, runner, n).items())
                timings = [Timing(name, best_of(fn, repeat=args.repeat), n) for name, fn in cases]
                again = best_of(cases[0][1], repeat=args.repeat)  # the reference, timed last too
                timings[0] = Timing(timings[0].name, min(timings[0].seconds, again), n)
                title = f"{kind} grader: {n} completions, best of {args.repeat}"
                print(report(title, timings[0], timings[1:]))
                per_1000 = ", ".join(f"{t.name.split(':')[0]} {t.seconds * 1000 / n:.3f} s" for t in timings)  # fmt: skip
                print(f"\nper 1,000 completions: {per_1000}\n", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "graderkit.testing.fake_openai", "--latency", str(latency),
           "--lifetime", "1800"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _warm(n: int) -> tuple[list[str], list[dict[str, str]]]:
    completions, answers, _ = _data(min(n, 64))
    return completions, [{"answer": a} for a in answers]


if __name__ == "__main__":
    main()
