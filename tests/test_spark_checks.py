"""Differential test: every row-level check run as Spark jobs finds exactly what the fast
path finds (:mod:`evidence_kit.checks.sparkcheck` against :mod:`evidence_kit.checks.fastcheck`),
and, on the vocabulary tables, the references into them and list elements, exactly what
the fast path and the record path (:mod:`evidence_kit.checks.recordcheck`) find.

Seeded synthetic data (evidence_kit.synth, defects of every kind, the vocabulary defects
behind ``vocabulary_defects=True``), fuzzed cells (nulls, wrong bounds, patterns, value
sets, NFD and white-space quotes in nullable columns), and missing columns; one shared
local[2] session (conftest ``spark``).  Kept small: Spark's cost here is per job, not per
row (a few seconds a run on two cores).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from test_differential import DATASET, _fuzz, fuzz_vocabularies_and_lists

from evidence_kit.checks.fastcheck import check_published as fast_check
from evidence_kit.checks.recordcheck import check_published_records
from evidence_kit.model.references import REFERENCES
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES
from evidence_kit.synth import synthesize

pytestmark = pytest.mark.slow


def _both(spark: Any, parquet: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from evidence_kit.checks.sparkcheck import check_published as spark_check

    fast = [f.model_dump() for f in fast_check(parquet)]
    with_spark = [f.model_dump() for f in spark_check(parquet, spark)]
    return fast, with_spark


@pytest.fixture(params=["small files", "cached files"])
def cached(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways the Spark engine takes a table: files up to ``SMALL_ROWS`` rows read again
    by each job, larger ones cached once (here every file), with their marked rows
    counted by Spark and collected per check past ``COLLECT_ROWS`` (here 10)."""
    from evidence_kit.checks import sparkcheck, sparkfindings

    if request.param == "cached files":
        monkeypatch.setattr(sparkcheck, "SMALL_ROWS", 0)
        monkeypatch.setattr(sparkfindings, "COLLECT_ROWS", 10)
    return bool(request.param == "cached files")


def test_seeded_defects_identical_with_spark(spark: Any, tmp_path: Path, cached: bool) -> None:
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
    for name in TABLES:
        cells = 80 if name in ("claims", "assertions", "evidence") else 4
        _fuzz(parquet / TABLES[name].file_name, rng, cells=cells)
    path = parquet / "claims.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["notes"]), path)
    fast, with_spark = _both(spark, parquet)
    assert fast
    assert with_spark == fast


def test_a_finding_cap_is_counted_the_same_with_spark(
    spark: Any, tmp_path: Path, cached: bool
) -> None:
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


def _spark_and_records(spark: Any, parquet: Path) -> tuple[list[dict[str, Any]], ...]:
    """Spark's findings and the record path's, once the fast path's equal Spark's."""
    fast, with_spark = _both(spark, parquet)
    assert with_spark == fast
    return with_spark, [f.model_dump() for f in check_published_records(parquet)]


def test_vocabulary_defects_identical_with_spark_and_records(spark: Any, tmp_path: Path) -> None:
    """The vocabulary tables and the claims' references into them (subject, object_id,
    each element of co_interventions and outcomes) and list elements: Spark finds what
    the record path finds, every seeded defect among them."""
    synthesize(DATASET, tmp_path, 3000, seed=21, corrupt=0.02, vocabulary_defects=True)
    with_spark, records = _spark_and_records(spark, tmp_path / "parquet")
    assert with_spark == records
    found = {(Path(f["file"]).stem, f["line"], f["field"], f["code"]) for f in with_spark}
    seeded = json.loads((tmp_path / "defects.json").read_text("utf-8"))
    touched = {r.column for r in REFERENCES["claims"]} | {"synonyms"}
    vocabulary = [
        d
        for d in seeded
        if d["table"] in VOCABULARY_TABLES or (d["table"] == "claims" and d["column"] in touched)
    ]
    assert len(vocabulary) == 9, vocabulary
    for d in vocabulary:
        assert (d["table"], d["row"], d["column"], d["code"]) in found, d


def test_fuzzed_vocabularies_and_list_elements_identical_with_records(
    spark: Any, tmp_path: Path
) -> None:
    synthesize(DATASET, tmp_path / "base", 2500, seed=31)
    parquet = fuzz_vocabularies_and_lists(tmp_path / "base", tmp_path / "work", seed=4)
    with_spark, records = _spark_and_records(spark, parquet)
    assert {"EK206", "EK302"} <= {f["code"] for f in records}
    assert with_spark == records


