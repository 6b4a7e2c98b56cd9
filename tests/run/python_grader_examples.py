"""Plain grader functions that tests turn into python grader source (not a test module).

The first two are the RFT cookbook's graders (section 3: token_set_ratio fuzzy match and exact
match), written as ordinary functions that share a helper and constants. The rest are the shapes
that break a "getsource and rename to grade" approach: recursion, decorators, helpers of helpers.
"""

from __future__ import annotations

import functools
import os  # used by no grader: must not reach any emitted source
from typing import Any

from rapidfuzz import fuzz, process, utils

import graderkit as gk

SCALE = 100.0
PERFECT = 1.0
UNUSED = os.sep
LENGTH_SCALE = 10


def _similarity(a: str, b: str) -> float:
    return fuzz.token_set_ratio(a, b, processor=utils.default_process) / SCALE


def clinical_phrase(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """The cookbook's fuzzy grader: token_set_ratio with rapidfuzz's default processor."""
    return _similarity(sample["output_text"], item["reference_answer"])


def clinical_phrase_binary(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """The cookbook's exact-match grader."""
    return PERFECT if sample["output_text"] == item["reference_answer"] else 0.0


def wratio(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """The grader behind the observed reward 0.7555555555555555 (spec Part B section 9 #2)."""
    score = fuzz.WRatio(
        sample["output_text"], item["reference_answer"], processor=utils.default_process
    )
    return score / SCALE


class _Weights:
    FUZZY = 0.85
    EXACT = 0.15


def combined(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Graders used as helpers of another grader (helpers of helpers)."""
    fuzzy = clinical_phrase(sample, item)
    return _Weights.FUZZY * fuzzy + _Weights.EXACT * clinical_phrase_binary(sample, item)


def depth(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Recursive: the nesting depth of item["tree"]; calls itself by its own name."""
    tree = item["tree"]
    if not isinstance(tree, list) or not tree:
        return 0.0
    return 1.0 + max(depth(sample, {"tree": t}) for t in tree)


def _clamp01(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(sample: dict[str, Any], item: dict[str, Any]) -> float:
        return min(PERFECT, max(0.0, fn(sample, item)))

    return wrapper


@_clamp01
def clamped_length(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Decorated with a user decorator, which must be kept (with its own helpers)."""
    return len(sample["output_text"]) / LENGTH_SCALE


@gk.python_grader(name="exact_registered")
def exact_registered(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Decorated with graderkit's decorator, which must be stripped from the emitted source."""
    return clinical_phrase_binary(sample, item)


def grade(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """Already called grade: emitted without an alias."""
    return float(len(process.extract(sample["output_text"], item["choices"], limit=2)))


def uses_undefined(sample: dict[str, Any], item: dict[str, Any]) -> float:
    return not_defined_anywhere  # type: ignore[name-defined]  # noqa: F821


CANDIDATE_SECONDS = 2.0


def code_tests(sample: dict[str, Any], item: dict[str, Any]) -> float:
    """A code-execution reward: run the sample's program, score the share of tests it passes.

    The candidate's code runs in this sample's own process (exec, inside the sandbox), with its
    own time limit; it can crash or hang only its own sample.
    """
    import signal

    def too_slow(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the program took longer than {CANDIDATE_SECONDS} s")

    namespace: dict[str, Any] = {"__name__": "candidate"}
    signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, CANDIDATE_SECONDS)
    try:
        exec(compile(sample["output_text"], "candidate.py", "exec"), namespace)
        solve = namespace["solve"]
        passed = sum(solve(*args) == expected for args, expected in item["tests"])
    except BaseException:  # SystemExit and the time limit included: the program failed
        return 0.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return passed / len(item["tests"])
