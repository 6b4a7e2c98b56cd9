"""string_check operations."""

from __future__ import annotations

__all__ = ["ilike_fold", "string_check_holds"]


def ilike_fold(text: str) -> str:
    """Case folding for ``ilike``.

    Parity [INF]: ``str.casefold`` on both sides (the docs say "case-insensitive" without
    naming a folding; casefold is Python's caseless-matching rule and agrees with ``lower``
    on ASCII). No trimming or Unicode normalisation [DOC+OBS-AZ: none observed].
    """
    return text.casefold()


def string_check_holds(operation: str, input: str, reference: str) -> bool:
    """Whether ``operation`` holds: ``eq``/``ne`` compare exactly; ``like`` is a case-sensitive
    substring test (not SQL ``LIKE``: ``%`` and ``_`` are literal) [OBS-AZ]; ``ilike`` the same
    after [`ilike_fold`][]."""
    if operation == "eq":
        return input == reference
    if operation == "ne":
        return input != reference
    if operation == "like":
        return reference in input
    if operation == "ilike":
        return ilike_fold(reference) in ilike_fold(input)
    raise ValueError(f"unknown string_check operation {operation!r}")
