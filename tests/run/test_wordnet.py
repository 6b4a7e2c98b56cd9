"""graderkit._run.text_metrics.wordnet: finding, loading and looking up WordNet 3.0, offline.

Tests that need the real WordNet fail (never skip) when it is missing: CI installs it first
with ``scripts/install-wordnet.sh``.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graderkit._run.text_metrics.wordnet import (
    DEBIAN_WORDNET_DIR,
    LEXNAMES,
    WordNetMissing,
    WordNetSynonyms,
    default_synonyms,
    lexnames_text,
    load_wordnet,
    locate_wordnet,
    search_paths,
)
from graderkit.errors import GraderkitError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-wordnet.sh"
WORDS = ("sit", "car", "big", "quick", "dog", "run", "home", "good", "glad", "xyzzy", "the")
NETWORK_EVENTS = frozenset(
    {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"}
)
_network_log: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _network_log and event in NETWORK_EVENTS:
        _network_log[-1].append(event)


sys.addaudithook(_audit)


@pytest.fixture
def network_events() -> Iterator[list[str]]:
    """Network audit events (connects, DNS, URL requests) raised during the test."""
    events: list[str] = []
    _network_log.append(events)
    yield events
    _network_log.remove(events)


@pytest.fixture
def restore_nltk_path() -> Iterator[None]:
    """Undo the data directories ``load_wordnet`` registers with nltk during the test."""
    import nltk

    saved = list(nltk.data.path)
    yield
    nltk.data.path[:] = saved


def fake_database(directory: Path, version: str) -> Path:
    """A structurally valid, empty WordNet database that says it is ``version``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("cntlist.rev", "index.sense", "adj.exc", "adv.exc", "noun.exc", "verb.exc"):
        (directory / name).write_text("")
    for pos in ("adj", "adv", "noun", "verb"):
        (directory / f"index.{pos}").write_text("")
        (directory / f"data.{pos}").write_text("")
    header = f"  1 This database is provided by Princeton. WordNet {version} Copyright 2011.\n"
    (directory / "data.adj").write_text(header)
    return directory


def test_missing_wordnet_is_a_clear_error(tmp_path: Path, network_events: list[str]) -> None:
    with pytest.raises(WordNetMissing) as raised:
        locate_wordnet([tmp_path, tmp_path / "absent"])
    message = str(raised.value)
    assert str(tmp_path) in message and str(tmp_path / "absent") in message
    assert "apt-get install wordnet-base wordnet-sense-index" in message
    assert "scripts/install-wordnet.sh" in message
    assert "python -m nltk.downloader wordnet" in message
    assert "never downloads" in message
    assert isinstance(raised.value, GraderkitError) and isinstance(raised.value, LookupError)
    assert list(tmp_path.iterdir()) == []
    assert network_events == []


def test_a_partial_database_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "index.noun").write_text("")
    (tmp_path / "corpora" / "wordnet").mkdir(parents=True)
    with pytest.raises(WordNetMissing):
        locate_wordnet([tmp_path])


def test_another_wordnet_version_is_refused(tmp_path: Path, restore_nltk_path: None) -> None:
    location = locate_wordnet([fake_database(tmp_path / "corpora" / "wordnet", "3.1").parents[1]])
    assert location.layout == "nltk"
    with pytest.raises(WordNetMissing, match=r"but that is WordNet 3\.1"):
        load_wordnet(location)


def test_bare_database_gets_generated_lexnames(tmp_path: Path, restore_nltk_path: None) -> None:
    location = locate_wordnet([fake_database(tmp_path, "3.0")])
    assert location.layout == "bare"
    reader = load_wordnet(location)
    assert reader._lexnames == list(LEXNAMES)


def test_lexnames_has_the_45_lexicographer_files() -> None:
    lines = [line.split("\t") for line in lexnames_text().splitlines()]
    assert len(lines) == 45
    assert [int(number) for number, _, _ in lines] == list(range(45))
    assert [name for _, name, _ in lines] == list(LEXNAMES)
    categories = {"noun": "1", "verb": "2", "adj": "3", "adv": "4"}
    assert all(category == categories[name.split(".")[0]] for _, name, category in lines)
    assert (LEXNAMES[0], LEXNAMES[3], LEXNAMES[29], LEXNAMES[44]) == (
        "adj.all",
        "noun.Tops",
        "verb.body",
        "adj.ppl",
    )


def test_search_covers_nltk_paths_then_debian() -> None:
    import nltk

    paths = search_paths()
    assert paths[:-1] == [Path(p) for p in nltk.data.path if p]
    assert paths[-1] == DEBIAN_WORDNET_DIR


def test_installed_wordnet_loads_offline(network_events: list[str]) -> None:
    reader = load_wordnet(locate_wordnet())
    assert reader.get_version() == "3.0"
    assert "seat" in WordNetSynonyms(reader)("sit")
    assert network_events == []


def test_debian_directory_reads_like_the_nltk_layout() -> None:
    bare = WordNetSynonyms(load_wordnet(locate_wordnet([DEBIAN_WORDNET_DIR])))
    assert locate_wordnet().layout in {"nltk", "zip"}, "run scripts/install-wordnet.sh"
    nltk_layout = default_synonyms()
    assert [bare(w) for w in WORDS] == [nltk_layout(w) for w in WORDS]


@pytest.mark.slow
def test_zipped_corpus_is_found_and_read(tmp_path: Path, restore_nltk_path: None) -> None:
    source = locate_wordnet()
    assert source.layout == "nltk", "run scripts/install-wordnet.sh"
    archive = tmp_path / "corpora" / "wordnet.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for file in sorted(source.path.iterdir()):
            zipped.write(file, f"wordnet/{file.name}")
    location = locate_wordnet([tmp_path])
    assert location.layout == "zip"
    zipped_synonyms = WordNetSynonyms(load_wordnet(location))
    plain = WordNetSynonyms(load_wordnet(source))
    assert [zipped_synonyms(w) for w in WORDS] == [plain(w) for w in WORDS]


def test_synonyms_are_nltk_meteor_candidates() -> None:
    synonyms = default_synonyms()
    for word in WORDS:
        expected = {
            lemma.name()
            for synset in synonyms.reader.synsets(word)
            for lemma in synset.lemmas()
            if "_" not in lemma.name()
        }
        assert synonyms(word) == expected
    assert synonyms("xyzzy") == frozenset()


def test_default_synonyms_is_loaded_once() -> None:
    assert default_synonyms() is default_synonyms()


@pytest.mark.slow
def test_install_script_builds_a_layout_nltk_reads(tmp_path: Path, restore_nltk_path: None) -> None:
    if not all((DEBIAN_WORDNET_DIR / f).is_file() for f in ("index.noun", "data.noun")):
        pytest.fail("Debian's WordNet is not installed: run scripts/install-wordnet.sh")
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    target = tmp_path / "corpora" / "wordnet"
    assert (target / "lexnames").read_text() == lexnames_text()
    assert not any(path.is_symlink() for path in target.iterdir())
    import nltk
    from nltk.corpus.reader import WordNetCorpusReader

    nltk.data.path.append(str(tmp_path))
    reader = WordNetCorpusReader(str(target), _omw())
    assert reader.get_version() == "3.0"
    assert reader._lexnames == list(LEXNAMES)


def _omw() -> Any:
    from nltk.corpus.reader import CorpusReader
    from nltk.corpus.util import LazyCorpusLoader

    return LazyCorpusLoader("omw-1.4", CorpusReader, r".*/wn-data-.*\.tab", encoding="utf8")
