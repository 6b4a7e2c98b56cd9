"""METEOR, computed exactly as nltk's ``meteor_score`` with its defaults, with caches.

nltk aligns the hypothesis to the reference in three stages (exact words, Porter stems, WordNet
synonyms), then scores the alignment. Its time goes into stemming every unmatched word and into
WordNet look-ups, repeated on every call. This module runs the same alignment with the same
tie-breaking, on a stem cache and on a synonym look-up that the caller injects (the core never
reads WordNet's files; ``graderkit._run.wordnet`` provides a cached look-up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import chain, pairwise
from typing import TypeVar

from graderkit._core.porter import porter_stem_uncached
from graderkit._core.tokens import whitespace_tokens

__all__ = ["SynonymLookup", "align", "count_chunks", "meteor", "porter_stem", "score_alignment"]

SynonymLookup = Callable[[str], frozenset[str]]
"""``synonyms(word)``: every lemma name without ``_`` over nltk ``wordnet.synsets(word)``."""

Pair = tuple[int, int]
"""A matched (hypothesis position, reference position)."""

_T = TypeVar("_T")

_ALPHA = 0.9
_BETA = 3.0
_GAMMA = 0.5


def meteor(
    input: str,
    reference: str,
    synonyms: SynonymLookup,
    *,
    vocabulary: AbstractSet[str] | None = None,
) -> float:
    """``text_similarity`` ``meteor``: nltk ``meteor_score([ref_tokens], hyp_tokens)``.

    Parity [INF]: the service is believed to run nltk's ``meteor_score`` with its defaults
    (``str.lower`` preprocessing, Porter stemmer, WordNet 3.0 synonyms, alpha 0.9, beta 3,
    gamma 0.5) on whitespace tokens (``whitespace_tokens``), ``input`` as the hypothesis.
    Edge cases, exactly nltk's: an empty input or reference, or no aligned word -> ``0.0``.

    Args:
        input: the rendered input (the hypothesis).
        reference: the rendered reference.
        synonyms: the WordNet look-up (see ``SynonymLookup``).
        vocabulary: optional; every word any ``synonyms`` answer can contain. Words outside
            it cannot be a synonym, so when no unmatched reference word is in it, nothing is
            looked up (same score, less work).

    Returns:
        The METEOR score in ``[0, 1)``.

    Examples:
        >>> meteor("the cat sat", "the cat sat", lambda word: frozenset())
        0.9814814814814815
    """
    # Lowercasing the whole text equals lowercasing each token: no character gains or loses
    # whitespace by lowercasing, and the one context rule (final sigma) stops at whitespace.
    hypothesis = whitespace_tokens(input.lower())
    reference_words = whitespace_tokens(reference.lower())
    if not hypothesis or not reference_words:
        return 0.0
    matches = align(hypothesis, reference_words, synonyms, vocabulary=vocabulary)
    return score_alignment(len(hypothesis), len(reference_words), matches)


def score_alignment(hypothesis_length: int, reference_length: int, matches: list[Pair]) -> float:
    """nltk ``single_meteor_score`` from an alignment, with its operation order.

    Args:
        hypothesis_length: hypothesis tokens, > 0.
        reference_length: reference tokens, > 0.
        matches: the alignment sorted by hypothesis position.

    Returns:
        ``(1 - gamma * (chunks / m) ** beta) * fmean``, or 0.0 without any match.

    Examples:
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
    hypothesis: Sequence[str],
    reference: Sequence[str],
    synonyms: SynonymLookup,
    *,
    vocabulary: AbstractSet[str] | None = None,
) -> list[Pair]:
    """nltk ``_enum_align_words``: exact, then stem, then WordNet-synonym matches.

    Each stage sees only the words the earlier stages left unmatched; the synonym stage sees
    their Porter stems, as in nltk.

    Args:
        hypothesis: lowercased hypothesis tokens.
        reference: lowercased reference tokens.
        synonyms: the WordNet look-up.
        vocabulary: optional; every word any ``synonyms`` answer can contain.

    Returns:
        Matched (hypothesis position, reference position) pairs sorted by hypothesis position.

    Examples:
        >>> align(["a", "cats", "b"], ["cat", "a"], lambda word: frozenset())
        [(0, 1), (1, 0)]
    """
    matches, hyp_left, ref_left = _pair_equal(hypothesis, reference)
    if hyp_left and ref_left:
        hyp_stems = list(map(porter_stem, map(hypothesis.__getitem__, hyp_left)))
        ref_stems = list(map(porter_stem, map(reference.__getitem__, ref_left)))
        local, hyp_keep, ref_keep = _pair_equal(hyp_stems, ref_stems)
        if local:
            matches += [(hyp_left[a], ref_left[b]) for a, b in local]
            hyp_left, hyp_stems = _pick(hyp_left, hyp_keep), _pick(hyp_stems, hyp_keep)
            ref_left, ref_stems = _pick(ref_left, ref_keep), _pick(ref_stems, ref_keep)
        if hyp_left and ref_left:
            local = _pair_synonyms(hyp_stems, ref_stems, synonyms, vocabulary)
            matches += [(hyp_left[a], ref_left[b]) for a, b in local]
    matches.sort()
    return matches


