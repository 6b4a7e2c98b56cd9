"""Reports over results files: a text summary, one self-contained HTML page, comparisons.

Examples:
    >>> from graderkit.report import bucket_of
    >>> bucket_of(0.85)
    'formatting'
"""

from __future__ import annotations

from graderkit.report.results import ResultRow, TextLookup, read_results
from graderkit.report.summary import (
    BUCKETS,
    ItemStats,
    ResultsSummary,
    bucket_of,
    summarize_results,
    summarize_rows,
)

__all__ = [
    "BUCKETS",
    "ItemStats",
    "ResultRow",
    "ResultsSummary",
    "TextLookup",
    "bucket_of",
    "read_results",
    "summarize_results",
    "summarize_rows",
]
