"""One self-contained HTML page per report: inline CSS and SVG, no scripts, no network.

``render_report`` turns a
``ResultsSummary`` into a page with headline figures,
the score histogram, the failure buckets, per-run and per-sub-grader means, error flags,
token use and cost, and the lowest-scoring examples (prediction vs reference, sub-rewards).
The page building blocks (``page``, ``cards``, ``table``...) are shared with the comparison page.

Examples:
    >>> from graderkit.report.results_summary import summarize_rows
    >>> from graderkit.report.results_file import ResultRow
    >>> page = render_report(summarize_rows([ResultRow("q1", 0, 0.5, output_text="<b>")]))
    >>> page.startswith("<!DOCTYPE html>"), "&lt;b&gt;" in page, "<script" in page
    (True, True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path

from graderkit.report.results_file import ResultRow
from graderkit.report.results_summary import BUCKETS, HISTOGRAM_BINS, ResultsSummary, bucket_of
from graderkit.report.svg import hbars, histogram, stacked_bar

__all__ = [
    "BUCKET_COLORS",
    "card",
    "chips",
    "legend",
    "page",
    "pill",
    "render_report",
    "reward_bin_colors",
    "section",
    "table",
    "write_report",
]

BUCKET_COLORS = {
    "perfect": "#2f9e44",
    "formatting": "#1c7ed6",
    "partial": "#f08c00",
    "off": "#e03131",
    "errored": "#868e96",
}

_CSS = """
:root{--fg:#1a202c;--muted:#5a6478;--line:#e3e7ee;--bg:#f5f7fa;--card:#fff;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
 font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 28px 40px}
.kicker{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--accent);
 font-weight:700}
h1{font-size:26px;margin:4px 0 2px;letter-spacing:-.01em}
h1 small{font-size:15px;color:var(--muted);font-weight:500;margin-left:6px}
.sub{color:var(--muted);margin:0}
.sub code{background:#eceff4;border-radius:4px;padding:1px 5px;font-size:12.5px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:12px;
 margin:22px 0 8px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:13px 16px}
.card .label{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;
 font-weight:600}
.card .value{font-size:26px;font-weight:700;margin-top:2px;font-variant-numeric:tabular-nums}
.card .note{font-size:12px;color:var(--muted)}
.good{color:#2b8a3e}.bad{color:#c92a2a}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;
 padding:18px 20px 16px;margin:16px 0}
