"""Surface perturbations of a text: case, whitespace, punctuation and unicode look-alikes.

Each keeps the words a reader sees and changes the characters a string comparison sees. The
hypothesis strategies in [`strategies`][graderkit.testing.strategies] draw random ones; the
reward-hacking probes use the fixed ones here.

Examples:
    >>> PERTURBATIONS["upper"]("acute appendicitis")
    'ACUTE APPENDICITIS'
    >>> lookalike("pace") == "pace", lookalike("pace").isascii()
    (False, False)
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "LOOKALIKES",
    "PERTURBATIONS",
    "PUNCTUATION",
    "WHITESPACE",
    "lookalike",
    "zero_width",
]

LOOKALIKES: dict[str, str] = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "i": "\u0456", "j": "\u0458",
    "o": "\u043e", "p": "\u0440", "s": "\u0455", "x": "\u0445", "y": "\u0443",
    "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d",
    "I": "\u0406", "K": "\u041a", "M": "\u041c", "O": "\u041e", "P": "\u0420",
    "T": "\u0422", "X": "\u0425",
}  # fmt: skip
"""Latin letter -> a Cyrillic letter drawn the same in most fonts (NFKC keeps them apart)."""

WHITESPACE = (" ", "  ", "\t", "\n", "\u00a0", "\u2003")
"""Whitespace a model may emit: spaces, tab, newline, no-break space, em space."""

PUNCTUATION = (".", ",", "!", "?", ";", ":", "-", '"', "'", "*", "(", ")")
"""Punctuation inserted around or between words."""

_TRANSLATE = str.maketrans(LOOKALIKES)


def lookalike(text: str) -> str:
    """Replace every letter that has a look-alike (``a`` -> Cyrillic ``а``, ...)."""
    return text.translate(_TRANSLATE)


def zero_width(text: str) -> str:
    """Put a zero-width space between every two characters."""
    return "\u200b".join(text)


PERTURBATIONS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "title": str.title,
    "swapcase": str.swapcase,
    "padded_whitespace": lambda t: f"  {t} \n",
    "doubled_spaces": lambda t: "  ".join(t.split(" ")),
    "no_break_spaces": lambda t: t.replace(" ", "\u00a0"),
    "trailing_period": lambda t: t + ".",
    "quoted": lambda t: f'"{t}"',
    "markdown_bold": lambda t: f"**{t}**",
    "exclaimed": lambda t: t + "!!!",
    "lookalike": lookalike,
    "zero_width": zero_width,
}
"""Fixed perturbations by name: case, whitespace, punctuation and unicode games."""
