"""graderkit's Porter stemmer equals nltk's ``PorterStemmer().stem`` on every word.

The reimplementation replaces nltk's stemmer on METEOR's hot path, so it is held to nltk's
output three ways: hypothesis words built from the letters and suffixes the rules test (and
the odd characters that exercise nltk's quirks), arbitrary unicode, and, in the slow suite,
the whole WordNet 3.0 vocabulary (88 thousand words, every tenth one with each suffix the
rules strip glued on).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nltk.stem.porter import PorterStemmer

from graderkit._core.metrics.meteor import porter_stem
from graderkit._core.metrics.porter import porter_stem_uncached

SUFFIXES = (
    *("s", "es", "ies", "sses", "ss", "ied", "eed", "ed", "ing", "y", "e", "ll", "alli"),
    *("ational", "tional", "enci", "anci", "izer", "bli", "abli", "entli", "eli", "ousli"),
    *("ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti"),
    *("biliti", "fulli", "logi", "icate", "ative", "alize", "iciti", "ical", "ful", "ness"),
    *("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion"),
    *("sion", "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "at", "bl", "iz", "*d"),
)
"""Every suffix a Porter rule tests, plus nltk's literal ``*d`` quirk."""

IRREGULAR = ("sky", "skies", "dying", "lying", "tying", "news", "innings", "howe", "succeed")

stemmer = PorterStemmer()


def letters_and_suffixes() -> st.SearchStrategy[str]:
    """Words from few letters (y-runs, doubled consonants, cvc endings) and real suffixes."""
    letters = st.text(alphabet="aeiouybcdlmnrstwxz*", max_size=6)
    return st.builds(
        lambda stem, suffixes: stem + "".join(suffixes),
        letters,
        st.lists(st.sampled_from(SUFFIXES), max_size=3),
    )


@given(word=letters_and_suffixes())
@example(word="a*ded")  # the "*d" rule matched as a literal suffix: nltk gives "ad"
@example(word="yyyyed")
@example(word="ties")
@example(word="tied")
@example(word="feed")
@example(word="agreed")
@example(word="controlling")
def test_equals_nltk_on_rule_words(word: str) -> None:
    assert porter_stem_uncached(word) == stemmer.stem(word)


@given(word=st.text(max_size=12))
@example(word="İs")  # two characters, three once lowercased: nltk tests the length before
@example(word="İİ")
@example(word="ΣΊΣ")
def test_equals_nltk_on_any_text(word: str) -> None:
    assert porter_stem_uncached(word) == stemmer.stem(word)


@pytest.mark.parametrize("word", IRREGULAR)
def test_irregular_forms_equal_nltk(word: str) -> None:
    assert porter_stem_uncached(word) == stemmer.stem(word)
    assert porter_stem_uncached(word.upper()) == stemmer.stem(word.upper())


def test_known_stems_from_the_paper() -> None:
    words = ("caresses", "ponies", "plastered", "motoring", "hopping", "filing", "happy")
    assert [porter_stem_uncached(w) for w in words] == [
        "caress",
        "poni",
        "plaster",
        "motor",
        "hop",
        "file",
        "happi",
    ]


def test_meteor_uses_the_reimplementation() -> None:
    porter_stem.cache_clear()
    assert porter_stem("Generalizations") == stemmer.stem("Generalizations") == "gener"


@lru_cache(maxsize=1)
def wordnet_words() -> tuple[str, ...]:
    """Every word of every WordNet 3.0 lemma name (split on ``_`` and ``-``), sorted."""
    from graderkit._run.text_metrics.wordnet import load_wordnet, locate_wordnet

    reader = load_wordnet(locate_wordnet())
    words = {
        part
        for name in reader.all_lemma_names()
        for part in name.replace("_", " ").replace("-", " ").split()
    }
    return tuple(sorted(words))


def inflected(words: tuple[str, ...], every: int) -> Iterator[str]:
    for k, word in enumerate(words):
        yield word
        yield word.capitalize()
        if k % every == 0:
            yield from (word + suffix for suffix in SUFFIXES)


def test_equals_nltk_on_a_wordnet_sample() -> None:
    words = wordnet_words()[::100]
    mismatches = [w for w in inflected(words, 8) if porter_stem_uncached(w) != stemmer.stem(w)]
    assert len(words) > 800
    assert mismatches == []


@pytest.mark.slow
def test_equals_nltk_on_the_whole_wordnet_vocabulary() -> None:
    words = wordnet_words()
    mismatches = [w for w in inflected(words, 10) if porter_stem_uncached(w) != stemmer.stem(w)]
    assert len(words) > 80_000
    assert mismatches == []


@settings(max_examples=3000)
@pytest.mark.slow
@given(word=letters_and_suffixes())
def test_equals_nltk_on_thousands_of_rule_words(word: str) -> None:
    assert porter_stem_uncached(word) == stemmer.stem(word)
