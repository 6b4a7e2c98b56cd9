"""Assertions for pytest: a failing one shows what the grader saw and what each part gave.

Every helper grades through a [`Runner`][graderkit.Runner] (the shared one unless you pass
``runner=``), returns what it graded so a test can look further, and raises ``AssertionError``
with the rendered inputs, the sub-rewards and the error flags. They hide their own frames from
pytest tracebacks, so the failure points at your test line.

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> _ = assert_reward(exact, "Paris", {"answer": "Paris"}, 1.0)
    >>> assert_reward(exact, "paris", {"answer": "Paris"}, 1.0)
    Traceback (most recent call last):
    AssertionError: string_check 'exact': expected reward 1.0, got 0.0
    string_check 'exact' (eq) -> 0.0
      input:     'paris'
      reference: 'Paris'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.templating.sample import SampleLike
from graderkit._run.runner import Runner
from graderkit.errors import ERROR_FLAGS
from graderkit.testing.explain import clip, explain, format_reward

__all__ = [
    "assert_error",
    "assert_fails",
    "assert_no_errors",
    "assert_passes",
    "assert_ranked",
    "assert_reward",
]

Item = Mapping[str, Any]


def _runner(runner: Runner | None) -> Runner:
    if runner is not None:
        return runner
    from graderkit._run.default_runner import default_runner

    return default_runner()


def _grade(
    grader: GraderBase, sample: SampleLike, item: Item | None, runner: Runner | None
) -> GradeResult:
    return _runner(runner).grade(grader, sample, item)


def assert_reward(
    grader: GraderBase,
    sample: SampleLike,
    item: Item | None,
    expected: float,
    *,
    approx: float = 1e-9,
    allow_errors: bool = False,
    runner: Runner | None = None,
) -> GradeResult:
    """Assert that ``grader`` gives ``sample`` (against ``item``) the reward ``expected``.

    Args:
        grader: the grader.
        sample: the model's answer (a string or a structured sample).
        item: the dataset row (``None`` for none).
        expected: the reward you expect.
        approx: the absolute tolerance.
        allow_errors: accept a result with error flags (by default an error fails the
            assertion even when the reward matches: an errored sample scores 0 by rule, not by
            judgement).
        runner: the runner (default: the shared one).

    Returns:
        The result.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> assert_reward(exact, "gout", {"answer": "gout"}, 1.0).reward
        1.0
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> _ = assert_reward(fuzzy, "appendicitis", {"answer": "acute appendicitis"}, 0.8,
        ...                   approx=0.01)
    """
    __tracebackhide__ = True
    result = _grade(grader, sample, item, runner)
    close = abs(result.reward - expected) <= approx
    if close and (allow_errors or result.ok):
        return result
    tolerance = f" (± {approx:g})" if approx > 1e-9 else ""
    why = (
        f"expected reward {format_reward(expected)}{tolerance}, got {format_reward(result.reward)}"
    )
    if close:
        why = f"got the expected reward {format_reward(expected)} but with error flags {sorted(result.errors)}"
    raise AssertionError(f"{grader.label}: {why}\n{explain(grader, sample, item, result)}")


def assert_passes(
    grader: GraderBase,
    sample: SampleLike,
    item: Item | None = None,
    *,
    threshold: float | None = None,
    runner: Runner | None = None,
) -> GradeResult:
    """Assert that the sample passes: the grader's own pass rule (``pass_threshold``;
    string_check and label_model pass on 1), or ``reward >= threshold`` when given.

    Raises:
        AssertionError: the sample does not pass (or raised an error flag).
        ValueError: the grader has no pass rule and no ``threshold`` was given.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}",
        ...                            name="fuzzy", pass_threshold=0.75)
        >>> assert_passes(fuzzy, "appendicitis", {"answer": "acute appendicitis"}).passed
        True
        >>> _ = assert_passes(fuzzy, "appendix", {"answer": "acute appendicitis"}, threshold=0.5)
    """
    __tracebackhide__ = True
    return _pass_or_fail(grader, sample, item, threshold, runner, want=True)


def assert_fails(
    grader: GraderBase,
    sample: SampleLike,
    item: Item | None = None,
    *,
    threshold: float | None = None,
    runner: Runner | None = None,
) -> GradeResult:
    """Assert that the sample does not pass (see [`assert_passes`][graderkit.testing.assertions.assert_passes]).

    A sample that raises an error flag does not count as failing: the assertion fails then,
    because the grader broke rather than judged.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> assert_fails(exact, "lupus", {"answer": "gout"}).reward
        0.0
        >>> assert_fails(exact, "gout", {})
        Traceback (most recent call last):
        AssertionError: string_check 'exact': expected the sample to fail; the grade raised ...
        ...
    """
    __tracebackhide__ = True
    return _pass_or_fail(grader, sample, item, threshold, runner, want=False)


def _pass_or_fail(
    grader: GraderBase,
    sample: SampleLike,
    item: Item | None,
    threshold: float | None,
    runner: Runner | None,
    *,
    want: bool,
) -> GradeResult:
    __tracebackhide__ = True
    result = _grade(grader, sample, item, runner)
    if threshold is None and result.passed is None:
        raise ValueError(
            f"{grader.label} has no pass rule (no pass_threshold); give threshold=, "
            "e.g. assert_passes(grader, sample, item, threshold=0.8)"
        )
    passed = result.passed if threshold is None else (result.ok and result.reward >= threshold)
    if result.ok and passed == want:
        return result
    rule = f">= {threshold:g}" if threshold is not None else _rule(grader)
    if not result.ok:
        why = f"the grade raised error flags {sorted(result.errors)}"
    else:
        why = f"reward {format_reward(result.reward)} {'does not pass' if want else 'passes'} ({rule})"
    verb = "pass" if want else "fail"
    raise AssertionError(
        f"{grader.label}: expected the sample to {verb}; {why}\n{explain(grader, sample, item, result)}"
    )


def _rule(grader: GraderBase) -> str:
    threshold = getattr(grader, "pass_threshold", None)
    return "pass_threshold " + format_reward(threshold) if threshold is not None else "reward == 1"


def assert_error(
    grader: GraderBase,
    sample: SampleLike,
    item: Item | None,
    flag: str,
    *,
    runner: Runner | None = None,
) -> GradeResult:
    """Assert that grading raises the error flag ``flag`` (e.g. ``"invalid_variable_error"``).

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> assert_error(exact, "gout", {"question": "?"}, "invalid_variable_error").errors
        {'invalid_variable_error': "item.answer: key 'answer' not found in item"}
    """
    __tracebackhide__ = True
    if flag not in ERROR_FLAGS:
        raise ValueError(f"unknown error flag {flag!r}; one of {list(ERROR_FLAGS)}")
    result = _grade(grader, sample, item, runner)
    if flag in result.errors:
        return result
    got = f"flags {sorted(result.errors)}" if result.errors else "no error flag"
    raise AssertionError(
        f"{grader.label}: expected {flag}, got {got}\n{explain(grader, sample, item, result)}"
    )


def assert_no_errors(
    grader: GraderBase,
    samples: Iterable[SampleLike],
    items: Iterable[Item] | None = None,
    *,
    runner: Runner | None = None,
    shown: int = 3,
) -> Sequence[GradeResult]:
    """Grade many samples (``samples[i]`` against ``items[i]``) and assert none raises a flag.

    Returns:
        The results, in order.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> results = assert_no_errors(exact, ["gout", "lupus"], [{"answer": "gout"}] * 2)
        >>> [r.reward for r in results]
        [1.0, 0.0]
    """
    __tracebackhide__ = True
    sample_list = list(samples)
    item_list = list(items) if items is not None else [{} for _ in sample_list]
    results = _runner(runner).grade_many(grader, sample_list, item_list)
    bad = [i for i, r in enumerate(results) if r.errors]
    if not bad:
        return results
    counts: dict[str, int] = {}
    for i in bad:
        for flag in results[i].errors:
            counts[flag] = counts.get(flag, 0) + 1
    lines = [f"{grader.label}: {len(bad)} of {len(results)} samples raised error flags {counts}"]
    for i in bad[:shown]:
        lines.append(
            f"row {i}:\n" + explain(grader, sample_list[i], item_list[i], results[i], indent="  ")
        )
    raise AssertionError("\n".join(lines))


def assert_ranked(
    grader: GraderBase,
    item: Item | None,
    answers: Sequence[SampleLike],
    *,
    strict: bool = True,
    runner: Runner | None = None,
) -> list[float]:
    """Assert that answers ranked best first get decreasing rewards.

    The cookbook's alignment check: when experts rank ``a1 > a2 > a3``, the grader must give
    ``grade(a1) > grade(a2) > grade(a3)``.

    Args:
        grader: the grader.
        item: the dataset row all answers are graded against.
        answers: the answers, best first.
        strict: require strictly decreasing rewards (``False``: ties are allowed).
        runner: the runner (default: the shared one).

    Returns:
        The rewards, in the order of ``answers``.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> rewards = assert_ranked(fuzzy, {"answer": "acute appendicitis"},
        ...                         ["acute appendicitis", "appendicitis", "gout"])
        >>> rewards[0], rewards[1] > rewards[2]
        (1.0, True)
    """
    __tracebackhide__ = True
    if len(answers) < 2:
        raise ValueError("assert_ranked needs at least two answers, best first")
    row = item or {}
    results = _runner(runner).grade_many(grader, list(answers), [row] * len(answers))
    rewards = [r.reward for r in results]
    bad = [
        i
        for i in range(len(rewards) - 1)
        if (rewards[i] <= rewards[i + 1] if strict else rewards[i] < rewards[i + 1])
        or results[i].errors
    ]
    if not bad and not results[-1].errors:
        return rewards
    relation = ">" if strict else ">="
    lines = [
        f"{grader.label}: the answers are not graded in the experts' order ({relation} each next)"
    ]
    for rank, (answer, result) in enumerate(zip(answers, results, strict=True), 1):
        text = answer if isinstance(answer, str) else answer.get("output_text")
        flags = f"  errors {sorted(result.errors)}" if result.errors else ""
        lines.append(f"  {rank}. {format_reward(result.reward):<8} {clip(text, 80)}{flags}")
    first = bad[0] if bad else len(answers) - 1
    for i in (first, first + 1)[: 2 if first + 1 < len(answers) else 1]:
        lines.append(
            f"answer {i + 1}:\n" + explain(grader, answers[i], item, results[i], indent="  ")
        )
    raise AssertionError("\n".join(lines))