h2{font-size:16.5px;margin:0 0 2px}
p.hint{color:var(--muted);margin:0 0 12px;font-size:13px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.grid2 section{margin:0}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);
 padding:6px 8px;font-size:11.5px;text-transform:uppercase;letter-spacing:.05em}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr:last-child td{border-bottom:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.id{white-space:nowrap;font-weight:600}
.pill{display:inline-block;min-width:54px;text-align:center;border-radius:999px;
 padding:1px 8px;font-weight:700;font-size:12px;font-variant-numeric:tabular-nums;color:#fff}
.text{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px;
 white-space:pre-wrap;word-break:break-word}
.ref{color:#2b8a3e}
td .text{min-width:9em}
.chip{display:inline-block;background:#edf2ff;color:#364fc7;border-radius:6px;padding:0 6px;
 margin:0 4px 3px 0;font-size:12px;white-space:nowrap}
.chip.flag{background:#fff0f0;color:#c92a2a}
.legend{margin:6px 0 0}
.legend span{display:inline-flex;align-items:center;margin-right:16px;font-size:12px;
 color:var(--muted)}
.legend i{width:10px;height:10px;border-radius:2px;display:inline-block;margin-right:6px}
.empty{color:var(--muted);font-style:italic}
svg.chart{display:block;max-width:100%}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:22px}
"""


def page(title: str, kicker: str, heading: str, subtitle: str, body: Iterable[str]) -> str:
    """A whole HTML document: ``heading`` and ``subtitle`` are HTML, the rest plain text."""
    from graderkit import __version__

    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
            f'<header><div class="kicker">{escape(kicker)}</div><h1>{heading}</h1>',
            f'<p class="sub">{subtitle}</p></header>',
            *body,
            f"<footer>Generated by graderkit {escape(__version__)}. Self-contained: no scripts,",
            " no network.</footer></main></body></html>\n",
        ]
    )


def card(label: str, value: str, note: str = "", cls: str = "") -> str:
    """One headline figure (``value`` and ``note`` are plain text)."""
    extra = f" {cls}" if cls else ""
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value{extra}">{escape(value)}</div>'
        f'<div class="note">{escape(note)}</div></div>'
    )


def section(title: str, hint: str, *content: str, anchor: str = "") -> str:
    """A titled panel (``title`` and ``hint`` plain text, ``content`` HTML)."""
    ident = f' id="{escape(anchor)}"' if anchor else ""
    tip = f'<p class="hint">{escape(hint)}</p>' if hint else ""
    return f"<section{ident}><h2>{escape(title)}</h2>{tip}{''.join(content)}</section>"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """A table; ``headers`` plain text, cells HTML; columns in ``numeric`` align right."""
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pill(reward: float, *, errored: bool = False) -> str:
    """A reward badge coloured by its failure bucket."""
    color = BUCKET_COLORS[bucket_of(reward, errored=errored)]
    return f'<span class="pill" style="background:{color}">{reward:.3f}</span>'


def reward_bin_colors(edges: Sequence[float]) -> list[str]:
    """Histogram bar colours: red below 0.3, amber to 0.8, green from 0.8."""
    colors = []
    for lo in edges[:-1]:
        key = "off" if lo < 0.3 - 1e-9 else "partial" if lo < 0.8 - 1e-9 else "perfect"
        colors.append(BUCKET_COLORS[key])
    return colors


def legend(entries: Sequence[tuple[str, str]]) -> str:
    """A colour legend of ``(label, colour)`` pairs."""
    spans = "".join(
        f'<span><i style="background:{escape(c)}"></i>{escape(label)}</span>'
        for label, c in entries
    )
    return f'<div class="legend">{spans}</div>'


def _text(value: str | None, cls: str = "text") -> str:
    if value is None:
        return '<span class="empty">not in the results file</span>'
    return f'<div class="{cls}">{escape(value)}</div>'


def chips(sub_rewards: Mapping[str, float], flags: Sequence[str] = ()) -> str:
    """Sub-rewards and raised flags as small labels."""
    out = [f'<span class="chip">{escape(k)} {v:.3f}</span>' for k, v in sub_rewards.items()]
    out += [f'<span class="chip flag">{escape(f)}</span>' for f in flags]
    return "".join(out) or '<span class="empty">-</span>'


# ---- the results report -----------------------------------------------------------------------


def render_report(summary: ResultsSummary, *, title: str | None = None) -> str:
    """The HTML page for one results file."""
    s = summary
    name = s.grader or "results"
    heading = f"{escape(name)}<small>{escape(s.grader_type)}</small>"
    subtitle = (
        f"<code>{escape(s.source)}</code> · {s.count} graded lines · {s.items} items · "
        f"{len(s.runs)} run(s)"
    )
    body = [
        _headline(s),
        _distribution(s),
        '<div class="grid2">',
        _runs(s),
        _subgraders(s),
        "</div>",
        _errors(s),
        _tokens(s),
        _lowest(s),
        _always_zero(s),
    ]
    return page(title or f"graderkit report: {name}", "graderkit report", heading, subtitle, body)


def write_report(summary: ResultsSummary, path: str | Path, *, title: str | None = None) -> Path:
    """Write ``render_report``'s page to ``path``."""
    out = Path(path)
    out.write_text(render_report(summary, title=title), encoding="utf-8")
    return out


def _headline(s: ResultsSummary) -> str:
    perfect = s.buckets.get("perfect", 0)
    cost = "n/a" if not s.usage else ("unknown" if s.cost is None else f"${s.cost:,.4f}")
    return (
        '<div class="cards">'
        + "".join(
            [
                card("mean reward", f"{s.mean:.3f}", f"min {s.minimum:.2f} · max {s.maximum:.2f}"),
                card(
                    "std across runs", f"{s.std_across_runs:.3f}", f"std of all lines {s.std:.3f}"
                ),
                _passed_card(s)
                if s.passed is not None
                else card(
                    "perfect", f"{perfect / s.count:.0%}" if s.count else "-", f"{perfect} lines"
                ),
                card(
                    "errored",
                    str(s.errored),
                    "lines with an error flag",
                    "bad" if s.errored else "",
                ),
                card("grader cost", cost, _tokens_note(s)),
            ]
        )
        + "</div>"
    )


def _passed_card(s: ResultsSummary) -> str:
    share = f"{(s.passed or 0) / s.count:.0%}" if s.count else "-"
    return card("passed", share, f"{s.passed} of {s.count} lines at the pass_threshold")


def _tokens_note(s: ResultsSummary) -> str:
    if not s.usage:
        return "no judge model calls"
    return f"{sum(u.get('total_tokens', 0) for u in s.usage.values()):,} judge tokens"


def _distribution(s: ResultsSummary) -> str:
    edges = [i / HISTOGRAM_BINS for i in range(HISTOGRAM_BINS + 1)]
    chart = histogram(
        list(s.histogram),
        edges=edges,
        colors=reward_bin_colors(edges),
        title="Score histogram",
        ylabel="lines",
    )
    outside = (
        f'<p class="hint">{s.below} reward(s) below 0 and {s.above} above 1 are not drawn.</p>'
        if s.below or s.above
        else ""
    )
    buckets = [(name, s.buckets.get(name, 0), BUCKET_COLORS[name]) for name, _ in BUCKETS]
    rows = [
        (
            f'<span class="chip" style="background:{BUCKET_COLORS[name]};color:#fff">{name}</span>',
            escape(meaning),
            str(s.buckets.get(name, 0)),
            f"{s.buckets.get(name, 0) / s.count:.1%}" if s.count else "-",
        )
        for name, meaning in BUCKETS
    ]
    keys = [("reward < 0.3", BUCKET_COLORS["off"]), ("0.3 to 0.8", BUCKET_COLORS["partial"])]
    return section(
        "Score distribution",
        "Every graded line, in bins of 0.05. Hover a bar for its count.",
        chart,
        legend([*keys, ("0.8 and above", BUCKET_COLORS["perfect"])]),
        outside,
        '<h2 style="margin-top:18px">Failure buckets</h2>',
        '<p class="hint">The cookbook\'s buckets for answers below 1: at least 0.8 is usually '
        "the right answer in the wrong form, 0.3 to 0.8 partly right, below 0.3 wrong.</p>",
        stacked_bar(buckets, title="Failure buckets"),
        table(["bucket", "meaning", "lines", "share"], rows, numeric=(2, 3)),
        anchor="distribution",
    )


def _runs(s: ResultsSummary) -> str:
    rows = [(f"run {run}", f"{mean:.4f}") for run, mean in s.run_means.items()]
    rows.append(("<b>all runs</b>", f"<b>{s.mean:.4f}</b>"))
    hint = f"Mean reward per run; their population std is {s.std_across_runs:.4f}."
    return section("Runs", hint, table(["run", "mean reward"], rows, numeric=(1,)), anchor="runs")


def _subgraders(s: ResultsSummary) -> str:
    if not s.sub_means:
        return section("Sub-graders", "", '<p class="empty">Not a multi grader.</p>')
    rows = [(k, v, "#4c6ef5") for k, v in s.sub_means.items()]
    hi = max(1.0, *s.sub_means.values())
    lo = min(0.0, *s.sub_means.values())
    return section(
        "Sub-graders",
        "Mean reward of each grader inside the multi, as in the RFT dashboard.",
        hbars(rows, title="Sub-grader means", lo=lo, hi=hi),
        anchor="sub-graders",
    )


def _errors(s: ResultsSummary) -> str:
    if not s.error_counts:
        return ""
    rows = [(f"<code>{escape(f)}</code>", str(n)) for f, n in s.error_counts.items()]
    return section(
        "Error flags",
        "Lines whose grader raised a flag score 0; fix the grader or the data, not the model.",
        table(["flag", "lines"], rows, numeric=(1,)),
        anchor="errors",
    )


def _tokens(s: ResultsSummary) -> str:
    if not s.usage and not s.prediction_usage:
        return ""
    rows = [
        (
            escape(model),
            f"{u.get('prompt_tokens', 0):,}",
            f"{u.get('completion_tokens', 0):,}",
            f"{u.get('cached_tokens', 0):,}",
        )
        for model, u in s.usage.items()
    ]
    parts = [table(["judge model", "prompt", "completion", "cached"], rows, numeric=(1, 2, 3))]
    if s.prediction_usage.get("completion_tokens") and s.count:
        per = s.prediction_usage["completion_tokens"] / s.count
        parts.append(
            f'<p class="hint">Predictions used {per:,.0f} completion tokens per answer.</p>'
        )
    cost = "unknown (a model has no price)" if s.cost is None else f"${s.cost:,.4f}"
    return section(
        "Tokens and cost", f"Grading cost: {cost} at list prices.", *parts, anchor="tokens"
    )


def _lowest(s: ResultsSummary) -> str:
    if not s.lowest:
        return ""
    rows = [_example_row(r) for r in s.lowest]
    return section(
        "Lowest-scoring examples",
        f"The {len(s.lowest)} lowest rewards: what the model said against the reference.",
        table(
            ["item", "run", "reward", "prediction", "reference", "sub-rewards"], rows, numeric=(1,)
        ),
        anchor="lowest",
    )


def _example_row(r: ResultRow) -> tuple[str, ...]:
    return (
        f'<span class="id">{escape(r.id)}</span>',
        str(r.run),
        pill(r.reward, errored=r.errored),
        _text(r.output_text),
        _text(r.reference, "text ref"),
        chips(r.sub_rewards, r.flags),
    )


def _always_zero(s: ResultsSummary) -> str:
    if not s.always_zero:
        return ""
    ids = "".join(f'<span class="chip flag">{escape(i)}</span>' for i in s.always_zero)
    return section(
        "Items at 0 in every run",
        "When no run earns anything, the gold answer may be wrong: review these items before "
        "adding compute.",
        ids,
        anchor="always-zero",
    )