def _pick(items: list[_T], keep: list[int]) -> list[_T]:
    return list(map(items.__getitem__, keep))


def _pair_equal(hyp: Sequence[str], ref: Sequence[str]) -> tuple[list[Pair], list[int], list[int]]:
    """nltk ``_match_enums`` on two word lists: (hyp index, ref index) pairs, and the rest.

    Walking the hypothesis backwards, each word takes the last unused equal reference word.

    Returns:
        The pairs, then the unmatched hypothesis and reference indices in increasing order
        (both empty when either side is fully matched: nothing is left to pair).
    """
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(ref):
        at = positions.get(word)
        if at is None:
            positions[word] = [j]
        else:
            at.append(j)
    pairs: list[Pair] = []
    hyp_left: list[int] = []
    get = positions.get
    for i in range(len(hyp) - 1, -1, -1):
        at = get(hyp[i])
        if at:
            pairs.append((i, at.pop()))
        else:
            hyp_left.append(i)
    if not hyp_left or len(pairs) == len(ref):
        return pairs, [], []
    hyp_left.reverse()
    return pairs, hyp_left, sorted(chain.from_iterable(positions.values()))


def _positions(words: Sequence[str], keep: AbstractSet[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for k, word in enumerate(words):
        if word in keep:
            at = positions.get(word)
            if at is None:
                positions[word] = [k]
            else:
                at.append(k)
    return positions


def _pair_synonyms(
    hyp: list[str],
    ref: list[str],
    synonyms: SynonymLookup,
    vocabulary: AbstractSet[str] | None,
) -> list[Pair]:
    """nltk ``_enum_wordnetsyn_match`` on two word lists, as (hyp index, ref index) pairs.

    Walking the hypothesis backwards, each word takes the greatest unmatched reference position
    whose word is in ``synonyms(word) | {word}`` (each position holds one word, so the choice
    does not depend on the order in which candidates are tried).
    """
    ref_set = set(ref)
    findable = ref_set if vocabulary is None else ref_set.intersection(vocabulary)
    if not findable and ref_set.isdisjoint(hyp):
        return []  # no reference word can be anybody's synonym
    candidates: list[AbstractSet[str]] = []
    for word in hyp:
        shared = synonyms(word).intersection(findable) if findable else frozenset()
        candidates.append(shared | {word} if word in ref_set else shared)
    if not any(candidates):
        return []
    positions = _positions(ref, set().union(*candidates))
    pairs: list[Pair] = []
    for i in range(len(hyp) - 1, -1, -1):
        best_j, best_word = -1, ""
        for candidate in candidates[i]:
            at = positions[candidate]
            if at and at[-1] > best_j:
                best_j, best_word = at[-1], candidate
        if best_j >= 0:
            positions[best_word].pop()
            pairs.append((i, best_j))
    return pairs


def count_chunks(matches: Sequence[Pair]) -> int:
    """nltk ``_count_chunks``: runs of matches adjacent on both sides (1 for no match).

    Args:
        matches: the alignment sorted by hypothesis position.

    Returns:
        The number of chunks.

    Examples:
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
        Its Porter stem, exactly nltk's (``graderkit._core.porter`` reimplements it).

    Examples:
        >>> porter_stem("sitting")
        'sit'
    """
    return porter_stem_uncached(word)
