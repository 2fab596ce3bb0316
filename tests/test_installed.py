"""The installed-data check: SHA256SUMS and row-level checks; quotes skipped, with the reason.

A published folder is copied without the curation around it (as a wheel installs it:
no ``texts/``, no ``sources.yaml``).  The end-to-end run from an installed wheel is in
``tests/test_wheel.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_data import COUNTS, write_synthetic_dataset

import evidence_kit
from evidence_kit.checks.installed import FULL_CHECK, TEXTS_REASON, validate_installed
from evidence_kit.cli import main
from evidence_kit.model.errors import UsageError
from evidence_kit.model.tables import CHECKSUMS_FILE
from evidence_kit.publishing import build as publish


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_synthetic_dataset(tmp_path_factory.mktemp("installed") / "ds")
    publish.build(root)
    return root


@pytest.fixture
def installed(published: Path, tmp_path: Path) -> Path:
    """The published folder alone, as a wheel installs it."""
    target = tmp_path / "data"
    shutil.copytree(published / "current", target)
    return target


def test_the_installed_copy_is_valid_with_the_quote_checks_skipped(installed: Path) -> None:
    report = validate_installed(installed)
    assert report.valid and report.findings == []
    [skipped] = report.skipped
    assert (skipped.check, skipped.reason, skipped.run) == (
        "source texts and quotes",
        TEXTS_REASON,
        FULL_CHECK,
    )
    assert skipped.count == COUNTS["assertions"]
    assert report.stats["texts_absent"] == COUNTS["sources"]
    assert "evidence-kit validate --published dataset/parquet" in skipped.render()


def test_a_changed_file_or_a_missing_checksum_list_fails(installed: Path) -> None:
    card = installed / "README.md"
    card.write_text(card.read_text("utf-8") + "edited\n", "utf-8")
    assert [(f.code, Path(f.file).name) for f in validate_installed(installed).findings] == [
        ("EK503", "README.md")
    ]
    (installed / CHECKSUMS_FILE).unlink()
    report = validate_installed(installed)
    assert not report.valid
    assert [(f.code, Path(f.file).name) for f in report.findings] == [("EK101", CHECKSUMS_FILE)]


def test_only_an_absent_text_is_skipped_not_a_wrong_path(installed: Path) -> None:
    """A source whose text_path leaves the folder is a defect of the data, installed or not."""
    import pyarrow.parquet as pq

    from evidence_kit.model.tables import TABLES
    from evidence_kit.publishing.metadata import render_checksums

    table = TABLES["sources"]
    path = installed / "parquet" / table.file_name
    rows = pq.read_table(path).to_pylist()
    rows[0]["text_path"] = "../../etc/passwd"
    publish.write_parquet(publish.to_arrow(table, rows, {}), path, table)
    (installed / CHECKSUMS_FILE).write_text(render_checksums(installed), "utf-8")
    codes = [(f.code, f.field) for f in validate_installed(installed).findings]
    assert codes == [("EK106", "text_path")]


def test_with_the_texts_beside_it_nothing_is_skipped(published: Path) -> None:
    """A checkout (the curation with its texts) gets the full check: a missing text fails."""
    report = validate_installed(published)
    assert report.valid and report.skipped == []
    text = next((published / "texts").iterdir())
    moved = text.with_suffix(".moved")
    text.rename(moved)
    try:
        report = validate_installed(published)
    finally:
        moved.rename(text)
    assert [(f.code, f.field) for f in report.findings] == [("EK101", "text_path")]


def test_no_published_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        validate_installed(tmp_path)


def test_cli_and_api_check_the_installed_data(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_DATA", installed / "parquet")
    monkeypatch.setattr(evidence_kit, "files", lambda _package: installed / "nowhere")
    assert evidence_kit.check_installed().skipped
    text = CliRunner().invoke(main, ["validate", "--installed"])
    assert text.exit_code == 0, text.output
    assert f"{installed}: valid (" in text.output
    assert f"skipped: source texts and quotes ({COUNTS['assertions']}): {TEXTS_REASON}" in (
        text.output
    )
    as_json = CliRunner().invoke(main, ["validate", "--installed", "--format", "json"])
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 0 and report["valid"]
    assert report["skipped"][0]["reason"] == TEXTS_REASON
    both = CliRunner().invoke(main, ["validate", "--installed", "--published"])
    assert both.exit_code == 2
