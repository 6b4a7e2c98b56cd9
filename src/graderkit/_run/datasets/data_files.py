"""Reading datasets and predictions (JSONL) and pairing them into (item, run) grading tasks.

An **items file** is a dataset: one JSON object per line (an RFT file has ``messages`` plus any
other keys). A **predictions file** holds what a model answered: one JSON object per line with
``output_text`` (or a structured ``sample``), joined to the items in one of two ways:

* **by key** (when the predictions carry the key field, ``"id"`` by default): each prediction
  is graded against the item with the same key. The items are held in memory (an RFT file has
  at most 50,000 rows); the predictions stream.
* **by line** (when they do not): the n-th prediction is graded against the n-th item; both
  files stream. The item's key (or, without one, its 0-based row number) names the result.

Every prediction line becomes one or more **tasks**, each named by ``(id, run)`` (see
[`RunNumbers`][graderkit._core.datasets.runs.RunNumbers] for how runs are numbered).

Examples:
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "items.jsonl").write_text('{"id": "a", "answer": "x"}\\n')
    >>> _ = (folder / "preds.jsonl").write_text('{"id": "a", "output_text": "x"}\\n')
    >>> [(t.id, t.run) for t in iter_tasks(folder / "items.jsonl", folder / "preds.jsonl", runs=2)]
    [('a', 0), ('a', 1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from graderkit._core.datasets.dataset_check import DatasetChecker, DatasetReport, Split
from graderkit._core.datasets.json_lines import parse_json
from graderkit._core.datasets.runs import RunNumbers
from graderkit._core.graders.models import GraderBase
from graderkit._core.templating.sample import SAMPLE_KEYS
from graderkit._run.datasets.file_errors import os_reason
from graderkit.errors import GraderkitError

__all__ = [
    "DataError",
    "RunNumbers",
    "Task",
    "check_dataset",
    "count_lines",
    "iter_tasks",
    "load_items",
    "numbered_rows",
    "pair_predictions",
    "parse_line",
    "read_jsonl",
    "sample_of",
]


class DataError(GraderkitError, ValueError):
    """A data file is malformed; the message names the file and the line.

    Examples:
        >>> import os, tempfile
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     items = os.path.join(tmp, "items.jsonl")
        ...     with open(items, "w") as f:
        ...         _ = f.write('{"id": "q1", "answer": "gout"}\\nnot json\\n')
        ...     try:
        ...         gk.grade_file(exact, items, items, os.path.join(tmp, "out.jsonl"))
        ...     except gk.DataError as e:
        ...         print(str(e).replace(tmp, "<tmp>"))
        <tmp>/items.jsonl:2: not valid JSON (Expecting value)
    """


def _open(path: str | Path, mode: str = "rb") -> IO[bytes]:
    """Open a data file; a missing or unreadable file is a `DataError` naming it."""
    if Path(path).is_dir():
        raise DataError(f"{path}: is a directory; give a JSONL file (one JSON object per line)")
    try:
        return open(path, mode)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {os_reason(exc)}") from None


def _raw_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of each non-blank line."""
    with _open(path) as handle:
        for number, raw in enumerate(handle, 1):
            if raw.strip():
                yield number, raw


def parse_line(raw: bytes | str) -> Any:
    """One JSONL line's value; see [`parse_json`][graderkit._core.datasets.json_lines.parse_json].

    Raises:
        ValueError: with a short reason for a line that is not UTF-8, not JSON, or JSON that
            Python cannot hold (too deep, an integer of more than 4,300 digits).

    Examples:
        >>> parse_line(b'{"id": 1}')
        {'id': 1}
    """
    return parse_json(raw)


def numbered_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line (line numbers start at 1).

    Raises:
        DataError: for a line that is not a JSON object, or not UTF-8 (the message names file
            and line).
    """
    for number, line in _raw_lines(path):
        try:
            row = parse_line(line)
        except ValueError as exc:
            raise DataError(f"{path}:{number}: {exc}") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
        yield number, row


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield one JSON object per non-blank line; errors name the file and the line number."""
    for _, row in numbered_rows(path):
        yield row


