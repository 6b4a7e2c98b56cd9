"""Benchmark: how long graderkit takes to refuse hostile input (it must be linear, never parse).

Reference: one linear pass over the same text (``str.count``), the least any check can cost.
Before the limits, the 1M-term formula took 10-25 s to parse before it was refused, and the
deep JSON, huge integer and long template index raised untyped exceptions.
Run: ``python bench/bench_hostile_input.py [--terms 1000000]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import Timing, best_of, report

import graderkit as gk
from graderkit._core.formula.evaluation import parse_formula
from graderkit._core.templating.template import parse_template


def refused(fn: object) -> None:
    try:
        fn()  # type: ignore[operator]
    except gk.GraderkitError:
        return
    raise AssertionError("was not refused")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--terms", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    formula = " + ".join(["a"] * args.terms)
    template = "{{ item.a }} " * (len(formula) // 13 + 1)
    deep = "[" * len(formula) + "]" * len(formula)
    digits = '{"type": "score_model", "range": [0, ' + "9" * 5000 + "]}"
    exact = gk.string_check("{{ sample.output_text }}", "a", name="exact")

    def python_operators() -> None:
        total = exact
        for _ in range(500):
            total = total + exact  # type: ignore[assignment]

    reference = Timing(
        f"reference: one pass over the {len(formula):,}-char formula text",
        best_of(lambda: formula.count("a"), repeat=args.repeat),
        1,
    )
    cases = [
        (f"refuse a {args.terms:,}-term formula", lambda: parse_formula(formula, variables="a")),
        (f"refuse a {len(template):,}-char template", lambda: parse_template(template)),
        (f"refuse {len(formula):,}-deep JSON", lambda: gk.from_openai(deep)),
        ("refuse a 5,000-digit integer", lambda: gk.from_openai(digits)),
        ("refuse a 500-operator Python formula", python_operators),
    ]
    timings = [
        Timing(name, best_of(lambda fn=fn: refused(fn), repeat=args.repeat), 1)
        for name, fn in cases
    ]
    print(report("refusing hostile input (seconds to the typed error)", reference, timings))


if __name__ == "__main__":
    main()
