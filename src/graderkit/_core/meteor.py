"""METEOR, computed exactly as nltk's ``meteor_score`` with its defaults, with caches.

nltk aligns the hypothesis to the reference in three stages (exact words, Porter stems, WordNet
synonyms), then scores the alignment. Its time goes into stemming every unmatched word and into
WordNet look-ups, repeated on every call. This module runs the same alignment with the same
tie-breaking, on a stem cache and on a synonym look-up that the caller injects (the core never
reads WordNet's files; ``graderkit._run.wordnet`` provides a cached look-up).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import pairwise
from typing import Any

from graderkit._core.tokens import whitespace_tokens

__all__ = ["SynonymLookup", "align", "count_chunks", "meteor", "porter_stem", "score_alignment"]

SynonymLookup = Callable[[str], AbstractSet[str]]
"""``synonyms(word)``: every lemma name without ``_`` over nltk ``wordnet.synsets(word)``."""

Pair = tuple[int, int]
"""A matched (hypothesis position, reference position)."""

Enumerated = list[tuple[int, str]]
"""Unmatched words with their original positions, in order."""

_ALPHA = 0.9
_BETA = 3.0
_GAMMA = 0.5


def meteor(input: str, reference: str, synonyms: SynonymLookup) -> float:
    """``text_similarity`` ``meteor``: nltk ``meteor_score([ref_tokens], hyp_tokens)``.

    Parity [INF]: the service is believed to run nltk's ``meteor_score`` with its defaults
    (``str.lower`` preprocessing, Porter stemmer, WordNet 3.0 synonyms, alpha 0.9, beta 3,
    gamma 0.5) on whitespace tokens (``whitespace_tokens``), ``input`` as the hypothesis.
    Edge cases, exactly nltk's: an empty input or reference, or no aligned word -> ``0.0``.

    Args:
        input: the rendered input (the hypothesis).
        reference: the rendered reference.
        synonyms: the WordNet look-up (see ``SynonymLookup``).

    Returns:
        The METEOR score in ``[0, 1)``.

    Example:
        >>> meteor("the cat sat", "the cat sat", lambda word: frozenset())
        0.9814814814814815
    """
    hypothesis = [word.lower() for word in whitespace_tokens(input)]
    reference_words = [word.lower() for word in whitespace_tokens(reference)]
    if not hypothesis or not reference_words:
        return 0.0
    matches = align(hypothesis, reference_words, synonyms)
    return score_alignment(len(hypothesis), len(reference_words), matches)


def score_alignment(hypothesis_length: int, reference_length: int, matches: list[Pair]) -> float:
    """nltk ``single_meteor_score`` from an alignment, with its operation order.

    Args:
        hypothesis_length: hypothesis tokens, > 0.
        reference_length: reference tokens, > 0.
        matches: the alignment sorted by hypothesis position.

    Returns:
        ``(1 - gamma * (chunks / m) ** beta) * fmean``, or 0.0 without any match.

    Example:
        >>> score_alignment(2, 2, [(0, 1), (1, 0)])
        0.5
    """
    matches_count = len(matches)
    if matches_count == 0:
        return 0.0
    precision = float(matches_count) / hypothesis_length
    recall = float(matches_count) / reference_length
    fmean = (precision * recall) / (_ALPHA * precision + (1 - _ALPHA) * recall)
    frag_frac = float(count_chunks(matches)) / matches_count
    penalty: float = _GAMMA * frag_frac**_BETA
    return (1 - penalty) * fmean


def align(
    hypothesis: Sequence[str], reference: Sequence[str], synonyms: SynonymLookup
) -> list[Pair]:
    """nltk ``_enum_align_words``: exact, then stem, then WordNet-synonym matches.

    Args:
        hypothesis: lowercased hypothesis tokens.
        reference: lowercased reference tokens.
        synonyms: the WordNet look-up.

    Returns:
        Matched (hypothesis position, reference position) pairs sorted by hypothesis position.

    Example:
        >>> align(["a", "cats", "b"], ["cat", "a"], lambda word: frozenset())
        [(0, 1), (1, 0)]
    """
    matches, hyp_left, ref_left = _match_equal(
        list(enumerate(hypothesis)), list(enumerate(reference))
    )
    if hyp_left and ref_left:
        stemmed_hyp = [(i, porter_stem(word)) for i, word in hyp_left]
        stemmed_ref = [(j, porter_stem(word)) for j, word in ref_left]
        stem_matches, hyp_left, ref_left = _match_equal(stemmed_hyp, stemmed_ref)
        matches += stem_matches
        if hyp_left and ref_left:
            matches += _match_synonyms(hyp_left, ref_left, synonyms)
    matches.sort()
    return matches


def _match_equal(hyp: Enumerated, ref: Enumerated) -> tuple[list[Pair], Enumerated, Enumerated]:
    """nltk ``_match_enums``: the last unmatched hypothesis word takes the last equal one."""
    positions: defaultdict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[word].append(j)
    matches: list[Pair] = []
    hyp_matched: set[int] = set()
    ref_matched: set[int] = set()
    for i in range(len(hyp) - 1, -1, -1):
        candidates = positions.get(hyp[i][1])
        if candidates:
            j = candidates.pop()
            hyp_matched.add(i)
            ref_matched.add(j)
            matches.append((hyp[i][0], ref[j][0]))
    return matches, _drop(hyp, hyp_matched), _drop(ref, ref_matched)


def _match_synonyms(hyp: Enumerated, ref: Enumerated, synonyms: SynonymLookup) -> list[Pair]:
    """nltk ``_enum_wordnetsyn_match``: a synonym (or the word) takes the last reference word.

    The best candidate is the greatest remaining reference position among the words in
    ``synonyms(word) | {word}``; it is found by scanning whichever side is smaller, which
    gives the same position because each position holds exactly one word.
    """
    positions: defaultdict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[word].append(j)
    matches: list[Pair] = []
    for i in range(len(hyp) - 1, -1, -1):
        word = hyp[i][1]
        syns = synonyms(word)
        best_j, best_word = -1, ""
        if len(syns) < len(positions):
            for candidate in (*syns, word):
                found = positions.get(candidate)
                if found and found[-1] > best_j:
                    best_j, best_word = found[-1], candidate
        else:
            for candidate, found in positions.items():
                if found and found[-1] > best_j and (candidate == word or candidate in syns):
                    best_j, best_word = found[-1], candidate
        if best_j >= 0:
            positions[best_word].pop()
            matches.append((hyp[i][0], ref[best_j][0]))
    return matches


def _drop(words: Enumerated, matched: set[int]) -> Enumerated:
    if not matched:
        return words
    return [pair for k, pair in enumerate(words) if k not in matched]


def count_chunks(matches: Sequence[Pair]) -> int:
    """nltk ``_count_chunks``: runs of matches adjacent on both sides (1 for no match).

    Args:
        matches: the alignment sorted by hypothesis position.

    Returns:
        The number of chunks.

    Example:
        >>> count_chunks([(0, 0), (1, 1), (2, 5)])
        2
    """
    chunks = 1
    for (hyp_a, ref_a), (hyp_b, ref_b) in pairwise(matches):
        if hyp_b != hyp_a + 1 or ref_b != ref_a + 1:
            chunks += 1
    return chunks


@lru_cache(maxsize=1 << 16)
def porter_stem(word: str) -> str:
    """nltk ``PorterStemmer().stem(word)`` (nltk's default mode), cached per word.

    Args:
        word: a token.

    Returns:
        Its Porter stem, exactly nltk's.

    Example:
        >>> porter_stem("sitting")
        'sit'
    """
    return str(_porter().stem(word))


@lru_cache(maxsize=1)
def _porter() -> Any:
    from nltk.stem.porter import PorterStemmer  # lazy: keeps nltk out of `import graderkit`

    return PorterStemmer()
