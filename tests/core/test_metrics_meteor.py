"""meteor: graderkit's cached reimplementation equals nltk ``meteor_score`` on every pair.

Both sides read the same WordNet 3.0, found by ``graderkit._run.text_metrics.wordnet``; the reference is
nltk's own reader on it. Without WordNet these tests fail (they never skip): run
``scripts/install-wordnet.sh`` first.
"""

from __future__ import annotations

import warnings
from typing import Any

import nltk
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from metric_texts import EDGE_PAIRS, assert_same, text_pairs
from nltk.translate.meteor_score import align_words
from nltk.translate.meteor_score import meteor_score as nltk_meteor_score

from graderkit._core.metrics.meteor import (
    UNMATCHED,
    alignment,
    count_chunks,
    meteor,
    pairs,
    porter_stem,
)
from graderkit._run.text_metrics.wordnet import WordNetSynonyms, load_wordnet, locate_wordnet


@pytest.fixture(scope="module")
def reference_wordnet() -> Any:
    """nltk's plain WordNetCorpusReader on the WordNet graderkit finds."""
    location = locate_wordnet()
    if location.layout != "nltk":  # a bare database (Debian's) lacks lexnames for nltk
        return load_wordnet(location)
    from nltk.corpus.reader import CorpusReader, WordNetCorpusReader
    from nltk.corpus.util import LazyCorpusLoader

    if str(location.data_root) not in nltk.data.path:
        nltk.data.path.insert(0, str(location.data_root))
    omw = LazyCorpusLoader("omw-1.4", CorpusReader, r".*/wn-data-.*\.tab", encoding="utf8")
    return WordNetCorpusReader(str(location.path), omw)


@pytest.fixture(scope="module")
def synonyms() -> WordNetSynonyms:
    """graderkit's look-up, on a reader of its own (not the reference's)."""
    return WordNetSynonyms(load_wordnet(locate_wordnet()))


def reference_meteor(wordnet: Any, input: str, reference: str) -> float:
    return float(nltk_meteor_score([reference.split()], input.split(), wordnet=wordnet))


@given(pair=text_pairs())
def test_meteor_equals_nltk(pair: tuple[str, str], synonyms: Any, reference_wordnet: Any) -> None:
    expected = reference_meteor(reference_wordnet, *pair)
    assert_same(meteor(*pair, synonyms), expected)
    assert_same(meteor(*pair, synonyms, vocabulary=synonyms.vocabulary), expected)


@pytest.mark.slow
@settings(max_examples=3000)
@given(pair=text_pairs(max_tokens=120))
def test_meteor_equals_nltk_thousands(
    pair: tuple[str, str], synonyms: Any, reference_wordnet: Any
) -> None:
    expected = reference_meteor(reference_wordnet, *pair)
    assert_same(meteor(*pair, synonyms), expected)
    assert_same(meteor(*pair, synonyms, vocabulary=synonyms.vocabulary), expected)


@pytest.mark.parametrize("pair", EDGE_PAIRS.values(), ids=EDGE_PAIRS.keys())
def test_meteor_edge_cases_equal_nltk(
    pair: tuple[str, str], synonyms: Any, reference_wordnet: Any
) -> None:
    assert_same(meteor(*pair, synonyms), reference_meteor(reference_wordnet, *pair))


@given(pair=text_pairs())
def test_alignment_equals_nltk(
    pair: tuple[str, str], synonyms: Any, reference_wordnet: Any
) -> None:
    hyp, ref = pair[0].split(), pair[1].split()
    expected, _, _ = align_words(hyp, ref, wordnet=reference_wordnet)
    ours = pairs(alignment([w.lower() for w in hyp], [w.lower() for w in ref], synonyms))
    assert ours == expected


