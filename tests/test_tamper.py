"""Every published file and column is covered: a tampered file fails validate --published
even when SHA256SUMS is regenerated to match (issue #10, class 4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from publish_data import write_synthetic_dataset

from evidence_kit.model.tables import EVIDENCE_COPIES, EVIDENCE_FIELDS, TABLES
from evidence_kit.publishing import build as publish
from evidence_kit.publishing.metadata import render_checksums


@pytest.fixture
def ds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    monkeypatch.chdir(tmp_path)
    return Path("ds")


def resum(root: Path) -> None:
    """What an attacker does after editing: regenerate SHA256SUMS to match."""
    sums = root / "SHA256SUMS"
    text = render_checksums(root)
    sums.unlink()
    sums.write_text(text, "utf-8")


def rewrite(path: Path, table: pa.Table) -> None:
    path.unlink()
    pq.write_table(table, path)


def codes(result: Result) -> set[str]:
    return {line.split()[2] for line in result.output.splitlines() if " error EK" in line}


def check(cli: Callable[..., Result], root: Path) -> Result:
    result = cli("validate", "--published", str(root / "parquet"))
    assert result.exit_code == 1
    return result


def test_every_evidence_column_is_declared_as_a_copy_or_the_key() -> None:
    assert set(EVIDENCE_COPIES) | {"assertion_id"} == {f.name for f in EVIDENCE_FIELDS}


def test_a_changed_quote_in_evidence_fails_after_resumming(
    ds: Path, cli: Callable[..., Result]
) -> None:
    path = ds / "parquet" / "evidence.parquet"
    table = pq.read_table(path)
    quotes = table.column("quote").to_pylist()
    quotes[0] = quotes[0] + " (edited)"
    table = table.set_column(table.schema.get_field_index("quote"), table.schema.field("quote"),
                             pa.array(quotes, pa.string()))  # fmt: skip
    rewrite(path, table)
    resum(ds)
    result = check(cli, ds)
    assert "ds/parquet/evidence.parquet:1: error EK562" in result.output
    assert "[quote]" in result.output


@pytest.mark.parametrize("column", ["quote_en", "claim_statement", "source_url", "source_language"])
def test_a_changed_copied_column_fails(ds: Path, cli: Callable[..., Result], column: str) -> None:
    assert column in EVIDENCE_COPIES, f"{column} is not an evidence column"
    path = ds / "parquet" / "evidence.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index(column)
    values = pc.cast(table.column(column), pa.string()).to_pylist()
    values[-1] = "tampered"
    field = table.schema.field(column)
    new = pa.array(values, pa.string()).cast(field.type)
    rewrite(path, table.set_column(index, field, new))
    resum(ds)
    assert "EK562" in codes(check(cli, ds))


def test_changed_key_value_metadata_fails(ds: Path, cli: Callable[..., Result]) -> None:
    path = ds / "parquet" / "claims.parquet"
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    meta[b"evidence_kit.dataset_version"] = b"9.9.9"
    meta[b"evidence_kit.row_count"] = b"1"
    rewrite(path, table.replace_schema_metadata(meta))
    resum(ds)
    result = check(cli, ds)
    assert "EK563" in codes(result)
    assert "[evidence_kit.dataset_version]" in result.output
    assert "[evidence_kit.row_count]" in result.output


def test_a_removed_checksum_line_and_an_edited_licence_fail(
    ds: Path, cli: Callable[..., Result]
) -> None:
    sums = ds / "SHA256SUMS"
    lines = [line for line in sums.read_text("utf-8").splitlines() if "croissant" not in line]
    sums.unlink()
    sums.write_text("\n".join(lines) + "\n", "utf-8")
    croissant = ds / "croissant.json"
    document = json.loads(croissant.read_text("utf-8"))
    document["license"] = "https://example.org/all-rights-reserved"
    croissant.unlink()
    croissant.write_text(json.dumps(document), "utf-8")
    result = check(cli, ds)
    assert {"EK564", "EK565"} <= codes(result)
    assert "ds/croissant.json: error EK565" in result.output


def test_the_committed_release_passes_the_new_checks(cli: Callable[..., Result]) -> None:
    from conftest import REPO

    result = cli("validate", "--published", str(REPO / "dataset" / "parquet"))
    assert result.exit_code == 0, result.output
    assert f"({len(TABLES)} tables," in result.output and len(TABLES) == 7


def _corrupt(path: Path, column: str, how: str) -> None:
    """Rewrite ``path`` and damage ``column``'s first data page: ``page`` overwrites
    compressed bytes (the footer still reads), ``utf8`` puts a byte 0xFF inside a string
    value of an uncompressed page (Arrow reads it without checking UTF-8)."""
    table = pq.read_table(path)
    plain = how == "utf8"
    pq.write_table(table, path, compression="none" if plain else "zstd", use_dictionary=not plain)
    meta = pq.ParquetFile(path).metadata.row_group(0)
    chunk = next(
        meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == column
    )
    data = bytearray(path.read_bytes())
    start = chunk.data_page_offset
    if how == "page":
        data[start + 24 : start + 88] = bytes(range(64))
    else:
        first = str(table.column(column)[0].as_py()).encode("utf-8")
        at = data.index(first, start)
        data[at] = 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["page", "utf8"])
def test_a_damaged_data_page_is_a_located_error(
    ds: Path, cli: Callable[..., Result], how: str
) -> None:
    """Corrupt bytes past a readable footer (the checksums aside): the row-level checks
    stop at the page with EK560 naming the file, never an internal error; the fast and
    the record path raise the same located finding."""
    from evidence_kit.checks.fastcheck import check_published
    from evidence_kit.checks.recordcheck import check_published_records
    from evidence_kit.model.errors import EvidenceKitError

    path = ds / "parquet" / "assertions.parquet"
    _corrupt(path, "quote", how)
    result = cli("validate", "--published", str(ds / "parquet"), "--no-suites")
    assert result.exit_code == 1
    assert "ds/parquet/assertions.parquet: error EK560" in result.output, result.output
    assert "EK900" not in result.output
    for engine in (check_published, check_published_records):
        with pytest.raises(EvidenceKitError) as caught:
            engine(ds / "parquet")
        assert [f.code for f in caught.value.findings] == ["EK560"]
        assert caught.value.findings[0].file.endswith("assertions.parquet")


def test_a_text_path_no_file_can_have_is_located(ds: Path, cli: Callable[..., Result]) -> None:
    """A published text_path holding a NUL byte (or a name too long for the system) is
    EK134 at its row, in both paths, not a ValueError from the path library."""
    from evidence_kit.checks.fastcheck import check_published
    from evidence_kit.checks.recordcheck import check_published_records

    path = ds / "parquet" / "sources.parquet"
    table = pq.read_table(path)
    paths = table.column("text_path").to_pylist()
    paths[0] = "texts/a\x00b.txt"
    index = table.schema.get_field_index("text_path")
    rewrite(path, table.set_column(index, table.schema.field(index), pa.array(paths)))
    fast = [f.model_dump() for f in check_published(ds / "parquet")]
    assert fast == [f.model_dump() for f in check_published_records(ds / "parquet")]
    assert [(f["line"], f["field"]) for f in fast if f["code"] == "EK134"] == [(1, "text_path")]
    result = cli("validate", "--published", str(ds / "parquet"), "--no-suites")
    assert result.exit_code == 1 and "EK134" in result.output and "EK900" not in result.output
