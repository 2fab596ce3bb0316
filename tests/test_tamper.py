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