@pytest.mark.parametrize(
    ("pair", "stage_word"),
    [(EDGE_PAIRS["synonyms"], "car"), (EDGE_PAIRS["stems"], "cats")],
    ids=["synonym-stage", "stem-stage"],
)
def test_each_alignment_stage_is_exercised(
    pair: tuple[str, str], stage_word: str, synonyms: Any, reference_wordnet: Any
) -> None:
    hyp, ref = pair[0].split(), pair[1].split()
    matches = pairs(alignment(hyp, ref, synonyms))
    position = hyp.index(stage_word)
    matched = dict(matches)
    assert position in matched
    assert ref[matched[position]] != stage_word
    assert matches == align_words(hyp, ref, wordnet=reference_wordnet)[0]


@pytest.mark.parametrize(
    "pair", [EDGE_PAIRS[k] for k in ("both-empty", "empty-input", "empty-reference")]
)
def test_empty_side_scores_zero(pair: tuple[str, str], synonyms: Any) -> None:
    assert meteor(*pair, synonyms) == 0.0


def test_synonyms_are_looked_up_on_stems_as_in_nltk(synonyms: Any) -> None:
    # nltk's third stage sees Porter stems: "automobile" -> "automobil" has no synset, so it
    # never matches "car" although WordNet says they are synonyms. graderkit keeps that.
    hyp, ref = (
        EDGE_PAIRS["synonym-of-a-stem"][0].split(),
        EDGE_PAIRS["synonym-of-a-stem"][1].split(),
    )
    assert alignment(hyp, ref, synonyms)[1] == UNMATCHED


def test_no_match_scores_zero(synonyms: Any) -> None:
    assert meteor("alpha beta", "gamma delta", synonyms) == 0.0


@given(pair=text_pairs())
def test_porter_stem_equals_nltk(pair: tuple[str, str]) -> None:
    from nltk.stem.porter import PorterStemmer

    stemmer = PorterStemmer()
    for word in (pair[0] + " " + pair[1]).lower().split():
        assert porter_stem(word) == stemmer.stem(word)


@given(pair=text_pairs())
def test_synonyms_equal_nltk_candidates(
    pair: tuple[str, str], synonyms: Any, reference_wordnet: Any
) -> None:
    for word in pair[0].lower().split():
        expected = {
            lemma.name()
            for synset in reference_wordnet.synsets(word)
            for lemma in synset.lemmas()
            if lemma.name().find("_") < 0
        }
        assert synonyms(word) == expected


@st.composite
def alignments(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A hypothesis length and a valid alignment: distinct positions on each side."""
    hyp_length = draw(st.integers(1, 12))
    ref_length = draw(st.integers(1, 12))
    hyp = draw(st.lists(st.integers(0, hyp_length - 1), unique=True, max_size=ref_length))
    ref = draw(st.permutations(range(ref_length)))[: len(hyp)]
    return hyp_length, sorted(zip(hyp, ref, strict=True))


@given(alignments())
@example((1, []))
@example((2, [(0, 0), (1, 1)]))
@example((2, [(0, 1), (1, 0)]))
@example((6, [(0, 0), (2, 1), (3, 2), (5, 5)]))
@example((3, [(1, 0), (2, 1)]))  # an unmatched position before reference position 0
def test_count_chunks_equals_nltk(case: tuple[int, list[tuple[int, int]]]) -> None:
    from nltk.translate.meteor_score import _count_chunks

    hyp_length, matches = case
    ref_of = [UNMATCHED] * hyp_length
    for i, j in matches:
        ref_of[i] = j
    assert count_chunks(ref_of) == _count_chunks(matches)


@given(st.text(alphabet=st.sampled_from("ΣσςΑαΒβİIKk\u0301'. \t\n\xa0\u2028\u3000abc")))
def test_lowercasing_text_equals_lowercasing_tokens(text: str) -> None:
    # meteor lowercases the whole text before splitting (faster); nltk lowercases each token.
    assert text.lower().split() == [token.lower() for token in text.split()]


def test_meteor_never_warns(synonyms: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert meteor(*EDGE_PAIRS["spec-probe-2"], synonyms) > 0.5
