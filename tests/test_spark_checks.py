"""Differential test: every row-level check run as Spark jobs finds exactly what the fast
path finds (:mod:`evidence_kit.checks.sparkcheck` against :mod:`evidence_kit.checks.fastcheck`).

Seeded synthetic data (evidence_kit.synth, defects of every kind), fuzzed cells (nulls,
wrong bounds, patterns, value sets, NFD and white-space quotes in nullable columns), and
missing columns; one shared local[2] session (conftest ``spark``).  Kept small: Spark's
cost here is per job, not per row (about 10 s a run on two cores).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from test_differential import DATASET, _fuzz

from evidence_kit.checks.fastcheck import check_published as fast_check
from evidence_kit.synth import synthesize

pytestmark = pytest.mark.slow


def _both(spark: Any, parquet: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from evidence_kit.checks.sparkcheck import check_published as spark_check

    fast = [f.model_dump() for f in fast_check(parquet)]
    with_spark = [f.model_dump() for f in spark_check(parquet, spark)]
    return fast, with_spark


def test_seeded_defects_identical_with_spark(spark: Any, tmp_path: Path) -> None:
    synthesize(DATASET, tmp_path, 8000, seed=21, corrupt=0.03)
    fast, with_spark = _both(spark, tmp_path / "parquet")
    assert len(fast) > 150
    codes = {f["code"] for f in fast}
    assert {"EK202", "EK205", "EK206", "EK301", "EK302", "EK403"} <= codes, codes
    assert with_spark == fast


def test_fuzzed_cells_and_missing_columns_identical_with_spark(spark: Any, tmp_path: Path) -> None:
    synthesize(DATASET, tmp_path, 2500, seed=31, corrupt=0.01)
    rng = np.random.default_rng(7)
    parquet = tmp_path / "parquet"
    for name in ("sources", "claims", "assertions", "evidence"):
        _fuzz(parquet / f"{name}.parquet", rng, cells=4 if name == "sources" else 80)
    path = parquet / "claims.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["notes"]), path)
    fast, with_spark = _both(spark, parquet)
    assert fast
    assert with_spark == fast


def test_a_finding_cap_is_counted_the_same_with_spark(spark: Any, tmp_path: Path) -> None:
    """More than ``limit`` failures in one column: the first are listed, the rest counted."""
    from evidence_kit.checks.sparkcheck import check_published as spark_check

    synthesize(DATASET, tmp_path, 600, seed=3, corrupt=0.0)
    parquet = tmp_path / "parquet"
    work = tmp_path / "copy"
    shutil.copytree(parquet, work)
    path = work / "assertions.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index("extraction_confidence")
    table = table.set_column(index, table.schema.field(index), [[1.5] * table.num_rows])
    pq.write_table(table, path)
    fast = [f.model_dump() for f in fast_check(work, limit=50)]
    with_spark = [f.model_dump() for f in spark_check(work, spark, limit=50)]
    assert sum(f["code"] == "EK204" for f in fast) == 50
    assert any(f["code"] == "EK502" for f in fast)
    assert with_spark == fast
