"""WordNet 3.0 for ``meteor``: find it where nltk looks, load it once, look synonyms up fast.

Nothing is ever downloaded. The search goes through every directory of ``nltk.data.path`` (which
starts with the ``NLTK_DATA`` entries, then ``~/nltk_data`` and nltk's system places) and then
Debian's ``/usr/share/wordnet``. In each it accepts either nltk's layout
(``corpora/wordnet/`` or ``corpora/wordnet.zip``) or a bare WordNet database directory such as
Debian's, whose one missing file, ``lexnames``, graderkit supplies (``LEXNAMES``).

Examples:
    >>> from graderkit._run.text_metrics.wordnet import default_synonyms
    >>> sorted(default_synonyms()("sit"))[:3]
    ['baby-sit', 'model', 'pose']
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from graderkit._optional import requires
from graderkit._run.text_metrics.synonyms import WordNetSynonyms
from graderkit.errors import GraderkitError

__all__ = [
    "DEBIAN_WORDNET_DIR",
    "LEXNAMES",
    "WordNetLocation",
    "WordNetMissing",
    "WordNetSynonyms",
    "default_synonyms",
    "lexnames_text",
    "load_wordnet",
    "locate_wordnet",
    "search_paths",
]

DEBIAN_WORDNET_DIR = Path("/usr/share/wordnet")
"""Where Debian's ``wordnet-base`` and ``wordnet-sense-index`` packages put the database."""

WORDNET_VERSION = "3.0"
METEOR = "the meteor metric"

LEXNAMES: tuple[str, ...] = (
    *("adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal"),
    *("noun.artifact", "noun.attribute", "noun.body", "noun.cognition"),
    *("noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group"),
    *("noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon"),
    *("noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation"),
    *("noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change"),
    *("verb.cognition", "verb.communication", "verb.competition", "verb.consumption"),
    *("verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception"),
    *("verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl"),
)
"""The 45 WordNet 3.0 lexicographer files, in file-number order (``lexnames(5WN)``)."""

_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
_DATABASE_FILES = ("index.noun", "data.noun", "index.verb", "data.verb", "index.adj", "data.adj")
_HOW_TO_GET = """\
Get WordNet 3.0 in one of these ways, then run again:
  - Debian/Ubuntu: apt-get install wordnet-base wordnet-sense-index
    (graderkit reads /usr/share/wordnet directly);
  - from a graderkit source tree: bash scripts/install-wordnet.sh [NLTK_DATA_DIR]
    (installs those packages and builds NLTK_DATA_DIR/corpora/wordnet, default ~/nltk_data);
  - with nltk's downloader: python -m nltk.downloader wordnet
Put it in a directory nltk searches (~/nltk_data) or name its parent directory in NLTK_DATA."""


class WordNetMissing(GraderkitError, LookupError):
    """WordNet 3.0, which the ``meteor`` metric needs, is not installed where graderkit looks.

    The message lists the directories searched and the three ways to install it.

    Examples:
        >>> import tempfile
        >>> import graderkit as gk
        >>> from graderkit._run.text_metrics.wordnet import locate_wordnet
        >>> with tempfile.TemporaryDirectory() as empty:
        ...     locate_wordnet([empty])
        Traceback (most recent call last):
        graderkit._run.text_metrics.wordnet.WordNetMissing: WordNet 3.0 is needed for the meteor metric ...
        >>> issubclass(gk.WordNetMissing, gk.GraderkitError)
        True
    """


@dataclass(frozen=True)
class WordNetLocation:
    """Where a WordNet database was found.

    Attributes:
        data_root: the directory to register with nltk (its sandbox only reads under those).
        path: the database directory, or the ``wordnet.zip`` file.
        layout: ``"nltk"`` (``corpora/wordnet``), ``"zip"`` or ``"bare"`` (e.g. Debian's).
    """

    data_root: Path
    path: Path
    layout: Literal["nltk", "zip", "bare"]


def lexnames_text() -> str:
    """The ``lexnames`` file of WordNet 3.0, in the format nltk's reader parses.

    Returns:
        45 lines ``NN<TAB>name<TAB>category`` (category 1 noun, 2 verb, 3 adjective, 4 adverb).

    Examples:
        >>> lexnames_text().splitlines()[0]
        '00\\tadj.all\\t3'
    """
    return "".join(
        f"{number:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n"
        for number, name in enumerate(LEXNAMES)
    )


def search_paths() -> list[Path]:
    """Where graderkit looks, in order: ``nltk.data.path``, then Debian's directory.

    Returns:
        The candidate directories (they need not exist).

    Raises:
        MissingDependency: when nltk (the ``metrics`` extra) is not installed.
    """
    with requires(METEOR):  # lazy: nltk is only needed for meteor
        import nltk.data

    return [Path(entry) for entry in nltk.data.path if entry] + [DEBIAN_WORDNET_DIR]


