"""METEOR's WordNet synonyms, looked up fast: a lemma-name table built once per reader.

nltk's METEOR asks ``wordnet.synsets(word)`` for every unmatched hypothesis word on every
call, and each answer builds ``Synset`` and ``Lemma`` objects from the data files. The only
thing METEOR keeps from them is the set of lemma names. This module reads every synset's lemma
names once (about 0.3 s for WordNet 3.0), then answers with nltk's morphology (``_morphy``,
inlined on nltk's own exception and substitution tables) and lemma index, and remembers each
word's answer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = ["WordNetSynonyms"]

_POS_FILES = (("n", "data.noun"), ("v", "data.verb"), ("a", "data.adj"), ("r", "data.adv"))
"""nltk's ``POS_LIST`` order with each part of speech's data file (satellites live in adj)."""

_MARKER = re.compile(r"\([^()]*\)$")
"""An adjective's syntactic marker, ``(a)``, ``(p)`` or ``(ip)``, which nltk strips."""

NameTable = dict[str, dict[int, tuple[str, ...]]]


class WordNetSynonyms:
    """``synonyms(word)`` for ``meteor``: cached, thread-safe look-ups in one WordNet reader.

    Returns exactly nltk METEOR's candidate set minus the word itself: every lemma name without
    ``_`` over ``reader.synsets(word)``. When the reader lacks the nltk internals the fast path
    uses (``_exception_map``, ``_lemma_pos_offset_map``), it asks ``reader.synsets`` instead.

    Args:
        reader: an nltk ``WordNetCorpusReader``.
        cache_size: how many words to remember.

    Examples:
        >>> from graderkit._run.text_metrics.wordnet import load_wordnet, locate_wordnet
        >>> synonyms = WordNetSynonyms(load_wordnet(locate_wordnet()))
        >>> sorted(synonyms("sit"))
        ['baby-sit', 'model', 'pose', 'posture', 'ride', 'seat', 'sit']
    """

    def __init__(self, reader: Any, *, cache_size: int = 1 << 17) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        look_up = self._from_synsets
        self.vocabulary: frozenset[str] | None = None
        """Every name an answer can contain (``None`` on the public-API path)."""
        if _has_fast_path(reader):
            self._names = _read_names(reader)
            self._index: dict[str, dict[str, list[int]]] = reader._lemma_pos_offset_map
            self._parts = [
                (
                    pos,
                    self._names[pos],
                    reader._exception_map[pos],
                    tuple(reader.MORPHOLOGICAL_SUBSTITUTIONS[pos]),
                )
                for pos, _ in _POS_FILES
            ]
            self.vocabulary = frozenset(
                name for table in self._names.values() for names in table.values() for name in names
            )
            look_up = self._from_table
        self.look_up: Callable[[str], frozenset[str]] = lru_cache(maxsize=cache_size)(look_up)
        """The cached look-up itself (what ``__call__`` calls)."""

    def __call__(self, word: str) -> frozenset[str]:
        return self.look_up(word)

    def _from_table(self, word: str) -> frozenset[str]:
        """nltk ``synsets``: lowercase, each part of speech, each ``_morphy`` form, its offsets.

        ``_morphy(word, pos)`` is the word itself and either its listed exceptions or, when it
        has none, the word with each matching suffix substitution; nltk keeps the forms in the
        lemma index under ``pos``. Inlined here on tables read once (the answer is a set, so
        nltk's de-duplication and ordering of forms change nothing).
        """
        word = word.lower()
        index = self._index
        names: set[str] = set()
        for pos, table, exceptions, substitutions in self._parts:
            forms = exceptions.get(word)
            if forms is None:
                forms = [
                    word[: -len(old)] + new for old, new in substitutions if word.endswith(old)
                ]
            for form in (word, *forms):
                offsets = index.get(form)
                if offsets is not None:
                    for offset in offsets.get(pos, ()):
                        names.update(table[offset])
        return frozenset(names)

    def _from_synsets(self, word: str) -> frozenset[str]:
        with self._lock:  # nltk's reader seeks in shared file handles
            synsets = self.reader.synsets(word)
            names = (lemma.name() for synset in synsets for lemma in synset.lemmas())
            return frozenset(name for name in names if "_" not in name)


def _has_fast_path(reader: Any) -> bool:
    """Whether ``reader`` has the nltk internals ``_from_table`` reads."""
    return (
        isinstance(getattr(reader, "_lemma_pos_offset_map", None), dict)
        and isinstance(getattr(reader, "_exception_map", None), dict)
        and isinstance(getattr(reader, "MORPHOLOGICAL_SUBSTITUTIONS", None), dict)
    )


def _read_names(reader: Any) -> NameTable:
    """Every synset's lemma names without ``_``, by part of speech and byte offset."""
    one_copy: dict[str, str] = {}  # a name shared by many synsets is stored once
    return {pos: _names_in(reader, fileid, one_copy) for pos, fileid in _POS_FILES}


def _names_in(reader: Any, fileid: str, one_copy: dict[str, str]) -> dict[int, tuple[str, ...]]:
    """Parse ``offset lex_filenum ss_type w_cnt word lex_id ...`` lines (wndb(5WN))."""
    with reader.open(fileid) as stream:
        text = stream.read()
    table: dict[int, tuple[str, ...]] = {}
    canonical = one_copy.setdefault
    for line in text.splitlines():
        if line.startswith("  "):  # the licence header
            continue
        offset, _lexname, _type, count, rest = line.split(" ", 4)
        words = rest.split(" ", 2 * int(count, 16))[: 2 * int(count, 16) : 2]
        names = (_MARKER.sub("", word) if word.endswith(")") else word for word in words)
        table[int(offset)] = tuple(canonical(name, name) for name in names if "_" not in name)
    return table
