"""graderkit._run.text_metrics.synonyms: the lemma-name table answers exactly as nltk's reader does."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._run.text_metrics.synonyms import WordNetSynonyms
from graderkit._run.text_metrics.wordnet import default_synonyms

WORDS = ("sit", "sat", "dogs", "axes", "saw", "better", "geese", "running", "car", "xyzzy", "a")


class PublicOnly:
    """The reader seen through its public API only: forces the ``synsets`` path."""

    def __init__(self, reader: Any) -> None:
        self.synsets = reader.synsets


def nltk_candidates(reader: Any, word: str) -> frozenset[str]:
    """What nltk's METEOR computes for one word, minus the word itself."""
    return frozenset(
        lemma.name()
        for synset in reader.synsets(word)
        for lemma in synset.lemmas()
        if lemma.name().find("_") < 0
    )


@pytest.fixture(scope="module")
def reader() -> Any:
    return default_synonyms().reader


def test_table_path_equals_nltk(reader: Any) -> None:
    fast = WordNetSynonyms(reader)
    assert [fast(w) for w in WORDS] == [nltk_candidates(reader, w) for w in WORDS]


def test_public_api_path_equals_table_path(reader: Any) -> None:
    fallback = WordNetSynonyms(PublicOnly(reader))
    assert not hasattr(fallback, "_names")
    assert [fallback(w) for w in WORDS] == [default_synonyms()(w) for w in WORDS]


SUFFIXES = ("", "s", "es", "ses", "ves", "xes", "zes", "ches", "shes", "men", "ies", "ed", "ing")
"""Every suffix of nltk's ``MORPHOLOGICAL_SUBSTITUTIONS``, and a few that match none."""


@given(st.sampled_from(WORDS), st.sampled_from((*SUFFIXES, "er", "est", "ly")))
def test_inflections_equal_nltk(reader: Any, word: str, suffix: str) -> None:
    assert default_synonyms()(word + suffix) == nltk_candidates(reader, word + suffix)


def test_case_is_folded_like_nltk(reader: Any) -> None:
    assert default_synonyms()("Dogs") == nltk_candidates(reader, "Dogs") != frozenset()


def test_every_exception_form_equals_nltk(reader: Any) -> None:
    # Irregular forms ("geese", "went") bypass the substitutions: the exception lists decide.
    fast = WordNetSynonyms(reader)
    forms = sorted({form for table in reader._exception_map.values() for form in table})
    assert len(forms) > 4000
    assert [w for w in forms if fast(w) != nltk_candidates(reader, w)] == []


@pytest.mark.slow
def test_every_wordnet_lemma_equals_nltk(reader: Any) -> None:
    fast = WordNetSynonyms(reader)
    lemmas = sorted(reader._lemma_pos_offset_map)
    assert len(lemmas) > 140_000
    mismatches = [w for w in lemmas if fast(w) != nltk_candidates(reader, w)]
    assert mismatches == []


@pytest.mark.slow
def test_every_synset_row_equals_nltk(reader: Any) -> None:
    fast = WordNetSynonyms(reader)
    for pos, table in fast._names.items():
        for offset, names in table.items():
            synset = reader.synset_from_pos_and_offset(pos, offset)
            assert names == tuple(n for n in synset.lemma_names() if "_" not in n)


@pytest.mark.parametrize("path", ["table", "public API"])
def test_look_ups_from_threads_agree(reader: Any, path: str) -> None:
    if path == "table":
        synonyms = default_synonyms()
        synonyms.look_up.cache_clear()  # type: ignore[attr-defined]
    else:
        synonyms = WordNetSynonyms(PublicOnly(reader))
    words = [f"{w}{suffix}" for w in WORDS for suffix in ("", "s", "ing", "ed")]
    expected = [nltk_candidates(reader, w) for w in words]
    results: dict[int, list[frozenset[str]]] = {}

    def work(k: int) -> None:
        order = words if k % 2 else words[::-1]
        results[k] = [synonyms(w) for w in order]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[k] == (expected if k % 2 else expected[::-1]) for k in range(4))
