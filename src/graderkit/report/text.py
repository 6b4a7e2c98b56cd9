"""The plain-text summary of a results file, as ``graderkit report`` prints it."""

from __future__ import annotations

from graderkit.report.results_file import ResultRow
from graderkit.report.results_summary import BUCKETS, ResultsSummary

__all__ = ["summary_lines"]


def summary_lines(s: ResultsSummary) -> list[str]:
    """One figure per line: counts, means, errors, sub-graders, buckets, tokens, lowest."""
    runs = ", ".join(f"run {k}: {v:.4f}" for k, v in s.run_means.items())
    out = [
        f"results    {s.source}" + (f"  ({s.grader}, {s.grader_type})" if s.grader else ""),
        f"lines      {s.count} ({s.items} items x {len(s.runs)} run(s))",
        f"mean       {s.mean:.4f}   std across runs {s.std_across_runs:.4f}   ({runs})",
        f"spread     std {s.std:.4f}   min {s.minimum:.4f}   max {s.maximum:.4f}",
        f"errored    {s.errored}",
    ]
    if s.passed is not None:
        out.insert(4, f"passed     {s.passed}/{s.count} (the grader's pass_threshold)")
    out += [f"  {flag:<42} {n}" for flag, n in s.error_counts.items()]
    if s.sub_means:
        out.append("sub-graders (mean)")
        out += [f"  {key:<42} {mean:.4f}" for key, mean in s.sub_means.items()]
    out.append("buckets")
    for name, meaning in BUCKETS:
        n = s.buckets.get(name, 0)
        share = n / s.count if s.count else 0.0
        out.append(f"  {name:<11} {n:>7} {share:7.1%}   {meaning}")
    out += _usage_lines(s)
    if s.always_zero:
        shown = ", ".join(s.always_zero[:10]) + (" ..." if len(s.always_zero) > 10 else "")
        out.append(f"always 0   {len(s.always_zero)} item(s), check their gold answer: {shown}")
    if s.lowest:
        out.append("lowest")
        out += [_lowest_line(row) for row in s.lowest[:10]]
    return out


def _usage_lines(s: ResultsSummary) -> list[str]:
    out = []
    if s.usage:
        out.append("grader tokens")
        for model, c in s.usage.items():
            out.append(
                f"  {model:<28} prompt {c.get('prompt_tokens', 0):>10,}  "
                f"completion {c.get('completion_tokens', 0):>10,}  "
                f"cached {c.get('cached_tokens', 0):>9,}"
            )
        cost = "unknown (a model has no price)" if s.cost is None else f"${s.cost:,.4f}"
        out.append(f"grader cost {cost}")
    if s.prediction_usage.get("completion_tokens"):
        per = s.prediction_usage["completion_tokens"] / s.count
        out.append(f"predictions {per:,.0f} completion tokens per answer")
    return out


def _lowest_line(row: ResultRow) -> str:
    text = _clip(row.output_text) if row.output_text is not None else "-"
    ref = f"  (reference {_clip(row.reference)})" if row.reference is not None else ""
    flag = f"  [{', '.join(row.flags)}]" if row.flags else ""
    return f"  {row.id:<10} run {row.run:<3} {row.reward:.4f}  {text}{ref}{flag}"


def _clip(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 3] + "...")
