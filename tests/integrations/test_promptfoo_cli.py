"""Exported configs run through the real promptfoo CLI give graderkit's results.

promptfoo (see ``promptfoo_cli.py`` for the pinned version, how it is installed, and how it is
kept offline) runs each exported config on fixed outputs. Each comparison is one (grader,
sample): promptfoo's test score against graderkit's reward (divided by the weights for a
``multi``), and promptfoo's pass/fail against graderkit's ``passed`` (``None``, no pass rule,
means promptfoo must pass every test). A ``multi`` is compared key by key through promptfoo's
``namedScores`` too. Where promptfoo computes a metric differently, the comparison falls under
one of the NAMED rules of [`leaf_rule`][] (the approximations the mapping table states) and is
checked against that rule's own prediction; nothing else may differ.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from promptfoo_cli import Outcome, case, run_eval
from promptfoo_population import THRESHOLDS, graders, samples

import graderkit as gk
from graderkit._core.templating.template import render_text
from graderkit._run.datasets.data_files import read_jsonl
from graderkit.cli import main
from graderkit.cli.grader_references import load_grader
from graderkit.integrations.promptfoo import PromptfooExport, to_promptfoo

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "integrations.md"
CLINICAL = ROOT / "examples" / "clinical"
EXACT_SCORE = 1e-12


def _docs_export_command() -> list[str]:
    """The ``graderkit export promptfoo`` line of the docs' promptfoo block, as arguments."""
    block = re.search(r"```bash\n(graderkit export promptfoo .*?)\n", DOCS.read_text())
    assert block is not None, "docs/integrations.md lost its `graderkit export promptfoo` block"
    return block.group(1).split()[1:]


@pytest.mark.slow
def test_the_docs_example_exports_a_config_promptfoo_scores_like_graderkit(tmp_path: Path) -> None:
    args = _docs_export_command()
    out = tmp_path / "promptfoo"
    out.mkdir()  # an existing directory: the config goes inside it
    args[args.index("--out") + 1] = str(out)
    assert main(args) == 0
    grader = load_grader(args[args.index("promptfoo") + 1])  # examples/clinical/graders.py:...
    items = list(read_jsonl(CLINICAL / "items.jsonl"))
    outputs = {p["id"]: p["output_text"] for p in read_jsonl(CLINICAL / "predictions.jsonl")}
    import yaml  # type: ignore[import-untyped]

    config = yaml.safe_load((out / "promptfooconfig.yaml").read_text())
    assert "PROMPTFOO_PYTHON" in config["env"]  # python assertions: the interpreter is set
    total = sum(a["weight"] for a in config["defaultTest"]["assert"])
    with gk.Runner() as runner:
        results = runner.grade_many(grader, [outputs[i["id"]] for i in items], items)
    # the tests the export wrote, each given its item's fixed output
    tests = [{**t, "metadata": {"graderkit_output": outputs[item["id"]]}}
             for t, item in zip(config["tests"], items, strict=True)]  # fmt: skip
    _drop_tests(out)
    outcomes = run_eval(out, tests, tmp_path / "home")  # no PROMPTFOO_PYTHON in the environment
    for result, outcome in zip(results, outcomes, strict=True):
        assert not outcome.error, outcome.reason
        assert outcome.passed  # a multi without a threshold: no verdict, every test passes
        assert outcome.score == pytest.approx(result.reward / total, abs=EXACT_SCORE)
        assert outcome.named_scores == pytest.approx(dict(result.sub_rewards), abs=EXACT_SCORE)


def _drop_tests(config_dir: Path) -> None:
    import yaml

    path = config_dir / "promptfooconfig.yaml"
    config = yaml.safe_load(path.read_text())
    del config["tests"]
    path.write_text(yaml.safe_dump(config))


SMALL = gk.multi(
    {
        "has": gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", operation="like",
                               name="has"),
        "n": gk.string_check("{{ sample.output_text }}", "{{ item.n }}", name="n"),
        "words": gk.python_grader(
            "def grade(sample, item):\n    return 1.0 if isinstance(item['n'], float) else 0.5\n",
            name="words",
        ),
    },
    "2 * has + n + words",
    name="small",
)  # fmt: skip


