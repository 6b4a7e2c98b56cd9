"""The cookbook's clinical RFT workflow, rebuilt with graderkit, offline.

Steps: check the data, grade a baseline with string graders, grade with the cookbook's
additive-rubric model grader, probe that grader for the padding hack, compile the grader and
build the fine-tuning job payload.

The model-grader steps replay judge replies from a cassette (``cassettes/additive_rubric.jsonl``),
so this runs with no API key and gives the same numbers every time. The cassette shipped here was
recorded from a **scripted stand-in judge** (``stand_in_judge`` below, served by graderkit's
loopback fake OpenAI server) that grades the way a lenient additive rubric does: credit for every
reference word the answer contains, nothing taken off for extra words. Record your own from a
real judge with ``--record --base-url ... `` (and OPENAI_API_KEY) to see what your rubric does.

Run:  python examples/clinical/walkthrough.py            (replay; what CI runs)
      python examples/clinical/walkthrough.py --record   (re-record from the stand-in judge)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import graderkit as gk
from graderkit._run.workflow.training_jobs import build_job
from graderkit.testing import probe
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, judge_reply
from graderkit.testing.probe_rewrites import REWRITES

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from graders import additive_rubric, clinical_local  # noqa: E402

ITEMS, PREDICTIONS = HERE / "items.jsonl", HERE / "predictions.jsonl"
CASSETTE = HERE / "cassettes" / "additive_rubric.jsonl"
PROBES = {"padding_synonyms", "padding_detail", "padded_candidates", "hedge", "candidate_list"}


def stand_in_judge(request: FakeRequest) -> Any:
    """A lenient additive rubric: the share of reference words found in the answer, plus 0.35
    when the whole reference phrase appears; extra words cost nothing (the cookbook's hole)."""
    user = request.body["messages"][-1]["content"]
    match = re.search(r"Reference Answer: (.*)\. Model's Answer: (.*)", user, re.S)
    reference, answer = (match.group(1), match.group(2)) if match else ("", user)
    words = reference.lower().split()
    found = sum(w in answer.lower() for w in words) / max(1, len(words))
    score = round(found + (0.35 if reference.lower() in answer.lower() else 0.0), 3)
    return judge_reply(score, [("overlap", f"{found:.2f} of the reference words")])


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(record: bool, base_url: str | None) -> None:
    items = {row["id"]: row for row in read(ITEMS)}
    predictions = read(PREDICTIONS)

    # 1. Check the data against the grader before anything runs.
    report = gk.check_dataset(clinical_local, ITEMS, PREDICTIONS)
    assert report.ok, "\n".join(report.lines())
    print(f"1. data: {len(items)} items, {len(predictions)} predictions, no problems")

    # 2. Baseline with string graders (0.85 * fuzzy + 0.15 * exact), resumable results file.
    with tempfile.TemporaryDirectory() as tmp:
        run = gk.grade_file(clinical_local, ITEMS, PREDICTIONS, Path(tmp) / "baseline.jsonl")
    means = run.summary.run_means
    print(
        f"2. baseline {clinical_local.label}: mean {run.summary.mean:.3f}, per run "
        + ", ".join(f"{m:.3f}" for m in means.values())
    )

    # 3. The cookbook's model grader, judge replies replayed from the cassette.
    server = FakeOpenAI(chat=stand_in_judge).start() if record and base_url is None else None
    engine = gk.ModelEngine.from_env(
        base_url=base_url or (server.base_url if server else "http://127.0.0.1:9/v1"),
        api_key="sk-replay-only" if not record else None,
        cassette=CASSETTE,
        mode="record" if record else "replay",
    )
    try:
        with gk.Runner(models=engine) as runner:
            results = runner.grade_many(
                additive_rubric,
                [p["output_text"] for p in predictions],
                [items[p["id"]] for p in predictions],
            )
            by_kind: dict[str, list[float]] = defaultdict(list)
            for prediction, result in zip(predictions, results, strict=True):
                by_kind[prediction["kind"]].append(result.reward)
            print("3. model grader (additive rubric), mean reward by kind of answer:")
            for kind, rewards in sorted(by_kind.items(), key=lambda kv: -sum(kv[1]) / len(kv[1])):
                print(
                    f"     {kind:<11} {sum(rewards) / len(rewards):.3f}  ({len(rewards)} answers)"
                )

            # 4. Probe it for the padding hack before spending money on training.
            found = probe(
                additive_rubric,
                items.values(),
                runner=runner,
                max_items=6,
                rewrites=[r for r in REWRITES if r.name in PROBES],
            )
            print("4. " + str(found).replace("\n", "\n   "))
            assert not found.ok, "the lenient rubric should reward padded answers"
    finally:
        if server is not None:
            server.stop()

    # 5. Compile the grader and build the fine-tuning job payload (upload ids are placeholders).
    job = build_job(
        additive_rubric,
        model="o4-mini-2025-04-16",
        training_file="file-TRAIN",
        validation_file="file-VALID",
        hyperparameters={"n_epochs": 1, "reasoning_effort": "medium"},
    )
    assert job["method"]["reinforcement"]["grader"] == gk.to_openai(additive_rubric)
    print("5. job payload:", json.dumps(job)[:160], "...")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="re-record the judge cassette")
    parser.add_argument("--base-url", help="record from this OpenAI-compatible endpoint")
    args = parser.parse_args()
    main(args.record, args.base_url)
