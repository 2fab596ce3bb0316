"""validate_published on a real build: checksums, fast checks, then the committed suites.

The dataset is the synthetic curation of tests/publish_data.py, published with
``evidence_kit.publishing.build.build``; tests break the published files (or the curation next to
them) and assert which findings come back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from publish_data import COUNTS, write_synthetic_dataset
from published_tables import failures, valid_rows, write_published

from evidence_kit.checks.published import (
    ROW_COUNT_KEY,
    check_checksums,
    expected_row_counts,
    validate_published,
)
from evidence_kit.cli import main
from evidence_kit.model.errors import UsageError, ValidationReport
from evidence_kit.model.tables import TABLES
from evidence_kit.publishing.build import build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A curated dataset and its published files, built once for the module."""
    root = write_synthetic_dataset(tmp_path_factory.mktemp("built") / "dataset")
    build(root)
    return root


@pytest.fixture
def dataset(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built dataset that a test may break."""
    return Path(shutil.copytree(built, tmp_path / "dataset"))


def rewrite(path: Path, change: dict[str, tuple[int, object]]) -> None:
    """Set ``column`` of row ``index`` to ``value`` in a Parquet file, keeping its schema."""
    table = pq.read_table(path)
    for column, (index, value) in change.items():
        values = table.column(column).to_pylist()
        values[index] = value
        position = table.schema.get_field_index(column)
        field = table.schema.field(column)
        array = pa.array(values, type=field.type)
        table = table.set_column(position, field, array)
    pq.write_table(table, path)


def test_a_fresh_build_is_valid_and_every_expectation_runs(built: Path) -> None:
    report = validate_published(built / "parquet")
    assert report.findings == []
    assert report.valid
    assert report.stats["tables"] == len(TABLES) == 7
    assert report.stats["expectations"] > 150
    assert report.stats["expectations_failed"] == 0
    assert report.stats["expectations_skipped"] == 0


def test_row_counts_come_from_the_curation(built: Path) -> None:
    counts = expected_row_counts(built, {})
    assert counts == {f"{table}_row_count": rows for table, rows in COUNTS.items()}


def test_broken_values_fail_their_expectations_and_the_checksums(dataset: Path) -> None:
    parquet = dataset / "parquet"
    rewrite(parquet / "claims.parquet", {"confidence": (0, 1.5)})
    rewrite(parquet / "assertions.parquet", {"claim_id": (1, "c-no-such-claim")})
    report = validate_published(parquet)
    assert failures(report.findings) == {
        ("claims", "expect_column_values_to_be_between", "confidence"),
        ("assertions", "expect_column_values_to_be_in_set", "claim_id"),
    }
    changed = {Path(f.file).name for f in report.findings if f.code == "EK503"}
    assert changed == {"claims.parquet", "assertions.parquet"}
    dangling = next(f for f in report.findings if f.code == "EK501" and f.field == "claim_id")
    assert dangling.file.endswith("assertions.parquet")
    assert "'c-no-such-claim'" in dangling.message
    assert not report.valid


def test_a_curation_with_more_records_than_published_fails_the_row_count(
    dataset: Path,
) -> None:
    sources = json.loads((dataset / "sources.yaml").read_text("utf-8"))
    sources["sources"].append({**sources["sources"][0], "source_id": "s009"})
    (dataset / "sources.yaml").write_text(json.dumps(sources), encoding="utf-8")
    report = validate_published(dataset / "parquet")
    assert failures(report.findings) == {("sources", "expect_table_row_count_to_equal", None)}
    finding = next(f for f in report.findings if f.code == "EK501")
    assert f"observed {COUNTS['sources']}" in finding.message


def test_a_seed_without_a_source_row_is_found(dataset: Path) -> None:
    (dataset / "texts" / "004_unannotated.txt").write_text("A seed.\n", encoding="utf-8")
    report = validate_published(dataset / "parquet")
    assert failures(report.findings) == {
        ("sources", "expect_column_distinct_values_to_contain_set", "source_file")
    }
    finding = next(f for f in report.findings if f.code == "EK501")
    assert "every-seed-present" in finding.message


def test_without_curation_row_counts_come_from_key_value_metadata(
    built: Path, tmp_path: Path
) -> None:
    parquet = Path(shutil.copytree(built / "parquet", tmp_path / "alone" / "parquet"))
    for name, count in COUNTS.items():
        metadata = pq.read_schema(parquet / f"{name}.parquet").metadata or {}
        assert metadata[ROW_COUNT_KEY] == str(count).encode()
    report = validate_published(parquet)
    # no texts next to the files: only the two seed checks cannot be known
    assert report.stats["expectations_skipped"] == 2
    assert failures(report.findings) == set()
    path = parquet / "claims.parquet"
    table = pq.read_table(path)
    wrong = {**(table.schema.metadata or {}), ROW_COUNT_KEY: str(COUNTS["claims"] + 1).encode()}
    pq.write_table(table.replace_schema_metadata(wrong), path)
    report = validate_published(parquet)
    assert failures(report.findings) == {("claims", "expect_table_row_count_to_equal", None)}
    without = {k: v for k, v in (table.schema.metadata or {}).items() if k != ROW_COUNT_KEY}
    pq.write_table(table.replace_schema_metadata(without), path)
    assert validate_published(parquet).stats["expectations_skipped"] == 3


def test_checksums_next_to_the_directory_are_verified(dataset: Path) -> None:
    parquet = dataset / "parquet"
    assert check_checksums(parquet) == []
    claims = parquet / "claims.parquet"
    claims.write_bytes(claims.read_bytes() + b"\0")
    (parquet / "evidence.parquet").unlink()
    (parquet / "extra.parquet").write_bytes(b"PAR1")
    sums = dataset / "SHA256SUMS"
    sums.write_text(sums.read_text("utf-8") + "not a checksum line\n", encoding="utf-8")
    findings = check_checksums(parquet)
    assert sorted((Path(f.file).name, f.code) for f in findings) == [
        ("SHA256SUMS", "EK502"),
        ("claims.parquet", "EK503"),
        ("evidence.parquet", "EK101"),
        ("extra.parquet", "EK502"),
    ]
    mismatch = next(f for f in findings if f.code == "EK503")
    assert mismatch.actual == hashlib.sha256(claims.read_bytes()).hexdigest()


def test_a_checksum_path_outside_the_dataset_is_refused(dataset: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x", encoding="utf-8")
    digest = hashlib.sha256(b"x").hexdigest()
    (dataset / "SHA256SUMS").write_text(f"{digest}  ../secret\n", encoding="utf-8")
    findings = check_checksums(dataset / "parquet")
    assert "EK106" in {f.code for f in findings}


def test_no_checksum_file_means_nothing_to_compare(tmp_path: Path) -> None:
    directory = write_published(tmp_path, valid_rows())
    assert check_checksums(directory) == []


def test_a_missing_table_is_reported_and_the_others_still_run(dataset: Path) -> None:
    parquet = dataset / "parquet"
    rewrite(parquet / "claims.parquet", {"confidence": (0, -0.5)})
    (parquet / "evidence.parquet").unlink()
    report = validate_published(parquet)
    assert failures(report.findings) == {
        ("claims", "expect_column_values_to_be_between", "confidence")
    }
    assert ("evidence.parquet", "EK101") in {(Path(f.file).name, f.code) for f in report.findings}
    assert report.stats["tables"] == len(TABLES) - 1


def test_data_docs_are_written_to_the_report_folder(dataset: Path, tmp_path: Path) -> None:
    parquet = dataset / "parquet"
    rewrite(parquet / "assertions.parquet", {"claim_id": (0, "c-no-such-claim")})
    report_dir = tmp_path / "report"
    validate_published(parquet, report_dir=report_dir)
    assert (report_dir / "index.html").is_file()
    pages = [p.read_text("utf-8") for p in report_dir.rglob("*.html")]
    assert any("evidence_kit.assertions" in page for page in pages)
    assert any("c-no-such-claim" in page for page in pages)


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        validate_published(tmp_path, engine="dask")
    with pytest.raises(UsageError):
        validate_published(tmp_path / "missing")


def test_cli_exits_1_with_ek501_findings_in_json(dataset: Path, tmp_path: Path) -> None:
    parquet = dataset / "parquet"
    rewrite(parquet / "assertions.parquet", {"statement_mode": (0, "shouted")})
    result = CliRunner().invoke(
        main,
        [
            *("validate", "--published", str(parquet), "--format", "json"),
            *("--report-dir", str(tmp_path / "report")),
        ],
    )
    assert result.exit_code == 1, result.output
    report = ValidationReport.model_validate_json(result.stdout)
    # one defect, one finding: the failed expectation is folded into the column check's
    assert failures(report.findings) == set()
    assert report.stats["expectations_failed"] == report.stats["expectations_folded"] == 1
    finding = next(f for f in report.findings if f.field == "statement_mode")
    assert "shouted" in finding.message
    assert report.report_path and Path(report.report_path).is_file()


def test_cli_exits_0_on_a_fresh_build(built: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["validate", "--published", str(built / "parquet"), "--report-dir", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    assert ": valid (" in result.output
