"""graderkit._core.metrics.similarity: the table of local metrics, and a light import."""

from __future__ import annotations

import subprocess
import sys

from graderkit._core.metrics.similarity import LOCAL_METRICS, METRIC_NAMES


def test_every_metric_but_meteor_and_cosine_is_local() -> None:
    assert set(LOCAL_METRICS) == set(METRIC_NAMES) - {"meteor", "cosine"}


def test_metrics_return_floats() -> None:
    for metric in LOCAL_METRICS.values():
        assert isinstance(metric("the cat", "the cat sat"), float)


def test_import_does_not_load_heavy_libraries() -> None:
    code = (
        "import sys, graderkit._core.metrics.similarity, graderkit._core.metrics.meteor\n"
        "print(sorted(m for m in ('nltk', 'rouge_score', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
