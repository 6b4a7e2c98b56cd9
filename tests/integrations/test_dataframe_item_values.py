"""The non-JSON item value rule on pandas and pyarrow values (installed with the ray extra)."""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from graderkit._core.datasets.item_values import json_item

CONVERTED = [
    ("pandas Timestamp", pd.Timestamp("2026-01-06 09:30"), "2026-01-06T09:30:00"),
    ("pyarrow int", pa.scalar(3), 3),
    ("pyarrow timestamp", pa.scalar(datetime.datetime(2026, 1, 6)), "2026-01-06T00:00:00"),
    ("pyarrow list", pa.scalar([1, 2]), [1, 2]),
    ("pyarrow struct", pa.scalar({"at": datetime.date(2026, 1, 6)}), {"at": "2026-01-06"}),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in CONVERTED], ids=[c[0] for c in CONVERTED]
)
def test_dataframe_values_convert_to_json(value: Any, expected: Any) -> None:
    assert json_item({"v": value}) == {"v": expected}


def test_rows_of_a_pandas_frame_with_a_timestamp_column() -> None:
    frame = pd.DataFrame({"answer": ["4"], "created": [pd.Timestamp("2026-01-06")]})
    [row] = frame.to_dict("records")
    assert json_item(row) == {"answer": "4", "created": "2026-01-06T00:00:00"}
