"""METEOR, computed exactly as nltk's ``meteor_score`` with its defaults, with caches.

nltk aligns the hypothesis to the reference in three stages (exact words, Porter stems, WordNet
synonyms), then scores the alignment. Its time goes into stemming every unmatched word and into
WordNet look-ups, repeated on every call. This module runs the same alignment with the same
tie-breaking, on a stem cache (``graderkit._core.metrics.porter`` reimplements nltk's stemmer) and on a
synonym look-up that the caller injects (the core never reads WordNet's files;
``graderkit._run.text_metrics.wordnet`` provides a cached look-up). The alignment is kept as one array,
hypothesis position -> reference position, so scoring it is two C-level passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import chain
from operator import sub

from graderkit._core.metrics.porter import porter_stem_uncached
from graderkit._core.metrics.tokens import whitespace_tokens

__all__ = [
    "UNMATCHED",
    "SynonymLookup",
    "alignment",
    "count_chunks",
    "meteor",
    "pairs",
    "porter_stem",
]

SynonymLookup = Callable[[str], frozenset[str]]
"""``synonyms(word)``: every lemma name without ``_`` over nltk ``wordnet.synsets(word)``."""

Pair = tuple[int, int]
"""A matched (hypothesis position, reference position)."""

UNMATCHED = -2
"""An unmatched hypothesis position in an alignment array. Not -1: no position is one more
than it, so a reference position following it never continues a chunk."""

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
    ref_of = alignment(hypothesis, reference_words, synonyms, vocabulary=vocabulary)
    matches = len(ref_of) - ref_of.count(UNMATCHED)
    if matches == 0:
        return 0.0
    return _score(len(hypothesis), len(reference_words), matches, count_chunks(ref_of))


def _score(hypothesis_length: int, reference_length: int, matches: int, chunks: int) -> float:
    """nltk ``single_meteor_score``'s formula, operation for operation (``matches`` > 0)."""
    precision = float(matches) / hypothesis_length
    recall = float(matches) / reference_length
    fmean = (precision * recall) / (_ALPHA * precision + (1 - _ALPHA) * recall)
    frag_frac = float(chunks) / matches
    penalty: float = _GAMMA * frag_frac**_BETA
    return (1 - penalty) * fmean


def count_chunks(ref_of: Sequence[int]) -> int:
    """nltk ``_count_chunks``: runs of matches adjacent on both sides (1 for no match).

    A match continues the chunk before it exactly when the hypothesis position before it is
    matched to the reference position before it; ``UNMATCHED`` never passes that test.

    Args:
        ref_of: an alignment array (see ``alignment``).

    Returns:
        The number of chunks.

    Examples:
        >>> count_chunks([0, 1, UNMATCHED, 5])  # nltk: _count_chunks([(0, 0), (1, 1), (3, 5)])
        2
        >>> count_chunks([UNMATCHED, UNMATCHED])
        1
    """
    matches = len(ref_of) - ref_of.count(UNMATCHED)
    if matches == 0:
        return 1
    return matches - list(map(sub, ref_of[1:], ref_of)).count(1)


def pairs(ref_of: Sequence[int]) -> list[Pair]:
    """An alignment array as nltk's matches: (hypothesis, reference) position pairs.

    Args:
        ref_of: an alignment array (see ``alignment``).

    Returns:
        The pairs sorted by hypothesis position, as nltk ``align_words`` returns them.

    Examples:
        >>> pairs(alignment(["a", "cats", "b"], ["cat", "a"], lambda word: frozenset()))
        [(0, 1), (1, 0)]
    """
    return [(i, j) for i, j in enumerate(ref_of) if j != UNMATCHED]


def alignment(
    hypothesis: Sequence[str],
    reference: Sequence[str],
    synonyms: SynonymLookup,
    *,
    vocabulary: AbstractSet[str] | None = None,
) -> list[int]:
    """The alignment as an array: hypothesis position -> reference position, or ``UNMATCHED``.

    Each stage sees only the words the earlier stages left unmatched; the synonym stage sees
    their Porter stems, as in nltk.

    Args:
        hypothesis: lowercased hypothesis tokens.
        reference: lowercased reference tokens.
        synonyms: the WordNet look-up.
        vocabulary: optional; every word any ``synonyms`` answer can contain.

    Returns:
        One entry per hypothesis token.

    Examples:
        >>> alignment(["a", "cats", "b"], ["cat", "a"], lambda word: frozenset())
        [1, 0, -2]
    """
    ref_of, hyp_left, ref_left = _match_equal(hypothesis, reference)
    if not hyp_left:
        return ref_of
    hyp_stems = [porter_stem(hypothesis[i]) for i in hyp_left]
    ref_stems = [porter_stem(reference[j]) for j in ref_left]
    stem_of, hyp_keep, ref_keep = _match_equal(hyp_stems, ref_stems)
    for k, j in enumerate(stem_of):
        if j != UNMATCHED:
            ref_of[hyp_left[k]] = ref_left[j]
    if not hyp_keep:
        return ref_of
    if len(hyp_keep) < len(hyp_left):
        hyp_left, hyp_stems = [hyp_left[k] for k in hyp_keep], [hyp_stems[k] for k in hyp_keep]
    if len(ref_keep) < len(ref_left):
        ref_left, ref_stems = [ref_left[k] for k in ref_keep], [ref_stems[k] for k in ref_keep]
    for a, b in _pair_synonyms(hyp_stems, ref_stems, synonyms, vocabulary):
        ref_of[hyp_left[a]] = ref_left[b]
    return ref_of


def _match_equal(hyp: Sequence[str], ref: Sequence[str]) -> tuple[list[int], list[int], list[int]]:
    """nltk ``_match_enums`` on two word lists.

    Walking the hypothesis backwards, each word takes the last unused equal reference word.

    Returns:
        The alignment array of the two lists (``ref`` index or ``UNMATCHED`` per ``hyp``
        word), then the unmatched ``hyp`` and ``ref`` indices in increasing order; both empty
        when either side is used up (nothing is left to pair).
    """
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(ref):
        at = positions.get(word)
        if at is None:
            positions[word] = [j]
        else:
            at.append(j)
    ref_of = [UNMATCHED] * len(hyp)
    hyp_left: list[int] = []
    get = positions.get
    for i in range(len(hyp) - 1, -1, -1):
        at = get(hyp[i])
        if at:
            ref_of[i] = at.pop()
        else:
            hyp_left.append(i)
    if not hyp_left or len(hyp) - len(hyp_left) == len(ref):
        return ref_of, [], []
    hyp_left.reverse()
    return ref_of, hyp_left, sorted(chain.from_iterable(positions.values()))


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
    found: list[Pair] = []
    for i in range(len(hyp) - 1, -1, -1):
        best_j, best_word = -1, ""
        for candidate in candidates[i]:
            at = positions[candidate]
            if at and at[-1] > best_j:
                best_j, best_word = at[-1], candidate
        if best_j >= 0:
            positions[best_word].pop()
            found.append((i, best_j))
    return found


@lru_cache(maxsize=1 << 16)
def porter_stem(word: str) -> str:
    """nltk ``PorterStemmer().stem(word)`` (nltk's default mode), cached per word.

    Args:
        word: a token.

    Returns:
        Its Porter stem, exactly nltk's (``graderkit._core.metrics.porter`` reimplements it).

    Examples:
        >>> porter_stem("sitting")
        'sit'
    """
    return porter_stem_uncached(word)
