"""Example data shipped inside graderkit, so the quickstart runs from any directory.

``clinical`` is the OpenAI cookbook's clinical RFT example: 36 dataset rows (``items.jsonl``),
108 model answers to them (``predictions.jsonl``, three runs per row, of every kind the
cookbook met: exact, synonym, partial, wrong, padded, formatting) and the cookbook's graders
written with graderkit (``graders.py``, which reads ``score_model_additive.json``). Read the
rows here, or write the files out with [`write`][graderkit.examples.write] (what
``graderkit quickstart DIR`` does) and point the command line at them. The files are package
data, read with ``importlib.resources``; this package imports only the standard library,
``graderkit.errors`` and (to report a failed write) ``graderkit._run.datasets.file_errors``.

Examples:
    >>> from graderkit import examples
    >>> len(examples.items()), len(examples.predictions())
    (36, 108)
    >>> examples.predictions()[0]["output_text"]
    'acute appendicitis'
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graderkit.errors import GraderkitError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["EXAMPLES", "files", "items", "predictions", "write"]

EXAMPLES: dict[str, tuple[str, ...]] = {
    "clinical": ("graders.py", "items.jsonl", "predictions.jsonl", "score_model_additive.json"),
}
"""Each bundled example and its files."""


def files(name: str = "clinical") -> Traversable:
    """The directory of a bundled example, as an ``importlib.resources`` traversable.

    Args:
        name: one of ``EXAMPLES``.

    Raises:
        GraderkitError: for an unknown name.

    Examples:
        >>> sorted(f.name for f in files().iterdir() if f.name.endswith(".jsonl"))
        ['items.jsonl', 'predictions.jsonl']
    """
    if name not in EXAMPLES:
        raise GraderkitError(f"no bundled example {name!r}; the examples are {sorted(EXAMPLES)}")
    return resources.files(__name__).joinpath(name)


def _jsonl(name: str, file: str) -> list[dict[str, Any]]:
    text = files(name).joinpath(file).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def items(name: str = "clinical") -> list[dict[str, Any]]:
    """The example's dataset rows (``items.jsonl``), each a dict with an ``id``.

    Examples:
        >>> sorted(items()[0])[:3]
        ['id', 'messages', 'reference_answer']
    """
    return _jsonl(name, "items.jsonl")


def predictions(name: str = "clinical") -> list[dict[str, Any]]:
    """The example's model answers (``predictions.jsonl``): ``id``, ``run``, ``output_text``.

    Examples:
        >>> sorted(predictions()[0])
        ['id', 'kind', 'output_text', 'run']
    """
    return _jsonl(name, "predictions.jsonl")


def write(
    directory: str | os.PathLike[str] = ".", name: str = "clinical", *, overwrite: bool = False
) -> Path:
    """Copy a bundled example into ``directory/name`` and return that directory.

    Args:
        directory: where to create the example's directory (created if needed).
        name: one of ``EXAMPLES``.
        overwrite: replace files that already exist (default: refuse).

    Raises:
        GraderkitError: when a file exists and ``overwrite`` is false, or cannot be written.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     sorted(p.name for p in write(tmp).iterdir())
        ['graders.py', 'items.jsonl', 'predictions.jsonl', 'score_model_additive.json']
    """
    source, target = files(name), Path(directory) / name
    existing = [target / file for file in EXAMPLES[name] if (target / file).exists()]
    if existing and not overwrite:
        raise GraderkitError(
            f"{existing[0]} already exists; choose another directory or overwrite it "
            "(graderkit quickstart --force)"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        for file in EXAMPLES[name]:
            (target / file).write_bytes(source.joinpath(file).read_bytes())
    except OSError as exc:  # an OutputError: the CLI's exit code 5, like every unwritable output
        from graderkit._run.datasets.file_errors import output_error

        raise output_error(target, exc) from None
    return target
