"""`evidence-kit build`: the published contract, determinism, atomicity, freshness."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from publish_data import COUNTS, set_version, snapshot, write_synthetic_dataset

from evidence_kit.cli import main
from evidence_kit.curation.certainty import assess
from evidence_kit.curation.validator import load_dataset
from evidence_kit.model.errors import EvidenceKitError
from evidence_kit.model.fields import SCHEMA_VERSION
from evidence_kit.model.tables import (
    CLAIM_FIELDS,
    EVIDENCE_COPIES,
    EVIDENCE_SOURCE_DROP,
    PUBLISHED_DOCUMENTS,
    PUBLISHED_IMAGES,
    SOURCE_FIELDS,
    TABLES,
)
from evidence_kit.publishing import build as publish
from evidence_kit.publishing import layout
from evidence_kit.publishing.metadata import read_release

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    return root


def read(root: Path, name: str) -> pa.Table:
    return pq.read_table(root / "parquet" / f"{name}.parquet")


# --------------------------------------------------------------------------- contract


def test_build_writes_every_table_with_its_exact_schema(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    result = publish.build(root)
    assert result.rows == COUNTS
    assert result.directory == root / "parquet"
    assert result.input_hash == publish.input_hash(root)
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(
        t.file_name for t in TABLES.values()
    )
    for name, table in TABLES.items():
        schema = pq.read_schema(root / "parquet" / table.file_name)
        assert schema.remove_metadata().equals(table.schema, check_metadata=True), name
        assert all(f.metadata and f.metadata[b"description"] for f in schema), name
        assert pq.read_metadata(root / "parquet" / table.file_name).num_rows == COUNTS[name]
    assert not list(root.glob(".build-*")), "staging directory left behind"


def test_key_value_metadata_names_versions_and_input_hash(built: Path) -> None:
    release = read_release(built)
    for name, table in TABLES.items():
        path = built / "parquet" / table.file_name
        metadata = publish.read_metadata(path)
        assert sorted(metadata) == sorted(publish.DATASET_KEYS)
        assert metadata["evidence_kit.table"] == name
        assert metadata["evidence_kit.row_count"] == str(COUNTS[name])
        assert metadata["evidence_kit.dataset_version"] == release.version
        assert metadata["evidence_kit.schema_version"] == SCHEMA_VERSION
        assert metadata["evidence_kit.input_hash"] == publish.input_hash(built)
        raw = pq.read_metadata(path).metadata
        assert b"pandas" not in raw, "pandas index metadata must not be written"


def test_files_are_sorted_zstd_and_dictionary_encoded(built: Path) -> None:
    for name, table in TABLES.items():
        path = built / "parquet" / table.file_name
        arrow = pq.read_table(path)
        keys = [tuple(r[k] for k in table.primary_key) for r in arrow.to_pylist()]
        assert keys == sorted(keys), f"{name} is not sorted by its primary key"
        meta = pq.ParquetFile(path).metadata
        for group in range(meta.num_row_groups):
            for column in range(meta.num_columns):
                chunk = meta.row_group(group).column(column)
                assert chunk.compression == "ZSTD"
                assert chunk.is_stats_set
                dictionary = "RLE_DICTIONARY" in chunk.encodings
                categorical = chunk.path_in_schema in table.categorical
                assert dictionary == categorical, (name, chunk.path_in_schema)
        for column in table.categorical:
            assert pa.types.is_dictionary(arrow.schema.field(column).type)


def test_rows_carry_the_curated_values_and_the_certainty_rule(built: Path) -> None:
    dataset = load_dataset(built)
    claims = {r["claim_id"]: r for r in read(built, "claims").to_pylist()}
    combination = claims["c-mn-vitc-acne-scars"]
    assert combination["co_interventions"] == ["topical_vitamin_c"]
    assert combination["severity_grades"] == [2, 3]
    assert combination["object_icd10cm"] == "L90.5"
    assert claims["c-mn-treats-acne-scars"]["outcomes"] == ["skin_evenness"]
    assert claims["c-mn-definition"]["synonyms"] == ["collagen induction therapy", "dermarolling"]
    assert claims["c-mn-stimulates-collagen"]["object_label"] == "collagen production"
    cost = claims["c-mn-cost-cny"]
    assert (cost["amount_min"], cost["currency"], cost["cost_unit"]) == (
        800.0,
        "CNY",
        "per_session",
    )
    assert claims["c-mn-causes-scarring"]["status"] == "retracted"
    for claim_id, row in claims.items():
        expected = assess(
            [a for a in dataset.assertions.values() if a.claim_id == claim_id], dataset.sources
        )
        assert row["certainty"] == expected.certainty
        assert row["confidence"] == expected.confidence
        assert row["confidence_rationale"] == expected.rationale
        assert (row["n_sources"], row["n_works"]) == (expected.n_sources, expected.n_works)
    # the Indonesian page translates the Swedish one: two sources, one work
    collagen = claims["c-mn-stimulates-collagen"]
    assert (collagen["n_sources"], collagen["n_works"]) == (2, 1)
    sources = {r["source_id"]: r for r in read(built, "sources").to_pylist()}
    assert sources["s000"]["cited_dois"] == ["10.4103/0974-2077.150742"]
    assert sources["s000"]["cites_literature"] and not sources["s000"]["commercial_interest"]
    assert sources["s002"]["published_date"].isoformat() == "2025-07-12"
    assert sources["s003"]["status"] == "retracted"
    assertions = {r["assertion_id"]: r for r in read(built, "assertions").to_pylist()}
    first = assertions["s000-001"]
    text = (built / "texts" / sources["s000"]["source_file"]).read_text("utf-8")
    assert text[first["char_start"] : first["char_end"]] == first["quote"]
    assert first["prefix"] == ""


def test_evidence_is_assertions_joined_with_claims_and_sources(built: Path) -> None:
    evidence = read(built, "evidence").to_pylist()
    claims = {r["claim_id"]: r for r in read(built, "claims").to_pylist()}
    sources = {r["source_id"]: r for r in read(built, "sources").to_pylist()}
    assertions = read(built, "assertions").to_pylist()
    assert [r["assertion_id"] for r in evidence] == [r["assertion_id"] for r in assertions]
    for row, assertion in zip(evidence, assertions, strict=True):
        assert {k: row[k] for k in assertion} == assertion
        parents = {"claims": claims[row["claim_id"]], "sources": sources[row["source_id"]]}
        for new, (table, old, _) in EVIDENCE_COPIES.items():
            if table != "assertions":
                assert row[new] == parents[table][old], new
    for table, fields, skip in (
        ("claims", CLAIM_FIELDS, {"claim_id"}),
        ("sources", SOURCE_FIELDS, EVIDENCE_SOURCE_DROP),
    ):
        copied = {old for t, old, _ in EVIDENCE_COPIES.values() if t == table}
        assert {f.name for f in fields} - skip == copied
    assert evidence[0]["source_file"] == sources[evidence[0]["source_id"]]["source_file"]


def test_a_resolved_doi_is_only_on_the_assertions_that_cite_it(built: Path) -> None:
    """The curators' resolution of a reference travels with the assertions citing it, and is
    never copied onto every row of the source."""
    evidence = read(built, "evidence").to_pylist()
    citing = [r for r in evidence if r["cited_reference_ids"]]
    assert citing, "the fixture cites a reference"
    for row in evidence:
        if row["cited_reference_ids"]:
            assert row["cited_dois"] == ["10.4103/0974-2077.150742"]
            [resolution] = row["citation_resolutions"]
            assert "resolved by evidence-kit test suite" in resolution
        else:
            assert row["cited_dois"] == [] and row["citation_resolutions"] == []
    assert not {"source_cited_dois", "source_cited_references", "cited_dois_source"} & set(
        read(built, "evidence").schema.names
    )


def test_pandas_pyarrow_duckdb_and_polars_read_the_same_rows(built: Path) -> None:
    for name, table in TABLES.items():
        path = built / "parquet" / table.file_name
        counts = {
            "pyarrow": pq.read_table(path).num_rows,
            "pandas": len(pd.read_parquet(path)),
            "duckdb": duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0],
            "polars": pl.read_parquet(path).height,
        }
        assert set(counts.values()) == {COUNTS[name]}, (name, counts)
    frame = pd.read_parquet(built / "parquet" / "claims.parquet")
    assert isinstance(frame["certainty"].dtype, pd.CategoricalDtype)
    assert frame.index.equals(pd.RangeIndex(len(frame)))


# --------------------------------------------------------------------------- determinism


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = write_synthetic_dataset(tmp_path / "one")
    publish.build(first)
    once = snapshot(first)
    publish.build(first)
    assert snapshot(first) == once
    second = write_synthetic_dataset(tmp_path / "elsewhere" / "two")
    publish.build(second)
    assert snapshot(second) == once, "the output depends on where the dataset lives"
    # the tables, the documents, the evidence map and SHA256SUMS, all byte-identical
    assert len(once) == len(TABLES) + len(PUBLISHED_DOCUMENTS) + len(PUBLISHED_IMAGES) + 1


def test_input_hash_covers_paths_and_bytes_of_every_curation_input(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    files = {p.relative_to(root).as_posix() for p in publish.input_files(root)}
    assert "sources.yaml" in files and "claims.yaml" in files
    assert {"assertions/s000.yaml", "vocabularies/outcomes.yaml", "texts/000_syn_sv.txt"} <= files
    assert "release.yaml" not in files
    before = publish.input_hash(root)
    publish.build(root)
    assert publish.input_hash(root) == before, "outputs must not feed the input hash"
    text = root / "texts" / "003_syn_en.txt"
    data = text.read_bytes()
    text.write_bytes(data + b" ")
    assert publish.input_hash(root) != before
    text.write_bytes(data)
    assert publish.input_hash(root) == before
    text.rename(root / "texts" / "003_syn_en2.txt")
    assert publish.input_hash(root) != before


def test_a_changed_input_is_published(built: Path) -> None:
    before = snapshot(built)
    claims = built / "claims.yaml"
    claims.write_text(
        claims.read_text("utf-8").replace("causes redness.", "causes redness!"), "utf-8"
    )
    set_version(built, "0.2.1")  # the built release is frozen: new content is a new release
    publish.build(built)
    after = snapshot(built)
    assert after["parquet/claims.parquet"] != before["parquet/claims.parquet"]
    assert after["parquet/sources.parquet"] != before["parquet/sources.parquet"]  # new hash
    statements = read(built, "claims").column("statement").to_pylist()
    assert "Microneedling causes redness!" in statements


# --------------------------------------------------------------------------- atomicity


def test_invalid_input_fails_and_leaves_the_published_files_untouched(built: Path) -> None:
    before = snapshot(built)
    claims = built / "claims.yaml"
    claims.write_text(
        claims.read_text("utf-8").replace('"c-mn-definition"', '"c-mn-schedule"'), "utf-8"
    )
    with pytest.raises(EvidenceKitError) as caught:
        publish.build(built)
    assert any(f.code == "EK301" for f in caught.value.findings)
    result = CliRunner().invoke(main, ["build", str(built)])
    assert result.exit_code == 1
    assert "EK301" in result.output
    assert snapshot(built) == before
    assert not list(built.glob(".published/.build-*"))


def test_an_exception_while_writing_leaves_the_published_files_untouched(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(built)
    (built / "claims.yaml").write_text(
        (built / "claims.yaml").read_text("utf-8").replace("redness.", "redness!"), "utf-8"
    )
    real = publish.write_parquet
    written: list[str] = []

    def fail_on_third(arrow: pa.Table, path: Path, table: object) -> None:
        if len(written) == 2:
            raise OSError("disk full")
        real(arrow, path, table)  # type: ignore[arg-type]
        written.append(path.name)

    monkeypatch.setattr(publish, "write_parquet", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        publish.build(built)
    assert written == ["sources.parquet", "claims.parquet"]
    assert snapshot(built) == before
    assert not list(built.glob(".published/.build-*"))


def test_a_failure_at_the_pointer_switch_keeps_the_previous_release(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(built)
    (built / "claims.yaml").write_text(
        (built / "claims.yaml").read_text("utf-8").replace("redness.", "redness!"), "utf-8"
    )
    set_version(built, "0.2.1")  # the built release is frozen: new content is a new release
    real = os.replace
    calls: list[str] = []

    def fail_switch(src: str | Path, dst: str | Path) -> None:
        calls.append(Path(dst).name)
        if Path(dst).name == layout.CURRENT:
            raise OSError("interrupted")
        real(src, dst)

    monkeypatch.setattr(layout.os, "replace", fail_switch)
    with pytest.raises(OSError, match="interrupted"):
        publish.build(built)
    assert calls == [layout.CURRENT]
    assert snapshot(built) == before
    assert not (built / "releases" / "0.2.1").exists(), "an unpublished build is not frozen"
    assert not list(built.glob(".build-*"))
    monkeypatch.undo()
    publish.build(built)  # the next build cleans up what the failed one left
    assert snapshot(built) != before
    assert [p.name for p in (built / layout.RELEASES).iterdir()] == [
        Path(os.readlink(built / layout.CURRENT)).name
    ]


# --------------------------------------------------------------------------- freshness


def test_committed_dataset_equals_a_fresh_build(tmp_path: Path) -> None:
    """The committed dataset/parquet (and metadata) must be what `build` makes now."""
    source = REPO / "dataset"
    copy = tmp_path / "dataset"
    copy.mkdir()
    inputs = [p.relative_to(source) for p in publish.input_files(source)]
    for relative in [*inputs, Path("release.yaml")]:
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, copy / relative)
    publish.build(copy)
    fresh, committed = snapshot(copy), snapshot(source)
    stale = sorted(n for n in fresh.keys() | committed.keys() if fresh.get(n) != committed.get(n))
    hint = "rebuild with `.venv/bin/evidence-kit build dataset` and commit the result"
    if any(n.endswith(".parquet") for n in stale):
        created_by = {pq.read_metadata(copy / "parquet" / "claims.parquet").created_by}
        committed_claims = source / "parquet" / "claims.parquet"
        if committed_claims.is_file():
            created_by.add(pq.read_metadata(committed_claims).created_by)
        hint += f" (Parquet writers: {sorted(created_by)})"
    assert not stale, f"dataset/ is out of date: {stale}; {hint}"
