"""Tokenisation for the nltk-based text metrics (``bleu``, ``gleu``, ``meteor``)."""

from __future__ import annotations

__all__ = ["whitespace_tokens"]


def whitespace_tokens(text: str) -> list[str]:
    """Split ``text`` the way graderkit feeds nltk's metrics: ``str.split()``, no case folding.

    Parity [INF]: OpenAI does not document the tokeniser for ``bleu``, ``gleu`` and ``meteor``;
    whitespace splitting is the plainest input nltk accepts and needs no tokeniser model
    (``word_tokenize`` would need the ``punkt`` data). Punctuation stays attached to words
    ("mat." is one token) and case is kept (``meteor`` lowercases on its own, as nltk does).

    Args:
        text: the rendered input or reference.

    Returns:
        The tokens; ``[]`` for an empty or whitespace-only text.

    Examples:
        >>> whitespace_tokens("The cat  sat.\\n")
        ['The', 'cat', 'sat.']
    """
    return text.split()