def count_lines(path: str | Path) -> int:
    """The number of lines of a file (a last line without a newline counts), read in blocks."""
    count, last = 0, b"\n"
    with _open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def sample_of(prediction: Mapping[str, Any]) -> Any:
    """The sample a prediction line describes: its ``sample`` object when it has one, else
    its standard sample keys (``output_text``, ``output_json``, ``output_tools``, ``choices``).

    A line with only ``output_text`` gives the plain string, which grades exactly like
    ``{"output_text": text}`` (the sample ``graders/run`` builds from ``model_sample``) and
    lets local graders take their fast path.

    Examples:
        >>> sample_of({"id": "a", "output_text": "yes"})
        'yes'
        >>> sample_of({"id": "a", "output_text": "{}", "output_json": None})
        {'output_text': '{}', 'output_json': None}
    """
    sample = prediction.get("sample")
    if sample is not None:
        return sample
    text = prediction.get("output_text")
    if text.__class__ is str and not _STRUCTURED.intersection(prediction):
        return text
    found = {k: prediction[k] for k in SAMPLE_KEYS if k in prediction}
    text = found.get("output_text")
    if len(found) == 1 and isinstance(text, str):
        return text
    return found


_STRUCTURED = frozenset(SAMPLE_KEYS) - {"output_text"}


def load_items(path: str | Path, key: str = "id") -> dict[str, dict[str, Any]]:
    """Index an items file by ``key`` (keys compared as text: ``1`` and ``"1"`` are one key).

    Raises:
        DataError: when a row lacks the key or repeats one (the join would be ambiguous).
    """
    items: dict[str, dict[str, Any]] = {}
    for number, row in numbered_rows(path):
        if key not in row:
            raise DataError(f"{path}:{number}: no {key!r} field (the predictions join on it)")
        ident = str(row[key])
        if ident in items:
            raise DataError(f"{path}:{number}: {key}={row[key]!r} repeats an earlier row")
        items[ident] = row
    return items


class Task(NamedTuple):
    """One (item, run) to grade (a named tuple: a million of them are made and dropped).

    Attributes:
        id: the item's key as text (what resuming matches on, with ``run``).
        run: the run number.
        sample: the model's output (see [`sample_of`][graderkit._run.datasets.data_files.sample_of]).
        item: the dataset row.
        key_value: the key as it appears in the data (written back unchanged).
        line: the prediction's line number, for messages.
    """

    id: str
    run: int
    sample: Any
    item: Mapping[str, Any]
    key_value: Any
    line: int


def iter_tasks(
    data: str | Path, samples: str | Path, *, key: str = "id", runs: int = 1
) -> Iterator[Task]:
    """Stream the grading tasks of a predictions file against an items file.

    The join is by key when the first prediction has the ``key`` field, else by line (see the
    module docstring); every prediction must then follow the same rule.

    Raises:
        DataError: for a malformed line, a prediction whose key is not in the items, a
            prediction without ``output_text`` or ``sample``, or a run number problem.
    """
    predictions = numbered_rows(samples)
    first = next(predictions, None)
    if first is None:
        return
    numbers = RunNumbers(runs)
    rows = _chain(first, predictions)
    if key in first[1]:
        yield from _by_key(load_items(data, key), rows, key, numbers, samples)
    else:
        yield from _by_line(data, rows, key, numbers, samples)


