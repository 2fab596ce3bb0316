"""Contract v2 from every installed reader: list columns read as lists, certainty in order.

Each test reads the committed release (``dataset/parquet``) with one reader and is
skipped only when that reader is not installed (PySpark also when no Java starts).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import evidence_kit
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CERTAINTY_ORDER

DATA = Path(__file__).resolve().parent.parent / "dataset" / "parquet"
CLAIMS = str(DATA / "claims.parquet")
LIST_COLUMNS = {
    name: [f.name for f in t.schema if pa.types.is_list(f.type)] for name, t in TABLES.items()
}


def test_the_contract_declares_lists_and_an_ordered_certainty() -> None:
    claims = TABLES["claims"].schema
    for column in ("co_interventions", "outcomes", "synonyms"):
        assert claims.field(column).type == pa.list_(pa.string())
    assert claims.field("severity_grades").type == pa.list_(pa.int32())
    assert claims.field("certainty").type.ordered
    assert TABLES["evidence"].ordinals == {"claim_certainty": CERTAINTY_ORDER}
    assert {"interventions", "conditions", "outcomes"} <= set(TABLES)
    for name in TABLES["evidence"].schema.names[len(TABLES["assertions"].schema) :]:
        assert name.startswith(("claim_", "source_")), name


def test_pyarrow_keeps_every_level_in_order() -> None:
    table = pq.read_table(CLAIMS)
    certainty = table.column("certainty")
    assert certainty.type.ordered
    assert certainty.chunk(0).dictionary.to_pylist() == list(CERTAINTY_ORDER)
    grades = table.column("severity_grades").to_pylist()
    assert any(g == [2, 3, 4] for g in grades) or all(isinstance(g, list) for g in grades)
    assert all(isinstance(v, list) for v in table.column("co_interventions").to_pylist())


def test_pandas_load_gives_ordered_categoricals_and_lists() -> None:
    claims = evidence_kit.load("claims")
    dtype = claims["certainty"].dtype
    assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
    assert list(dtype.categories) == list(CERTAINTY_ORDER)
    ranked = claims.sort_values("certainty")["certainty_rank"].tolist()
    assert ranked == sorted(ranked)
    assert claims["certainty"].max() == CERTAINTY_ORDER[max(claims["certainty_rank"]) - 1]
    assert all(isinstance(v, list) for v in claims["co_interventions"])
    assert claims["n_sources"].dtype == pd.Int32Dtype()
    assert claims.attrs["evidence_kit"]["schema_version"] == "2.0.0"
    evidence = evidence_kit.load("evidence")
    assert evidence["claim_certainty"].dtype.ordered


def test_duckdb_reads_lists_and_orders_by_rank() -> None:
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        f"SELECT certainty, certainty_rank, co_interventions FROM '{CLAIMS}' "
        "ORDER BY certainty_rank"
    ).fetchall()
    ranks = [r[1] for r in rows]
    assert ranks == sorted(ranks)
    assert all(CERTAINTY_ORDER[rank - 1] == certainty for certainty, rank, _ in rows)
    assert all(isinstance(r[2], list) for r in rows)
    n = duckdb.sql(
        f"SELECT count(*) FROM (SELECT unnest(co_interventions) AS i FROM '{CLAIMS}') "
        f"WHERE i NOT IN (SELECT intervention_id FROM '{DATA / 'interventions.parquet'}')"
    ).fetchall()
    assert n == [(0,)]


def test_polars_reads_lists_and_ordered_certainty() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(CLAIMS)
    assert frame.schema["co_interventions"] == pl.List(pl.String)
    assert frame.schema["severity_grades"] == pl.List(pl.Int32)
    ordered = frame.with_columns(pl.col("certainty").cast(pl.Enum(list(CERTAINTY_ORDER))))
    ranks = ordered.sort("certainty")["certainty_rank"].to_list()
    assert ranks == sorted(ranks)


def test_hf_datasets_reads_lists() -> None:
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_parquet(CLAIMS)
    assert isinstance(data[0]["co_interventions"], list)
    assert isinstance(data[0]["severity_grades"], list)
    levels = data.features["certainty"]
    names = getattr(levels, "names", None)
    if names is not None:  # a ClassLabel keeps the dictionary's level order
        assert list(names) == list(CERTAINTY_ORDER)
    ranks = [r for _, r in sorted(zip(data["certainty"], data["certainty_rank"], strict=True))]
    assert all(1 <= r <= 4 for r in ranks)


@pytest.mark.slow
def test_pyspark_reads_lists_and_orders_by_rank() -> None:
    pytest.importorskip("pyspark")
    from evidence_kit.checks.expectations import spark_session

    spark = spark_session()
    frame = spark.read.parquet(CLAIMS)
    types = dict(frame.dtypes)
    assert types["co_interventions"] == "array<string>"
    assert types["severity_grades"] == "array<int>"
    rows = frame.orderBy("certainty_rank").select("certainty", "certainty_rank").collect()
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    assert all(CERTAINTY_ORDER[r[1] - 1] == r[0] for r in rows)