def test_a_small_export_and_meteor_in_one_promptfoo_run(tmp_path: Path) -> None:
    """Fast: an empty reference, a float var and a python assertion score as in graderkit; and
    promptfoo's meteor still errors (why the export refuses it: if that changes, this fails)."""
    rows = [("4.0", {"answer": "", "n": 4.0}), ("x", {"answer": "y", "n": 4}),
            ("Paris 4.0", {"answer": "Paris", "n": 4.0})]  # fmt: skip
    export = to_promptfoo(SMALL, threshold=2.5, items=[item for _, item in rows])
    export.write(tmp_path)
    meteor = {"type": "meteor", "value": "{{ r }}", "threshold": 0}
    tests = [{**t, "metadata": {"graderkit_output": output}}
             for t, (output, _) in zip(export.tests, rows, strict=True)]  # fmt: skip
    _drop_tests(tmp_path)
    *outcomes, meteor_outcome = run_eval(
        tmp_path, [*tests, case("the cat sat", {"r": "the cat sat"}, [meteor])], tmp_path / "home"
    )
    results = [gk.grade(SMALL, output, item) for output, item in rows]
    assert [r.reward for r in results] == [4.0, 0.5, 3.0]
    for result, outcome in zip(results, outcomes, strict=True):
        assert not outcome.error, outcome.reason
        assert outcome.score == pytest.approx(result.reward / 4, abs=EXACT_SCORE)
        assert outcome.named_scores == pytest.approx(dict(result.sub_rewards), abs=EXACT_SCORE)
        assert outcome.passed == (result.reward >= 2.5)
    assert meteor_outcome.error
    assert 'The "natural" package is required for METEOR' in meteor_outcome.reason
    with pytest.raises(gk.InvalidGrader, match=r"meteor.*natural"):
        to_promptfoo(gk.text_similarity("{{ sample.output_text }}", "x",
                                        evaluation_metric="meteor", name="m"))  # fmt: skip


@pytest.mark.slow
def test_python_assertions_run_under_the_interpreter_the_config_names(tmp_path: Path) -> None:
    """PROMPTFOO_PYTHON comes from the exported config's env (none is in the environment)."""
    needs_deps = gk.python_grader(
        "import rapidfuzz\n\ndef grade(sample, item):\n    return 0.25\n", name="deps"
    )
    scores = []
    for python in (None, str(tmp_path / "no-such-python")):
        where = tmp_path / str(len(scores))
        export = to_promptfoo(needs_deps, items=[{"a": "x"}], python=python)
        export.write(where)
        _drop_tests(where)
        tests = [{**export.tests[0], "metadata": {"graderkit_output": "x"}}]
        [outcome] = run_eval(where, tests, where / "home")
        scores.append((outcome.score, outcome.passed, "no-such-python" in outcome.reason))
    assert scores == [(0.25, True, False), (0.0, False, True)]


# ---- the population: graders x samples, one CLI run --------------------------------------


def _lower_score(metric: str, output: str, reference: str, normalise: Any) -> float:
    """graderkit's own score of ``metric`` on the pair after ``normalise``."""
    grader = gk.text_similarity("{{ sample.output_text }}", "{{ item.r }}",
                                evaluation_metric=metric, name="n")  # type: ignore[arg-type]  # fmt: skip
    return gk.grade(grader, normalise(output), {"r": normalise(reference)}).reward


def _gleu_tokens(text: str) -> str:
    return " ".join(word.rstrip(".") for word in text.lower().split())


def leaf_rule(grader: gk.GraderBase, output: str, item: dict[str, Any]) -> tuple[str, Any]:
    """The named rule promptfoo's score for one leaf grader falls under, and its prediction.

    Returns ``(name, predicted)``: ``predicted`` is promptfoo's score, ``("above", x)`` (greater
    than ``x``) or ``None`` (any score: the rule only names where it applies).
    """
    graded = gk.grade(grader, output, item).reward
    if isinstance(grader, gk.StringCheckGrader) and grader.operation == "ilike":
        ref = render_text(grader.reference, {}, item)
        if not (ref + output).isascii():
            return "ilike: toLowerCase, not casefold", float(ref.lower() in output.lower())
    if not isinstance(grader, gk.TextSimilarityGrader):
        return "exact", graded
    ref = render_text(grader.reference, {}, item)
    metric = grader.evaluation_metric
    if metric == "gleu":
        return "gleu: lower-cased, trailing periods stripped", _lower_score(
            "gleu", output, ref, _gleu_tokens
        )
    if metric == "bleu":
        lowered = _lower_score("bleu", output, ref, str.lower)
        if len(output.split()) >= 4 and lowered > 1e-100:
            return "bleu: lower-cased", lowered
        if output.strip():
            return "bleu: short candidate or zero precision, scored higher", ("above", lowered)
        return "exact", graded
    if not re.fullmatch(r"[a-z0-9\s]*", (output + ref).lower()):
        return "rouge-n: punctuation is a token", None
    return "exact", graded


