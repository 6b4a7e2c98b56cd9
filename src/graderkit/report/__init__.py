"""Reports over results files: a text summary, one self-contained HTML page, comparisons.

Examples:
    >>> from graderkit.report import bucket_of
    >>> bucket_of(0.85)
    'formatting'
"""

from __future__ import annotations

from graderkit.report.compare import (
    Comparison,
    ItemDelta,
    compare_results,
    compare_summaries,
    render_comparison,
)
from graderkit.report.html import render_report, write_report
from graderkit.report.results_file import ResultRow, TextLookup, read_results
from graderkit.report.results_summary import (
    BUCKETS,
    ItemStats,
    ResultsSummary,
    bucket_of,
    summarize_results,
    summarize_rows,
)

__all__ = [
    "BUCKETS",
    "Comparison",
    "ItemDelta",
    "ItemStats",
    "ResultRow",
    "ResultsSummary",
    "TextLookup",
    "bucket_of",
    "compare_results",
    "compare_summaries",
    "read_results",
    "render_comparison",
    "render_report",
    "summarize_results",
    "summarize_rows",
    "write_report",
]
