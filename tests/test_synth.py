"""The synthetic generator: true offsets, the published layout, a truthful defect list."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from evidence_kit.cli import main
from evidence_kit.curation.provenance import Span, context, is_nfc, sha256_bytes
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CLAIM_KINDS
from evidence_kit.synth import ASSERTION_DEFECTS, synthesize

DATASET = Path(__file__).resolve().parent.parent / "dataset"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    synthesize(DATASET, out, 2500, seed=3)
    return out


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corrupted")
    synthesize(DATASET, out, 7000, seed=5, corrupt=0.02)
    return out


def test_layout_matches_the_published_schemas(clean: Path) -> None:
    for table in TABLES.values():
        schema = pq.read_schema(clean / "parquet" / table.file_name)
        assert [(f.name, f.type) for f in schema] == [(f.name, f.type) for f in table.schema]
    assert pq.read_metadata(clean / "parquet" / "assertions.parquet").num_rows == 2500
    assert pq.read_metadata(clean / "parquet" / "evidence.parquet").num_rows == 2500


def test_quotes_are_cut_from_their_texts(clean: Path) -> None:
    sources = pq.read_table(clean / "parquet" / "sources.parquet").to_pylist()
    texts = {}
    for source in sources:
        data = (clean / source["text_path"]).read_bytes()
        assert sha256_bytes(data) == source["sha256"]
        texts[source["source_id"]] = data.decode("utf-8")
    rows = pq.read_table(clean / "parquet" / "assertions.parquet").to_pylist()
    languages = {s["language"] for s in sources}
    assert {"vi", "sv", "zh-Hans"} <= languages
    for row in rows:
        text = texts[row["source_id"]]
        assert text[row["char_start"] : row["char_end"]] == row["quote"]
        assert context(text, Span(row["char_start"], row["char_end"])) == (
            row["prefix"],
            row["suffix"],
        )
        assert is_nfc(row["quote"]) and row["quote"] == row["quote"].strip()
        assert row["assertion_id"].startswith(row["source_id"] + "-")
    assert len({r["assertion_id"] for r in rows}) == len(rows)


def test_claims_use_the_closed_kinds_and_are_all_supported(clean: Path) -> None:
    claims = pq.read_table(clean / "parquet" / "claims.parquet").to_pylist()
    assertions = pq.read_table(
        clean / "parquet" / "assertions.parquet", columns=["claim_id", "status"]
    )
    used = {c for c, s in zip(*assertions.to_pydict().values(), strict=True) if s == "active"}
    assert {c["kind"] for c in claims} <= set(CLAIM_KINDS)
    assert len({c["kind"] for c in claims}) >= 6
    assert {c["claim_id"] for c in claims} == used


def test_defects_file_lists_every_seeded_kind(corrupted: Path) -> None:
    defects = json.loads((corrupted / "defects.json").read_text("utf-8"))
    codes = Counter((d["table"], d["code"]) for d in defects)
    for _, code in ASSERTION_DEFECTS:
        assert ("assertions", code) in codes
    assert {("sources", "EK401"), ("sources", "EK209"), ("claims", "EK304")} <= set(codes)
    assert {("evidence", "EK201"), ("evidence", "EK203"), ("evidence", "EK301")} <= set(codes)
    assert all(d["row"] is None or d["row"] >= 1 for d in defects)


def test_same_seed_same_data(tmp_path: Path) -> None:
    a = synthesize(DATASET, tmp_path / "a", 1200, seed=9, corrupt=0.02)
    b = synthesize(DATASET, tmp_path / "b", 1200, seed=9, corrupt=0.02)
    assert a["defects"] == b["defects"]
    for name in ("defects.json",):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()
    ta = pq.read_table(tmp_path / "a" / "parquet" / "assertions.parquet")
    tb = pq.read_table(tmp_path / "b" / "parquet" / "assertions.parquet")
    assert ta.equals(tb)


def test_cli_prints_the_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["synth", "--assertions", "800", "--out", str(tmp_path / "s"), str(DATASET)],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["assertions"] == 800 and summary["defects"] == 0
    assert (tmp_path / "s" / "parquet" / "evidence.parquet").is_file()