def _leaves(grader: gk.GraderBase) -> dict[str, gk.GraderBase]:
    return dict(grader.graders) if isinstance(grader, gk.MultiGrader) else {"": grader}


def _check_leaf(rule: str, predicted: Any, score: float, gk_score: float) -> str | None:
    if predicted is None:
        return None
    if isinstance(predicted, tuple):
        return None if score > predicted[1] else f"{rule}: {score} not above {predicted[1]}"
    if abs(score - predicted) > EXACT_SCORE:
        return f"{rule}: promptfoo {score} != predicted {predicted} (graderkit {gk_score})"
    return None


def _compare(
    export: PromptfooExport, grader: gk.GraderBase, output: str, item: dict[str, Any],
    result: gk.GradeResult, outcome: Outcome, rules: Counter[str],
) -> list[str]:  # fmt: skip
    """Problems with one comparison (empty: promptfoo agrees, exactly or by a named rule)."""
    problems: list[str] = []
    if outcome.error:
        return [f"promptfoo error: {outcome.reason}"]
    leaves, exact = _leaves(grader), True
    weights = {a.get("metric", ""): float(a.get("weight", 1.0)) for a in export.assertions}
    leaf_scores = outcome.named_scores if len(leaves) > 1 else {"": outcome.score}
    for key, leaf in leaves.items():
        rule, predicted = leaf_rule(leaf, output, item)
        rules[rule] += 1
        exact = exact and rule == "exact"
        gk_score = result.sub_rewards[key] if key else result.reward
        problem = _check_leaf(rule, predicted, leaf_scores[key], gk_score)
        problems += [f"{key or grader.name}: {problem}"] if problem else []
    aggregate = sum(weights[k] * leaf_scores[k] for k in leaves) / sum(weights.values())
    if abs(outcome.score - aggregate) > EXACT_SCORE:
        problems.append(f"score {outcome.score} is not the weighted mean {aggregate}")
    threshold = export.threshold
    if threshold is None:  # one assertion: its own threshold, or a string check's 1
        threshold = export.assertions[0].get("threshold", 1.0)
    if outcome.passed != (outcome.score >= threshold):
        problems.append(f"passed={outcome.passed} but score {outcome.score} vs {threshold}")
    if exact:
        if abs(outcome.score - result.reward / sum(weights.values())) > EXACT_SCORE:
            problems.append(f"score {outcome.score} != graderkit {result.reward}")
        wanted = _graderkit_passed(grader, result)
        if outcome.passed != (True if wanted is None else wanted):
            problems.append(f"passed={outcome.passed}, graderkit passed={wanted}")
    return problems


def _graderkit_passed(grader: gk.GraderBase, result: gk.GradeResult) -> bool | None:
    threshold = THRESHOLDS.get(grader.name)
    return result.passed if threshold is None else result.reward >= threshold


@pytest.mark.slow
def test_the_population_agrees_with_graderkit_but_for_named_rules(tmp_path: Path) -> None:
    rows = samples()
    exports, results, tests, env = {}, {}, [], {}
    with gk.Runner() as runner:
        for key, grader in graders().items():
            export = to_promptfoo(grader, threshold=THRESHOLDS.get(key), items=[i for _, i in rows])
            exports[key] = export
            env.update(export.env)
            results[key] = runner.grade_many(grader, [o for o, _ in rows], [i for _, i in rows])
            for name, text in export.files.items():
                (tmp_path / name).write_text(text)
            for (output, _), written in zip(rows, export.tests, strict=True):
                test = {**written, "metadata": {"graderkit_output": output},
                        "assert": [dict(a) for a in export.assertions]}  # fmt: skip
                if export.threshold is not None:
                    test["threshold"] = export.threshold
                tests.append(test)
    import json

    (tmp_path / "promptfooconfig.yaml").write_text(json.dumps({"env": env}))
    outcomes = iter(run_eval(tmp_path, tests, tmp_path / "home"))
    rules: Counter[str] = Counter()
    unexplained = []
    for key, grader in graders().items():
        for (output, item), result in zip(rows, results[key], strict=True):
            problems = _compare(exports[key], grader, output, item, result, next(outcomes), rules)
            unexplained += [f"{key} on {output!r}: {p}" for p in problems]
    assert len(tests) >= 440
    assert unexplained == []
    assert set(rules) == {
        "exact",
        "ilike: toLowerCase, not casefold",
        "gleu: lower-cased, trailing periods stripped",
        "bleu: lower-cased",
        "bleu: short candidate or zero precision, scored higher",
        "rouge-n: punctuation is a token",
    }, rules
