"""The committed suites with GX's Spark engine (local[2]) find what the pandas engine finds.

One Spark session for the whole run (the ``spark`` fixture of conftest.py); the
seeded-defects tables of tests/published_tables.py are validated with both engines
through :func:`validate_published`, and the expectation findings must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from published_tables import (
    EXPECTED_DEFECTS,
    failures,
    run_script,
    seed_defects,
    valid_rows,
    write_published,
)

from evidence_kit.checks.published import validate_published
from evidence_kit.model.errors import Finding

pytestmark = pytest.mark.slow


def _summary(findings: list[Finding]) -> list[tuple[str, str | None, str, list[Any]]]:
    """EK501 findings without the order of their examples (Spark need not keep it)."""
    return sorted(
        (
            Path(f.file).name,
            f.field,
            f.message.split(", e.g.")[0],
            sorted(json.loads(f.actual or "[]"), key=json.dumps),
        )
        for f in findings
        if f.code == "EK501"
    )


def test_spark_finds_the_same_failing_expectations_as_pandas(spark: Any, tmp_path: Path) -> None:
    directory = write_published(tmp_path, seed_defects(valid_rows()))
    with_spark = validate_published(directory, engine="spark")
    assert spark.sparkContext.master == "local[2]"
    with_pandas = validate_published(directory, engine="pandas")
    assert failures(with_spark.findings) == EXPECTED_DEFECTS
    assert _summary(with_spark.findings) == _summary(with_pandas.findings)
    assert with_spark.stats == with_pandas.stats
    assert with_spark.stats["expectations"] > 150


def test_spark_is_not_started_at_import(tmp_path: Path) -> None:
    """Importing the package, the CLI and the validators must not start a JVM.

    Run as a script file, not ``python -c`` (pyspark can swallow a bare -c run).
    """
    imported = run_script(
        tmp_path,
        "import json, sys\n"
        "import evidence_kit.cli, evidence_kit.checks.expectations, evidence_kit.checks.published\n"
        "print(json.dumps({'pyspark': 'pyspark' in sys.modules,"
        " 'py4j': 'py4j' in sys.modules}))\n",
    )
    assert imported == {"pyspark": False, "py4j": False}
