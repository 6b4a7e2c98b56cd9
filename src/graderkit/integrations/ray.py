"""Grade a Ray Dataset with graderkit: one runner per worker, batches in, result columns out.

[`grade_dataset`][graderkit.integrations.ray.grade_dataset] maps
[`GradeBatch`][graderkit.integrations.ray.GradeBatch] over the dataset's batches on a pool of
Ray actors. Each actor holds one [`Runner`][graderkit.Runner], so model graders keep up to
``concurrency`` requests in flight per worker, and workers share replies through the engine's
on-disk cache (``cache_dir`` on a file system every worker sees; entries are written
atomically, so concurrent workers never tear a file). Local graders are graded by column in
each batch.

Reach for it when one machine is not enough: millions of rows, a python grader that costs
CPU seconds per sample, or judge calls limited per process. For a few hundred thousand rows of
string or similarity graders, one ``Runner`` on one machine is faster (no serialization).

``GradeBatch`` also works on its own with ``map_batches`` and any batch format (``pyarrow``,
``pandas`` or ``numpy`` dict batches): it returns the batch in the same format with the columns
``reward``, ``passed``, ``errors`` (JSON text, raised flags only) and ``result`` (the
``graders/run`` response as JSON text), each with an optional ``prefix``.

Requires the ``ray`` extra: ``pip install 'graderkit[ray]'``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graderkit._core.graders.models import GraderBase
from graderkit._core.results.grade_result import GradeResult
from graderkit._optional import requires

if TYPE_CHECKING:
    from graderkit._run.runner import Runner

__all__ = ["RESULT_COLUMNS", "GradeBatch", "grade_dataset", "require_ray"]

RESULT_COLUMNS = ("reward", "passed", "errors", "result")
"""The columns a graded batch gains (each prefixed with ``prefix``)."""


def require_ray() -> Any:
    """Import ``ray``, or raise ``MissingDependency`` naming the extra to install."""
    with requires("graderkit.integrations.ray"):
        import ray
    return ray


def grade_dataset(
    dataset: Any,
    grader: GraderBase,
    *,
    sample: str = "output_text",
    item: str | None = None,
    prefix: str = "",
    workers: int = 2,
    concurrency: int = 64,
    cache_dir: str | None = None,
    engine: Mapping[str, Any] | None = None,
    batch_size: int = 256,
    **map_options: Any,
) -> Any:
    """A lazily graded copy of a Ray Dataset: every row gains the result columns.

    Args:
        dataset: a ``ray.data.Dataset``.
        grader: any grader.
        sample: the column holding each row's sample (a string, or a structured sample dict).
        item: the column holding each row's item (a dict); ``None`` makes every other column of
            the row the item, so ``{{ item.reference_answer }}`` reads that column.
        prefix: prepended to the result column names (to grade with several graders).
        workers: Ray actors grading in parallel.
        concurrency: samples each worker keeps in flight (model, python and embedding calls).
        cache_dir: the model reply cache every worker shares.
        engine: other ``ModelEngine.from_env`` arguments for the workers (``base_url``,
            ``api_key``, ``timeout``, ...).
        batch_size: rows per batch.
        **map_options: passed to ``Dataset.map_batches`` (e.g. ``num_cpus=0.5`` for graders
            that mostly wait on a model).

    Returns:
        The graded dataset (Ray executes it when you consume it, e.g. ``.take_all()``).
    """
    ray = require_ray()
    kwargs = {
        "grader": grader.wire(),
        "sample": sample,
        "item": item,
        "prefix": prefix,
        "concurrency": concurrency,
        "cache_dir": cache_dir,
        "engine": dict(engine or {}),
    }
    return dataset.map_batches(
        GradeBatch,
        fn_constructor_kwargs=kwargs,
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=workers),
        udf_modifying_row_count=False,
        **map_options,
    )


class GradeBatch:
    """A ``map_batches`` callable class: grades each batch with one runner per worker.

    Args:
        grader: the grader, or its JSON (what crosses to the workers).
        sample: the sample column.
        item: the item column, or ``None`` for "every other column".
        prefix: prepended to the result column names.
        concurrency: samples in flight in this worker.
        cache_dir: the shared model reply cache.
        engine: ``ModelEngine.from_env`` arguments.
        runner: use this runner instead of building one (for tests and local use).
    """

    def __init__(
        self,
        grader: GraderBase | Mapping[str, Any],
        *,
        sample: str = "output_text",
        item: str | None = None,
        prefix: str = "",
        concurrency: int = 64,
        cache_dir: str | None = None,
        engine: Mapping[str, Any] | None = None,
        runner: Runner | None = None,
    ) -> None:
        from graderkit._core.graders.wire import from_openai

        self.grader = grader if isinstance(grader, GraderBase) else from_openai(grader)
        self.sample = sample
        self.item = item
        self.prefix = prefix
        self.runner = runner or _worker_runner(concurrency, cache_dir, engine or {})

    def __call__(self, batch: Any) -> Any:
        """Grade one batch (pyarrow Table, pandas DataFrame or dict of arrays)."""
        rows = _rows(batch)
        samples = [self._sample(row) for row in rows]
        items = [self._item(row) for row in rows]
        results = self.runner.grade_many(self.grader, samples, items) if rows else []
        return _with_columns(batch, self._columns(results))

    def _sample(self, row: Mapping[str, Any]) -> Any:
        if self.sample not in row:
            raise KeyError(f"no column {self.sample!r} for the sample; pass sample=<column>")
        return row[self.sample]

    def _item(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        if self.item is not None:
            value = row.get(self.item)
            return value if isinstance(value, Mapping) else {}
        return {key: value for key, value in row.items() if key != self.sample}

    def _columns(self, results: Sequence[GradeResult]) -> dict[str, list[Any]]:
        names = [self.prefix + name for name in RESULT_COLUMNS]
        values: list[list[Any]] = [
            [r.reward for r in results],
            [r.passed for r in results],
            [json.dumps(dict(r.errors)) for r in results],
            [json.dumps(r.to_dict()) for r in results],
        ]
        return dict(zip(names, values, strict=True))


def _worker_runner(concurrency: int, cache_dir: str | None, engine: Mapping[str, Any]) -> Runner:
    from graderkit._run.runner import Runner

    models = None
    if cache_dir is not None or engine:
        from graderkit._run.judge.engine import ModelEngine

        models = ModelEngine.from_env(cache_dir=cache_dir, concurrency=concurrency, **engine)
    return Runner(models=models, concurrency=concurrency)


def _rows(batch: Any) -> list[dict[str, Any]]:
    """Python rows from a pyarrow Table, a pandas DataFrame or a dict of numpy arrays."""
    if hasattr(batch, "to_pylist"):
        return list(batch.to_pylist())
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):
        return list(batch.to_dict("records"))
    if isinstance(batch, Mapping):
        columns = {k: (v.tolist() if hasattr(v, "tolist") else list(v)) for k, v in batch.items()}
        n = len(next(iter(columns.values()), []))
        return [{k: v[i] for k, v in columns.items()} for i in range(n)]
    raise TypeError(f"unsupported batch type {type(batch).__name__}")


def _with_columns(batch: Any, columns: Mapping[str, list[Any]]) -> Any:
    """The batch, in its own format, with ``columns`` added (or replaced)."""
    if hasattr(batch, "to_pylist"):
        with requires("graderkit.integrations.ray"):
            pa = importlib.import_module("pyarrow")  # untyped; Ray Data depends on it
        types = [pa.float64(), pa.bool_(), pa.string(), pa.string()]
        for (name, values), kind in zip(columns.items(), types, strict=True):
            array = pa.array(values, type=kind)
            if name in batch.column_names:
                batch = batch.set_column(batch.column_names.index(name), name, array)
            else:
                batch = batch.append_column(name, array)
        return batch
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):
        return batch.assign(**columns)
    with requires("graderkit.integrations.ray"):
        import numpy as np

    out = dict(batch)
    for index, (name, values) in enumerate(columns.items()):
        array = np.empty(len(values), dtype=np.float64 if index == 0 else object)
        array[:] = values
        out[name] = array
    return out