def locate_wordnet(paths: Sequence[str | os.PathLike[str]] | None = None) -> WordNetLocation:
    """Find a WordNet database without reading or downloading anything.

    Args:
        paths: directories to search, in order; default ``search_paths()``. Each may hold
            ``corpora/wordnet/``, ``corpora/wordnet.zip`` or the database files themselves.

    Returns:
        The first location found.

    Raises:
        WordNetMissing: when no directory holds one.

    Examples:
        >>> locate_wordnet(["/nonexistent"])
        Traceback (most recent call last):
        ...
        graderkit._run.text_metrics.wordnet.WordNetMissing: WordNet 3.0 ...
    """
    candidates = search_paths() if paths is None else [Path(p) for p in paths]
    for directory in candidates:
        found = _location_in(directory)
        if found is not None:
            return found
    raise WordNetMissing(_missing_message(candidates))


def _location_in(directory: Path) -> WordNetLocation | None:
    nltk_dir = directory / "corpora" / "wordnet"
    if _has_database(nltk_dir):
        return WordNetLocation(directory, nltk_dir, "nltk")
    if (directory / "corpora" / "wordnet.zip").is_file():
        return WordNetLocation(directory, directory / "corpora" / "wordnet.zip", "zip")
    if _has_database(directory):
        return WordNetLocation(directory, directory, "bare")
    return None


def _has_database(directory: Path) -> bool:
    return all((directory / name).is_file() for name in _DATABASE_FILES)


def _missing_message(searched: Sequence[Path], found: str = "") -> str:
    where = "\n".join(f"  - {path}" for path in searched)
    problem = found or "was not found (graderkit never downloads it)"
    return (
        f"WordNet {WORDNET_VERSION} is needed for the meteor metric and {problem}.\n"
        f"Searched:\n{where}\n{_HOW_TO_GET}"
    )


def load_wordnet(location: WordNetLocation) -> Any:
    """Open the WordNet at ``location`` with nltk's ``WordNetCorpusReader``.

    The location's directory is added to ``nltk.data.path`` when absent, because nltk (3.10 and
    later) only reads corpora under those directories.

    Args:
        location: from ``locate_wordnet``.

    Returns:
        A ``nltk.corpus.reader.WordNetCorpusReader`` (a subclass that supplies ``lexnames``
        when the directory lacks it and skips the OMW version map, which METEOR never uses).

    Raises:
        WordNetMissing: when the database is not WordNet 3.0 or cannot be read.
        MissingDependency: when nltk (the ``metrics`` extra) is not installed.
    """
    with requires(METEOR):
        import nltk.data
        from nltk.data import FileSystemPathPointer, ZipFilePathPointer

    if str(location.data_root) not in nltk.data.path:
        nltk.data.path.append(str(location.data_root))
    root: Any
    if location.layout == "zip":
        root = ZipFilePathPointer(str(location.path), "wordnet/")
    else:
        root = FileSystemPathPointer(str(location.path))
    try:
        reader = _reader_class()(root, _omw_loader())
        version = reader.get_version()
    except (OSError, ValueError, LookupError, AssertionError) as exc:
        problem = f"could not be read at {location.path} ({type(exc).__name__}: {exc})"
        raise WordNetMissing(_missing_message([location.path], problem)) from exc
    if version != WORDNET_VERSION:
        problem = f"was found at {location.path}, but that is WordNet {version}"
        raise WordNetMissing(_missing_message([location.path], problem))
    return reader


def _omw_loader() -> Any:
    """What nltk passes for the multilingual data: a loader that is never triggered here."""
    with requires(METEOR):
        from nltk.corpus.reader import CorpusReader
        from nltk.corpus.util import LazyCorpusLoader

    return LazyCorpusLoader("omw-1.4", CorpusReader, r".*/wn-data-.*\.tab", encoding="utf8")


@lru_cache(maxsize=1)
def _reader_class() -> Any:
    with requires(METEOR):
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _WordNetReader(WordNetCorpusReader):  # type: ignore[misc]
        """nltk's reader, plus ``lexnames`` for bare databases, without the OMW map."""

        def open(self, file: str) -> Any:
            try:
                return super().open(file)
            except OSError:
                if file != "lexnames":
                    raise
                return io.StringIO(lexnames_text())

        def map_wn(self, version: str = "wordnet") -> None:
            # Maps another WordNet version's synsets for the multilingual (OMW) readers; nltk
            # runs it at start-up and it re-locates 'corpora/wordnet' via nltk.data. Unused here.
            return None

    return _WordNetReader


_default_lock = threading.Lock()
_default: WordNetSynonyms | None = None


def default_synonyms() -> WordNetSynonyms:
    """The process-wide synonym look-up over the first WordNet 3.0 found (loaded once).

    Returns:
        The shared ``WordNetSynonyms``.

    Raises:
        WordNetMissing: when WordNet 3.0 is not installed (checked again on the next call).
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = WordNetSynonyms(load_wordnet(locate_wordnet()))
        return _default
