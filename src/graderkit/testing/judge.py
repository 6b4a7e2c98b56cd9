"""Judge checks: is the grader stable, does it rank answers as experts do, does it agree with
people, and which ``pass_threshold`` matches their pass/fail calls?

They work with any grader; they matter most for model graders, whose judge may answer the
same request differently. Each grades through one ``grade_many`` call (concurrent for model
graders) and returns a report with ``.ok`` (where it applies) and a readable ``str()``.

Examples:
    >>> import graderkit as gk
    >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
    >>> row = {"id": "q1", "answer": "acute appendicitis"}
    >>> ordering(fuzzy, [(row, ["acute appendicitis", "appendicitis", "gout"])]).ok
    True
    >>> agreement(fuzzy, ["acute appendicitis", "gout", "appendicitis"], [row] * 3,
    ...           [True, False, True]).threshold.threshold
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from graderkit._core.graders.models import GraderBase, LabelModelGrader, MultiGrader
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike
from graderkit._run.runner import Runner
from graderkit.testing.answers import item_id
from graderkit.testing.judge_reports import (
    AgreementReport,
    Disagreement,
    OrderingReport,
    RowStability,
    StabilityReport,
    Violation,
)
from graderkit.testing.stats import (
    cohen_kappa,
    confusion_matrix,
    kendall_tau_b,
    ranks,
    recommend_threshold,
    spearman,
)

__all__ = [
    "AgreementReport",
    "OrderingReport",
    "Ranking",
    "StabilityReport",
    "agreement",
    "ordering",
    "rankings_from_kinds",
    "stability",
]

Item = Mapping[str, Any]
Tier: TypeAlias = "SampleLike | Sequence[SampleLike]"
"""One answer, or several answers experts rank equal."""
Ranking: TypeAlias = "tuple[Item | None, Sequence[Tier]]"
"""A row and its answers (or tiers of answers), best first."""


def _runner(runner: Runner | None) -> Runner:
    if runner is not None:
        return runner
    from graderkit._run.default_runner import default_runner

    return default_runner()


def _names(items: Sequence[Item], key: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, row in enumerate(items):
        name = item_id(row, i, key)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}/{seen[name]}")
    return out


def _uses_models(grader: GraderBase) -> bool:
    if isinstance(grader, MultiGrader):
        return any(_uses_models(child) for child in grader.graders.values())
    return grader.type in ("score_model", "label_model")


def stability(
    grader: GraderBase,
    samples: Sequence[SampleLike],
    items: Sequence[Item] | None = None,
    *,
    repeats: int = 5,
    tolerance: float = 0.0,
    runner: Runner | None = None,
    key: str = "id",
) -> StabilityReport:
    """Grade every (sample, item) row ``repeats`` times and measure how far rewards move.

    Args:
        grader: the grader (usually a model grader).
        samples: the answers.
        items: one row per answer.
        repeats: how many times each row is graded.
        tolerance: rows whose spread (max - min) exceeds it are listed as flaky.
        runner: the runner. It must not answer from a cache or a cassette (every repeat would
            get the first reply).
        key: the row id field, for reports.

    Raises:
        ValueError: the runner's engine has a cache or a cassette, or ``repeats < 2``.

    Examples:
        >>> import graderkit as gk
        >>> from graderkit.testing.fake_openai import FakeOpenAI, judge_reply
        >>> judge = gk.score_model("Is {{ sample.output_text }} a diagnosis? Score 0 to 1.",
        ...                        model="gpt-4.1", name="judge")
        >>> with FakeOpenAI() as server:
        ...     server.enqueue(judge_reply(0.8), judge_reply(0.6), judge_reply(0.8))
        ...     engine = gk.ModelEngine.from_env(base_url=server.base_url, api_key="sk-test")
        ...     with gk.Runner(models=engine) as runner:
        ...         report = stability(judge, ["gout"], repeats=3, runner=runner)
        >>> report.ok, sorted(report.flaky[0].rewards), round(report.max_spread, 2)
        (False, [0.6, 0.8, 0.8], 0.2)
    """
    if repeats < 2:
        raise ValueError(f"repeats must be at least 2, got {repeats}")
    runner = _runner(runner)
    if _uses_models(grader):
        engine = runner.models
        if engine.cache is not None or engine.cassette is not None:
            raise ValueError(
                "stability() needs fresh judge replies, but the runner's engine has a cache or a "
                "cassette (every repeat would get the stored reply): pass a Runner whose "
                "ModelEngine has neither"
            )
    rows = list(items) if items is not None else [{} for _ in samples]
    n = len(samples)
    results = runner.grade_many(grader, list(samples) * repeats, rows * repeats)
    names = _names(rows, key)
    out = []
    for i in range(n):
        mine = [results[i + k * n] for k in range(repeats)]
        out.append(
            RowStability(names[i], tuple(r.reward for r in mine), sum(not r.ok for r in mine))
        )
    return StabilityReport(grader.label, repeats, tolerance, tuple(out))


def _tiers(answers: Sequence[Tier]) -> list[list[SampleLike]]:
    return [
        [tier] if isinstance(tier, (str, Mapping)) else list(tier)  # a str is one answer
        for tier in answers
    ]


def _text(sample: SampleLike) -> str:
    return sample if isinstance(sample, str) else str(sample.get("output_text", sample))


def ordering(
    grader: GraderBase,
    rankings: Iterable[Ranking],
    *,
    strict: bool = True,
    runner: Runner | None = None,
    key: str = "id",
) -> OrderingReport:
    """Check that answers experts rank ``a1 > a2 > a3`` are graded in that order.

    Args:
        grader: the grader.
        rankings: ``(item, answers)`` pairs, answers best first; an entry of ``answers`` may
            be a list of answers experts rank equal (a tier). See
            [`rankings_from_kinds`][graderkit.testing.judge.rankings_from_kinds].
        strict: ties between tiers count as violations (the cookbook's ``>``).
        runner: the runner (default: the shared one).
        key: the row id field, for reports.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> row = {"id": "q1", "answer": "acute appendicitis"}
        >>> report = ordering(fuzzy, [(row, ["inflamed appendix", "acute diverticulitis"])])
        >>> report.ok
        False
        >>> print(report.violations[0].better, ">", report.violations[0].worse, "reversed")
        inflamed appendix > acute diverticulitis reversed
    """
    cases = [(item or {}, _tiers(answers)) for item, answers in rankings]
    flat = [(case, tier, answer) for case, (_, tiers) in enumerate(cases) for tier, answers in enumerate(tiers) for answer in answers]  # fmt: skip
    results = _runner(runner).grade_many(
        grader, [a for _, _, a in flat], [cases[c][0] for c, _, _ in flat]
    )
    names = _names([item for item, _ in cases], key)
    graded: dict[int, list[tuple[int, SampleLike, GradeResult]]] = {}
    for (case, tier, answer), result in zip(flat, results, strict=True):
        graded.setdefault(case, []).append((tier, answer, result))
    violations: list[Violation] = []
    pairs = 0
    for case, entries in graded.items():
        for tier_a, a, ra in entries:
            for tier_b, b, rb in entries:
                if tier_a >= tier_b:
                    continue
                pairs += 1
                if ra.reward < rb.reward or (strict and ra.reward == rb.reward):
                    violations.append(
                        Violation(
                            names[case],
                            _text(a),
                            _text(b),
                            ra.reward,
                            rb.reward,
                            "reversed" if ra.reward < rb.reward else "tied",
                        )
                    )
    errored = sum(not r.ok for r in results)
    return OrderingReport(grader.label, strict, pairs, tuple(violations), errored)


def rankings_from_kinds(
    items: Iterable[Item],
    predictions: Iterable[Mapping[str, Any]],
    order: Sequence[str | Sequence[str]],
    *,
    key: str = "id",
    kind: str = "kind",
    text: str = "output_text",
) -> list[Ranking]:
    """Rankings from predictions labelled with a kind (like the bundled ``predictions.jsonl``).

    Args:
        items: the dataset rows.
        predictions: rows with ``key`` (the item), ``kind`` and ``text``.
        order: kinds best first; an entry may be a tuple of kinds ranked equal, e.g.
            ``[("exact", "synonym"), "partial", "wrong"]``.
        key: the field joining predictions to items.
        kind: the field holding the kind.
        text: the field holding the answer.

    Returns:
        One ranking per item with answers in at least two tiers.
    """
    tier_of: dict[str, int] = {}
    for rank, entry in enumerate(order):
        for name in [entry] if isinstance(entry, str) else entry:
            tier_of[name] = rank
    by_item: dict[str, list[list[SampleLike]]] = {}
    for pred in predictions:
        found = tier_of.get(str(pred.get(kind)))
        if found is not None and text in pred:
            tiers = by_item.setdefault(str(pred.get(key)), [[] for _ in order])
            tiers[found].append(pred[text])
    out: list[Ranking] = []
    for row in items:
        tiers = [t for t in by_item.get(str(row.get(key)), []) if t]
        if len(tiers) >= 2:
            out.append((row, tiers))
    return out


def agreement(
    grader: GraderBase,
    samples: Sequence[SampleLike],
    items: Sequence[Item] | None,
    human: Sequence[float] | Sequence[bool] | Sequence[str],
    *,
    threshold: float | None = None,
    runner: Runner | None = None,
    key: str = "id",
) -> AgreementReport:
    """Compare a grader with human judgements of the same answers.

    ``human`` decides the statistics: numbers (scores) give Spearman's rho and Kendall's
    tau-b against the rewards; booleans (pass/fail) give Cohen's kappa, a confusion matrix
    and the recommended ``pass_threshold`` (see
    [`recommend_threshold`][graderkit.testing.stats.recommend_threshold]); strings (labels)
    give kappa and a confusion matrix against a label_model's labels.

    Args:
        grader: the grader.
        samples: the answers people judged.
        items: one row per answer.
        human: one judgement per answer.
        threshold: for pass/fail labels, the rule to score (default: the grader's own
            ``pass_threshold``, else the recommended one).
        runner: the runner (default: the shared one).
        key: the row id field, for reports.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> row = {"id": "q1", "answer": "acute appendicitis"}
        >>> report = agreement(fuzzy, ["acute appendicitis", "appendicitis", "gout"], [row] * 3,
        ...                    [1.0, 0.8, 0.0])
        >>> report.kind, report.spearman, report.kendall
        ('scores', 1.0, 1.0)
    """
    if len(human) != len(samples):
        raise ValueError(f"got {len(human)} human judgements for {len(samples)} samples")
    rows = list(items) if items is not None else [{} for _ in samples]
    results = _runner(runner).grade_many(grader, list(samples), rows)
    names = _names(rows, key)
    keep = [i for i, r in enumerate(results) if r.ok]
    values = list(human)
    errored = len(results) - len(keep)
    if all(isinstance(h, bool) for h in values):
        return _pass_agreement(grader, results, values, keep, names, threshold, errored)  # type: ignore[arg-type]
    if all(isinstance(h, str) for h in values):
        return _label_agreement(grader, results, values, keep, names, errored)  # type: ignore[arg-type]
    if all(isinstance(h, (int, float)) for h in values):
        return _score_agreement(grader, results, values, keep, names, errored)  # type: ignore[arg-type]
    raise TypeError("human judgements must be all numbers, all booleans or all strings")


def _score_agreement(
    grader: GraderBase,
    results: Sequence[GradeResult],
    human: Sequence[float],
    keep: list[int],
    names: list[str],
    errored: int,
) -> AgreementReport:
    rewards = [results[i].reward for i in keep]
    people = [float(human[i]) for i in keep]
    gap = [abs(a - b) for a, b in zip(ranks(rewards), ranks(people), strict=True)]
    worst = sorted(range(len(keep)), key=lambda k: -gap[k])[:5]
    return AgreementReport(
        grader=grader.label,
        kind="scores",
        n=len(keep),
        errored=errored,
        spearman=spearman(rewards, people) if len(keep) > 1 else math.nan,
        kendall=kendall_tau_b(rewards, people) if len(keep) > 1 else math.nan,
        disagreements=tuple(Disagreement(names[keep[k]], people[k], rewards[k]) for k in worst),
    )


def _pass_agreement(
    grader: GraderBase,
    results: Sequence[GradeResult],
    human: Sequence[bool],
    keep: list[int],
    names: list[str],
    threshold: float | None,
    errored: int,
) -> AgreementReport:
    rewards = [results[i].reward for i in keep]
    people = [human[i] for i in keep]
    choice = recommend_threshold(rewards, people) if keep else None
    own = getattr(grader, "pass_threshold", None)
    if threshold is not None:
        cut, rule = threshold, f"reward >= {threshold:g}"
    elif own is not None:
        cut, rule = float(own), f"the grader's pass_threshold {own:g}"
    else:
        cut = choice.threshold if choice is not None else 1.0
        rule = f"the recommended threshold {cut:.4g}"
    decided = [r >= cut for r in rewards]
    labels, matrix = confusion_matrix(people, decided, [False, True])
    off = [k for k in range(len(keep)) if people[k] != decided[k]]
    return AgreementReport(
        grader=grader.label,
        kind="pass",
        n=len(keep),
        errored=errored,
        kappa=cohen_kappa(people, decided, [False, True]),
        labels=tuple(labels),
        matrix=tuple(tuple(row) for row in matrix),
        threshold=choice,
        rule=rule,
        disagreements=tuple(
            Disagreement(names[keep[k]], people[k], f"{rewards[k]:.4g} -> {decided[k]}")
            for k in off[:5]
        ),
    )


def _label_agreement(
    grader: GraderBase,
    results: Sequence[GradeResult],
    human: Sequence[str],
    keep: list[int],
    names: list[str],
    errored: int,
) -> AgreementReport:
    if not isinstance(grader, LabelModelGrader):
        raise TypeError(
            f"string labels need a label_model grader, not {grader.label}; "
            "for pass/fail judgements pass booleans"
        )
    people = [human[i] for i in keep]
    given = [str(results[i].scores.get("result")) for i in keep]
    labels, matrix = confusion_matrix(people, given, list(grader.labels))
    off = [k for k in range(len(keep)) if people[k] != given[k]]
    return AgreementReport(
        grader=grader.label,
        kind="labels",
        n=len(keep),
        errored=errored,
        kappa=cohen_kappa(people, given, list(grader.labels)),
        labels=tuple(labels),
        matrix=tuple(tuple(row) for row in matrix),
        disagreements=tuple(Disagreement(names[keep[k]], people[k], given[k]) for k in off[:5]),
    )
