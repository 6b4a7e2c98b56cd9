"""Test graders before training: assertions, checks, reward-hacking probes, judge checks.

Everything is importable from here and loaded on first use, so ``import graderkit.testing``
stays light (hypothesis, for instance, loads only with the strategies):

- assertions: `assert_reward`, `assert_passes`, `assert_fails`, `assert_error`,
  `assert_no_errors`, `assert_ranked`;
- `check_grader`: invariants over a dataset (range, determinism, round-trip, variables, errors);
- `probe`: reward-hacking probes (padding, hedging, candidate lists, injection, ...);
- judge checks: `stability`, `ordering`, `agreement`;
- `FakeOpenAI`, `judge_reply`: a real HTTP server on loopback that speaks the OpenAI API;
- `assert_matches_golden`: replay golden results recorded from the service;
- submodules `strategies` (hypothesis) and `pytest_plugin` (opt-in fixtures).

Examples:
    >>> import graderkit as gk
    >>> from graderkit.testing import assert_reward
    >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
    >>> assert_reward(exact, "Paris", {"answer": "Paris"}, 1.0).passed
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graderkit._lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from graderkit.testing.assertions import (
        assert_error,
        assert_fails,
        assert_no_errors,
        assert_passes,
        assert_ranked,
        assert_reward,
    )
    from graderkit.testing.checks import check_grader
    from graderkit.testing.fake_openai import FakeOpenAI, judge_reply
    from graderkit.testing.judge import agreement, ordering, stability
    from graderkit.testing.parity import assert_matches_golden
    from graderkit.testing.probes import probe

_LAZY = {
    "FakeOpenAI": "graderkit.testing.fake_openai",
    "agreement": "graderkit.testing.judge",
    "assert_error": "graderkit.testing.assertions",
    "assert_fails": "graderkit.testing.assertions",
    "assert_matches_golden": "graderkit.testing.parity",
    "assert_no_errors": "graderkit.testing.assertions",
    "assert_passes": "graderkit.testing.assertions",
    "assert_ranked": "graderkit.testing.assertions",
    "assert_reward": "graderkit.testing.assertions",
    "check_grader": "graderkit.testing.checks",
    "judge_reply": "graderkit.testing.fake_openai",
    "ordering": "graderkit.testing.judge",
    "probe": "graderkit.testing.probes",
    "stability": "graderkit.testing.judge",
}

__all__ = [
    "FakeOpenAI",
    "agreement",
    "assert_error",
    "assert_fails",
    "assert_matches_golden",
    "assert_no_errors",
    "assert_passes",
    "assert_ranked",
    "assert_reward",
    "check_grader",
    "judge_reply",
    "ordering",
    "probe",
    "stability",
]


__getattr__, __dir__ = _lazy_attributes("graderkit.testing", globals(), _LAZY)