def test_the_quote_screen_flags_what_the_declared_pattern_matches(spark: Any) -> None:
    """``quote_suspect`` (translate over the declared characters) flags exactly the quotes
    the fast path's screen flags (QUOTE_SUSPECT through RE2): edge white space of every
    kind, NFC doubt in and out of the basic plane; nothing else."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyspark.sql import functions as F

    from evidence_kit.checks.sparklinks import quote_suspect
    from evidence_kit.model.columnrules import NFC_SUSPECT_CODES, QUOTE_SUSPECT, SPACE_CODES

    quotes = ["plain", "Việt Nam", "中文引文", "", "x", "e\u0301", "a\U0002f800", "\U0001f600!"]
    spaces, suspects = [chr(c) for c in SPACE_CODES], [chr(c) for c in NFC_SUSPECT_CODES]
    quotes += [f"{space}edge" for space in spaces] + [f"edge{space}" for space in spaces]
    quotes += [f"mid{space}dle" for space in spaces]
    quotes += [f"in{c}side" for c in suspects[::37]] + [suspects[-1]]
    frame = spark.createDataFrame([(q,) for q in quotes], "quote string")
    flagged = {r[0] for r in frame.filter(quote_suspect(F.col("quote"))).collect()}
    screened = pc.match_substring_regex(pa.array(quotes), QUOTE_SUSPECT).to_pylist()
    assert flagged == {q for q, hit in zip(quotes, screened, strict=True) if hit}
    assert {"\u3000edge", "e\u0301", "a\U0002f800"} <= flagged
    assert not {"plain", "Việt Nam", "中文引文", "mid dle"} & flagged


@pytest.mark.parametrize("missing", ["claims", "assertions", "interventions"])
def test_a_missing_table_gives_the_same_findings_with_spark(
    spark: Any, tmp_path: Path, missing: str
) -> None:
    """Without claims no claim reference is judged (repeated quotes still are); without
    assertions every active claim is an orphan; without a vocabulary table the references
    into it are not judged: Spark agrees with the record path (and, but for the missing
    vocabulary file, which the fast path does not open, with the fast path)."""
    synthesize(DATASET, tmp_path, 1500, seed=24, corrupt=0.02)
    (tmp_path / "parquet" / TABLES[missing].file_name).unlink()
    with_spark, records = _spark_and_records(spark, tmp_path / "parquet")
    assert any(f["code"] == "EK101" for f in records)
    assert with_spark == records
    if missing not in VOCABULARY_TABLES:
        assert with_spark == [f.model_dump() for f in fast_check(tmp_path / "parquet")]


def test_the_driver_script_writes_json_lines_and_exits_1_on_errors(
    spark: Any, tmp_path: Path
) -> None:
    """``python -m evidence_kit.checks.sparkcheck DIR --out FILE`` (what spark-submit runs):
    one finding per line, the record path's, and exit 1 when any is an error."""
    from evidence_kit.checks.sparkcheck import main

    synthesize(DATASET, tmp_path, 600, seed=8, corrupt=0.02, vocabulary_defects=True)
    out = tmp_path / "findings.jsonl"
    assert main([str(tmp_path / "parquet"), "--out", str(out)]) == 1
    written = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    records = [f.model_dump(mode="json") for f in check_published_records(tmp_path / "parquet")]
    assert written == records
    assert any(f["code"] == "EK302" and f["field"] == "subject" for f in written)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("assertions", "quote_en"),  # required, read by no cross-record check
        ("assertions", "hedge_cue"),  # read by a record rule: no cross-record checks
        ("interventions", "intervention_id"),  # a referenced key: its references unchecked
        ("claims", "co_interventions"),  # a list reference
    ],
)
def test_a_missing_column_gives_the_same_findings_with_spark(
    spark: Any, tmp_path: Path, table: str, column: str
) -> None:
    synthesize(DATASET, tmp_path, 500, seed=5, corrupt=0.03, vocabulary_defects=True)
    path = tmp_path / "parquet" / TABLES[table].file_name
    pq.write_table(pq.read_table(path).drop_columns([column]), path)
    fast, with_spark = _both(spark, tmp_path / "parquet")
    assert any(f["code"] == "EK202" and f["field"] == column for f in fast)
    assert with_spark == fast


def test_100k_seeded_assertions_identical_with_spark(spark: Any, tmp_path: Path) -> None:
    """The issue's scale for CI: 100k assertions (5k claims, 100 sources, every table large
    enough to be cached), defects of every kind seeded, the vocabulary ones included."""
    synthesize(DATASET, tmp_path, 100_000, seed=41, corrupt=0.002, vocabulary_defects=True)
    fast, with_spark = _both(spark, tmp_path / "parquet")
    seeded = json.loads((tmp_path / "defects.json").read_text("utf-8"))
    assert len(fast) >= len(seeded) > 150
    assert with_spark == fast


def test_a_damaged_data_page_is_a_located_error_with_spark(spark: Any, tmp_path: Path) -> None:
    """Spark meets a page that does not decode as a Java error; the engine names the file
    (EK560), as the fast path does, instead of passing the stack trace on."""
    from test_tamper import _corrupt

    from evidence_kit.checks.sparkcheck import check_published as spark_check
    from evidence_kit.model.errors import EvidenceKitError

    synthesize(DATASET, tmp_path, 500, seed=5)
    _corrupt(tmp_path / "parquet" / "assertions.parquet", "quote", "page")
    with pytest.raises(EvidenceKitError) as caught:
        spark_check(tmp_path / "parquet", spark)
    [finding] = caught.value.findings
    assert finding.code == "EK560" and finding.file.endswith("assertions.parquet")