def _chain(
    first: tuple[int, dict[str, Any]], rest: Iterator[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def _runs(numbers: RunNumbers, ident: str, pred: Mapping[str, Any], where: str) -> range:
    try:
        return numbers.assign(ident, pred)
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from None


def _checked_sample(pred: Mapping[str, Any], where: str) -> Any:
    if "sample" not in pred and "output_text" not in pred:
        raise DataError(f"{where}: no 'output_text' (or 'sample') field")
    return sample_of(pred)


def _by_key(
    items: Mapping[str, Mapping[str, Any]],
    rows: Iterator[tuple[int, dict[str, Any]]],
    key: str,
    numbers: RunNumbers,
    samples: str | Path,
) -> Iterator[Task]:
    for line, pred in rows:
        where = f"{samples}:{line}"
        if key not in pred:
            raise DataError(f"{where}: no {key!r} field, while earlier predictions have one")
        ident = str(pred[key])
        item = items.get(ident)
        if item is None:
            raise DataError(f"{where}: {key}={pred[key]!r} is not in the items file")
        sample = _checked_sample(pred, where)
        for run in _runs(numbers, ident, pred, where):
            yield Task(ident, run, sample, item, pred[key], line)


def _by_line(
    data: str | Path,
    rows: Iterator[tuple[int, dict[str, Any]]],
    key: str,
    numbers: RunNumbers,
    samples: str | Path,
) -> Iterator[Task]:
    items = numbered_rows(data)
    for index, (line, pred) in enumerate(rows):
        where = f"{samples}:{line}"
        if key in pred:
            raise DataError(f"{where}: has {key!r}, while the first prediction has none")
        found = next(items, None)
        if found is None:
            raise DataError(f"{where}: more predictions than items in {data} (joined by line)")
        item = found[1]
        value = item.get(key, index)
        ident = str(value)
        sample = _checked_sample(pred, where)
        for run in _runs(numbers, ident, pred, where):
            yield Task(ident, run, sample, item, value, line)


def pair_predictions(
    items: Mapping[str, Mapping[str, Any]],
    predictions: Iterator[Mapping[str, Any]],
    *,
    key: str = "id",
    text_field: str = "output_text",
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]]:
    """Yield ``(sample, item, prediction)`` for each prediction, joined on ``key``."""
    for number, pred in enumerate(predictions, 1):
        ident = pred.get(key)
        if str(ident) not in items:
            raise DataError(f"prediction {number}: {key}={ident!r} is not in the items file")
        if text_field not in pred:
            raise DataError(f"prediction {number}: missing {text_field!r}")
        sample = pred.get("sample") or {"output_text": pred[text_field]}
        yield sample, items[str(ident)], pred


def check_dataset(
    grader: GraderBase | None,
    data: str | Path | Iterable[Mapping[str, Any]],
    samples: str | Path | Iterable[Mapping[str, Any]] | None = None,
    *,
    key: str = "id",
    split: Split | None = None,
    rft: bool = True,
    runs: int = 1,
) -> DatasetReport:
    """Check a dataset (and its predictions) against a grader before grading or training.

    Args:
        grader: the grader the data is for (``None``: the format rules only).
        data: the items file (JSONL), or rows in memory.
        samples: the predictions file (JSONL), or prediction rows, or ``None``.
        key: the field naming items and joining predictions to them.
        split: ``"train"`` (at most 50,000 rows), ``"validation"`` or ``"test"`` (1,000).
        rft: check the RFT format (``messages``, roles, content, ``tools``); ``False`` for a
            plain evaluation dataset.
        runs: the ``runs`` the predictions will be graded with.

    Returns:
        A [`DatasetReport`][graderkit.DatasetReport]: ``.ok``,
        ``.problems`` (each naming the rows concerned) and ``.lines()``. Lines that are not
        JSON objects are reported, never raised.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.reference_answer}}", name="exact")
        >>> report = check_dataset(exact, "examples/clinical/items.jsonl",
        ...                        "examples/clinical/predictions.jsonl", split="validation")
        >>> report.ok, report.items, report.predictions
        (True, 36, 108)
    """
    checker = DatasetChecker(grader, key=key, split=split, rft=rft, runs=runs)
    for line, row in _lenient(data, checker, "items"):
        checker.add_item(line, row)
    if samples is not None:
        checker.begin_predictions()
        for line, row in _lenient(samples, checker, "predictions"):
            checker.add_prediction(line, row)
    return checker.report()


def _lenient(
    source: str | Path | Iterable[Mapping[str, Any]],
    checker: DatasetChecker,
    file: Literal["items", "predictions"],
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Rows of a file (bad lines go to the checker) or of an iterable, with line numbers."""
    if not isinstance(source, (str, Path)):
        yield from enumerate(source, 1)
        return
    for number, line in _raw_lines(source):
        try:
            row = parse_line(line)
        except ValueError as exc:
            checker.bad_line(file, number, str(exc))
            continue
        if isinstance(row, dict):
            yield number, row
        else:
            checker.bad_line(file, number, f"a JSON {type(row).__name__}, not an object")
