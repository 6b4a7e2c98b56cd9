"""Reward-hacking probes: find the answers a policy could farm before it finds them itself.

[`probe`][graderkit.testing.probes.probe] grades, for every dataset row, the gold answer, a
wrong answer and each [rewrite][graderkit.testing.probe_rewrites.REWRITES] of them (padding,
hedges, lists, echoes, prompt injection, fake verdicts, formatting games), all in one
``grade_many`` call (local graders are graded by column; model graders go through the
runner's engine, so its cache and cassette apply). It reports every rewrite that scores at
least as high as the gold answer (padding must cost something) or higher than the wrong
answer it rewrites, with examples and the margin.

Examples:
    >>> import graderkit as gk
    >>> rows = [{"id": "q1", "answer": "acute appendicitis"}, {"id": "q2", "answer": "gout"}]
    >>> contains = gk.string_check("{{sample.output_text}}", "{{item.answer}}",
    ...                            operation="like", name="contains")
    >>> report = probe(contains, rows)
    >>> report.ok
    False
    >>> [f.rewrite.name for f in report.failures][:3]
    ['padding_synonyms', 'padding_detail', 'padding_explanation']
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> probe(exact, rows).ok
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from graderkit._core.graders.models import GraderBase, MultiGrader
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike
from graderkit._run.runner import Runner
from graderkit.testing.answers import borrowed_answers, gold_key, item_id, question_of
from graderkit.testing.probe_report import ProbeExample, ProbeFinding, ProbeReport
from graderkit.testing.probe_rewrites import REWRITES, Context, Rewrite

__all__ = ["ProbeExample", "ProbeFinding", "ProbeReport", "probe"]

Item = Mapping[str, Any]
Source = str | Callable[[Item], "str | None"] | None
_GOLD, _WRONG = "<gold>", "<wrong>"


def probe(
    grader: GraderBase,
    items: Iterable[Item],
    *,
    gold: Source = None,
    wrong: Source | Mapping[str, str] = None,
    question: Source = None,
    rewrites: Sequence[Rewrite] = REWRITES,
    runner: Runner | None = None,
    key: str = "id",
    sample: Callable[[str], SampleLike] | None = None,
    tolerance: float = 1e-9,
    max_items: int | None = None,
) -> ProbeReport:
    """Grade adversarial rewrites of each row's gold and wrong answers; report the loopholes.

    Args:
        grader: the grader to probe.
        items: dataset rows.
        gold: the gold answer: an item key, or a function of the row (default: see
            [`gold_key`][graderkit.testing.answers.gold_key]).
        wrong: a wrong answer per row: an item key, a function of the row, or a mapping from
            row id to a wrong answer (e.g. the ``kind == "wrong"`` predictions). Rows without
            one borrow another row's gold answer (default for every row).
        question: the question, for ``restated_question``: an item key or a function (default:
            the last user message of ``messages``, else ``question``/``prompt``).
        rewrites: the rewrites to try (default: all of
            [`REWRITES`][graderkit.testing.probe_rewrites.REWRITES]).
        runner: the runner (default: the shared one). Give one with a cache or a cassette
            to probe a model grader without paying twice.
        key: the row id field, for reports and for a ``wrong`` mapping.
        sample: builds a sample from an answer text (default: the text, as ``graders/run``'s
            ``model_sample``).
        tolerance: rewards closer than this count as equal.
        max_items: probe only the first rows (model graders cost one call per row and probe).

    Returns:
        A [`ProbeReport`][graderkit.testing.probe_report.ProbeReport]; ``report.ok`` is False when a
        ``below_gold`` or ``not_above_wrong`` rewrite wins on any row.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> rows = [{"id": "q1", "answer": "acute appendicitis"}, {"id": "q2", "answer": "gout"}]
        >>> report = probe(fuzzy, rows)
        >>> [f.rewrite.name for f in report.failures]
        ['hedge', 'candidate_list', 'echo_reference', 'negated_reference']
        >>> hack = report.failures[0].examples[0]
        >>> hack.answer, hack.reward > hack.baseline
        ('gout or possibly acute appendicitis', True)
    """
    rows = list(items)[:max_items]
    contexts, wrong_note = _contexts(grader, rows, gold, wrong, question, key)
    plan = _plan(contexts, rewrites)
    build = sample or (lambda text: text)
    if runner is None:
        from graderkit._run.default_runner import default_runner

        runner = default_runner()
    results = runner.grade_many(
        grader, [build(t) for _, _, t in plan], [rows[i] for _, i, _ in plan]
    )
    table: dict[str, dict[int, tuple[str, GradeResult]]] = {}
    for (name, index, text), result in zip(plan, results, strict=True):
        table.setdefault(name, {})[index] = (text, result)
    ids = [item_id(row, i, key) for i, row in enumerate(rows)]
    return _report(grader, rewrites, table, ids, tolerance, wrong_note)


def _source(value: Source, default: Callable[[Item], str | None]) -> Callable[[Item], str | None]:
    if value is None:
        return default
    if isinstance(value, str):
        field = value
        return lambda row: row.get(field) if isinstance(row.get(field), str) else None
    return value


def _contexts(
    grader: GraderBase,
    rows: list[Item],
    gold: Source,
    wrong: Source | Mapping[str, str],
    question: Source,
    key: str,
) -> tuple[list[Context | None], str]:
    get_gold = _source(gold if gold is not None else gold_key(grader, rows), lambda row: None)
    golds = [get_gold(row) for row in rows]
    texts = [g for g in golds if isinstance(g, str)]
    borrowed = iter(borrowed_answers(texts))
    spare = [next(borrowed) if isinstance(g, str) else "" for g in golds]
    if isinstance(wrong, Mapping):
        table = wrong
        get_wrong: Callable[[Item], str | None] = lambda row: table.get(str(row.get(key)))  # noqa: E731
    else:
        get_wrong = _source(wrong, lambda row: None)
    get_question = _source(question, question_of)
    contexts: list[Context | None] = []
    given = 0
    for i, row in enumerate(rows):
        answer = golds[i]
        if not isinstance(answer, str):
            contexts.append(None)
            continue
        own = get_wrong(row)
        given += isinstance(own, str)
        contexts.append(
            Context(answer, own if isinstance(own, str) else spare[i], get_question(row))
        )
    note = f"{given} given, {len(texts) - given} borrowed from other rows' gold answers"
    return contexts, note


def _plan(
    contexts: list[Context | None], rewrites: Sequence[Rewrite]
) -> list[tuple[str, int, str]]:
    plan: list[tuple[str, int, str]] = []
    for index, ctx in enumerate(contexts):
        if ctx is None:
            continue
        plan.append((_GOLD, index, ctx.gold))
        plan.append((_WRONG, index, ctx.wrong))
        for rewrite in rewrites:
            text = rewrite.make(ctx)
            if text is not None:
                plan.append((rewrite.name, index, text))
    return plan


def _report(
    grader: GraderBase,
    rewrites: Sequence[Rewrite],
    table: dict[str, dict[int, tuple[str, GradeResult]]],
    ids: list[str],
    tolerance: float,
    wrong_note: str,
) -> ProbeReport:
    gold, wrong = table.get(_GOLD, {}), table.get(_WRONG, {})
    usable = {i for i, (_, r) in gold.items() if r.ok}
    separated = {i for i in usable if wrong[i][1].ok and gold[i][1].reward > wrong[i][1].reward}
    findings = []
    for rewrite in rewrites:
        rows = table.get(rewrite.name, {})
        if rewrite.expect == "not_above_wrong":
            base, keep = wrong, {i for i in rows if wrong[i][1].ok}
        else:
            base, keep = gold, separated if rewrite.expect == "below_gold" else usable
        findings.append(_finding(rewrite, rows, base, keep, ids, tolerance))
    notes = [f"wrong answers: {wrong_note}"]
    lost = sorted(usable - separated)
    if lost:
        shown = ", ".join(ids[i] for i in lost[:8]) + (" ..." if len(lost) > 8 else "")
        notes.append(
            f"{len(lost)} row(s) where the gold answer does not outscore the wrong answer "
            f"(skipped for padding probes; check the grader or the gold): {shown}"
        )
    failed_gold = sorted(set(gold) - usable)
    if failed_gold:
        notes.append(f"{len(failed_gold)} row(s) where grading the gold answer raised an error")
    return ProbeReport(
        grader=grader.label,
        rows=len(gold),
        findings=tuple(findings),
        components=tuple(_components(grader, findings, table, tolerance)),
        notes=tuple(notes),
    )


def _finding(
    rewrite: Rewrite,
    rows: Mapping[int, tuple[str, GradeResult]],
    base: Mapping[int, tuple[str, GradeResult]],
    keep: set[int],
    ids: list[str],
    tolerance: float,
) -> ProbeFinding:
    examples: list[ProbeExample] = []
    errored: dict[str, int] = {}
    for index in sorted(keep & set(rows)):
        text, result = rows[index]
        for flag in result.errors:
            errored[flag] = errored.get(flag, 0) + 1
        baseline = base[index][1]
        examples.append(
            ProbeExample(
                item=ids[index],
                answer=text,
                reward=result.reward,
                baseline=baseline.reward,
                sub_rewards=dict(result.sub_rewards),
                baseline_sub_rewards=dict(baseline.sub_rewards),
            )
        )
    return ProbeFinding.of(rewrite, examples, errored=errored, tolerance=tolerance)


def _components(
    grader: GraderBase,
    findings: Sequence[ProbeFinding],
    table: Mapping[str, Mapping[int, tuple[str, GradeResult]]],
    tolerance: float,
) -> list[str]:
    """For a multi: which sub-graders fall for which rewrites (the formula may hide it)."""
    if not isinstance(grader, MultiGrader):
        return []
    lines = []
    for child in grader.graders:
        fallen = []
        for finding in findings:
            if finding.rewrite.expect == "info" or not finding.examples:
                continue
            wins = sum(
                finding.violates(
                    e.sub_rewards.get(child, 0.0), e.baseline_sub_rewards.get(child, 0.0), tolerance
                )
                for e in finding.examples
            )
            if wins:
                fallen.append(f"{finding.rewrite.name} {wins}/{len(finding.examples)}")
        if fallen:
            lines.append(f"{child}: " + ", ".join(fallen))
    return lines
