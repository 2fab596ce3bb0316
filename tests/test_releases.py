"""Frozen releases, `evidence-kit diff` and the release notes `build` writes.

Two small fixture releases: ``old`` is the synthetic dataset built as 0.1.0; ``new`` is
written from it with pyarrow so that one of each change is present (an added claim, a
claim retracted with its reason, a removed claim, a changed field, a certainty move, a
column added to claims and one dropped from sources).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from publish_data import COUNTS, set_version, write_synthetic_dataset

import evidence_kit
from evidence_kit.cli import main
from evidence_kit.model.errors import EvidenceKitError, UsageError
from evidence_kit.model.tables import CHECKSUMS_FILE, TABLES, VOCABULARY_TABLES
from evidence_kit.publishing import build as publish
from evidence_kit.publishing import releases
from evidence_kit.publishing.changes import render_text
from evidence_kit.publishing.diff import diff_releases
from evidence_kit.publishing.metadata import verify_checksums

REPO = Path(__file__).resolve().parent.parent


def rewrite(folder: Path, name: str, change: Any) -> None:
    """Rewrite ``folder/<name>.parquet`` as ``change(table)`` returns it."""
    path = folder / f"{name}.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def rows_of(table: pa.Table, edit: Any) -> pa.Table:
    rows = table.to_pylist()
    return pa.Table.from_pylist(edit(rows), schema=table.schema)


def edit_claims(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["claim_id"]: r for r in rows}
    by_id["c-mn-definition"].update(status="retracted", retraction_reason="Duplicate of c-x.")
    by_id["c-mn-causes-redness"]["statement"] = "Microneedling causes temporary redness."
    by_id["c-mn-stimulates-collagen"]["certainty"] = "low"
    del by_id["c-mn-schedule"]
    added = dict(by_id["c-mn-cost-cny"], claim_id="c-mn-cost-eur", statement="It costs 90 EUR.")
    return [*by_id.values(), added]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(old, new): the parquet folders of two fixture releases."""
    root = write_synthetic_dataset(tmp_path_factory.mktemp("pair") / "ds")
    set_version(root, "0.1.0")
    publish.build(root)
    old = root / "releases" / "0.1.0" / "parquet"
    new = root.parent / "new" / "parquet"
    shutil.copytree(old, new)
    rewrite(new, "claims", lambda t: rows_of(t, edit_claims))
    note = pa.field("qualifier_note", pa.string())
    rewrite(new, "claims", lambda t: t.append_column(note, pa.nulls(t.num_rows, pa.string())))
    rewrite(new, "sources", lambda t: t.drop_columns(["work_note"]))
    return old, new


# --------------------------------------------------------------------------- diff


def test_diff_reports_every_kind_of_change(pair: tuple[Path, Path]) -> None:
    report = diff_releases(*pair, "0.1.0", "new")
    claims = report.table("claims")
    assert [(r.id, r.label) for r in claims.added] == [("c-mn-cost-eur", "It costs 90 EUR.")]
    assert [(r.id, r.reason) for r in claims.retracted] == [
        ("c-mn-definition", "Duplicate of c-x.")
    ]
    assert [r.id for r in claims.removed] == ["c-mn-schedule"]
    changed = {c.id: {f.field: (f.old, f.new) for f in c.changes} for c in claims.changed}
    assert changed["c-mn-causes-redness"] == {
        "statement": ("Microneedling causes redness.", "Microneedling causes temporary redness.")
    }
    assert changed["c-mn-stimulates-collagen"] == {"certainty": ("very_low", "low")}
    # the retraction is reported once, not again as status/retraction_reason changes
    assert "c-mn-definition" not in changed
    # schema changes are reported per table, never as per-row noise
    assert [(c.table, c.column, c.change) for c in report.schema_changes] == [
        ("sources", "work_note", "column_removed"),
        ("claims", "qualifier_note", "column_added"),
    ]
    assert all(f.field != "qualifier_note" for c in claims.changed for f in c.changes)
    assert report.table("sources").empty
    # certainty: one move up, and the counts of active claims before and after
    [move] = report.certainty.moves
    assert (move.claim_id, move.old, move.new, move.direction) == (
        "c-mn-stimulates-collagen", "very_low", "low", "up"
    )  # fmt: skip
    assert report.certainty.before == {"high": 0, "moderate": 0, "low": 1, "very_low": 7}
    # very_low: -1 moved up, -1 retracted, -1 removed, +1 added
    assert report.certainty.after == {"high": 0, "moderate": 0, "low": 2, "very_low": 5}
    # the removal is the one forbidden change
    assert [(f.code, f.severity) for f in report.findings] == [("EK601", "error")]
    assert report.exit_code == 1


def without_vocabularies(folder: Path, to: Path) -> Path:
    """A copy of the release folder without its vocabulary tables (as 0.1.0 and 0.2.0)."""
    shutil.copytree(folder, to)
    for name in VOCABULARY_TABLES:
        (to / TABLES[name].file_name).unlink()
    return to


def test_vocabulary_is_derived_from_the_claims_when_none_is_published(
    pair: tuple[Path, Path],
) -> None:
    # releases of contract v2 publish their vocabulary tables: those are diffed
    names = [t.table for t in diff_releases(*pair).tables]
    assert {"interventions", "conditions", "outcomes"} <= set(names)
    assert "vocabulary" not in names
    # releases without them (0.1.0, 0.2.0): the terms are derived from the claims
    base = pair[1].parent.parent / "no-vocabularies"
    old, new = (
        without_vocabularies(folder, base / side) for folder, side in zip(pair, "ab", strict=True)
    )
    vocabulary = diff_releases(old, new).table("vocabulary")
    assert vocabulary.derived
    # c-mn-schedule (removed) named no object; the subject is still named by other claims
    assert vocabulary.empty
    relabelled = base / "relabelled"
    shutil.copytree(old, relabelled)

    def relabel(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            if row["object_id"] == "acne_scars":
                row["object_icd10cm"] = "L90.0"
            if row["object_id"] == "pregnancy":
                row["object_id"], row["object_label"] = "pregnancy_state", "pregnant"
        return rows

    rewrite(relabelled, "claims", lambda t: rows_of(t, relabel))
    report = diff_releases(old, relabelled)
    vocabulary = report.table("vocabulary")
    assert [r.id for r in vocabulary.added] == ["pregnancy_state"]
    assert [r.id for r in vocabulary.unused] == ["pregnancy"]
    assert not vocabulary.removed and report.ok, "a term no claim names is not a removal"
    [change] = vocabulary.changed
    assert (change.id, [(f.field, f.old, f.new) for f in change.changes]) == (
        "acne_scars", [("icd10cm", "L90.5", "L90.0")]
    )  # fmt: skip


def test_published_vocabulary_tables_plug_in_by_name(pair: tuple[Path, Path]) -> None:
    old, _ = pair
    base = old.parent.parent.parent / "vocab"
    sides = []
    for side, labels in (("a", ["acne scars", "redness"]), ("b", ["acne scars (atrophic)"])):
        folder = base / side
        shutil.copytree(old, folder)
        ids = ["acne_scars", "redness"][: len(labels)]
        pq.write_table(
            pa.table({"condition_id": ids, "label": labels}), folder / "conditions.parquet"
        )
        sides.append(folder)
    report = diff_releases(*sides)
    names = [t.table for t in report.tables]
    assert "conditions" in names and "vocabulary" not in names
    conditions = report.table("conditions")
    assert [r.id for r in conditions.removed] == ["redness"]
    assert [c.id for c in conditions.changed] == ["acne_scars"]
    assert report.exit_code == 1


def test_an_identical_release_has_no_differences(pair: tuple[Path, Path]) -> None:
    old, _ = pair
    report = diff_releases(old, old)
    assert report.ok and not report.schema_changes and not report.certainty.moves
    assert all(t.empty for t in report.tables)


def test_a_dropped_table_is_an_error(pair: tuple[Path, Path]) -> None:
    old, _ = pair
    fewer = old.parent.parent / "fewer"
    shutil.copytree(old, fewer)
    (fewer / "evidence.parquet").unlink()
    report = diff_releases(old, fewer)
    assert [(c.table, c.change) for c in report.schema_changes] == [("evidence", "table_removed")]
    assert [f.code for f in report.findings] == ["EK602"]


def test_cli_diff_text_json_and_exit_codes(pair: tuple[Path, Path]) -> None:
    old, new = pair
    root = old.parent.parent.parent  # the dataset directory
    runner = CliRunner()
    text = runner.invoke(main, ["diff", "0.1.0", str(new), str(root)])
    assert text.exit_code == 1, text.output
    for expected in (
        "+ c-mn-cost-eur",
        "x c-mn-definition retracted: 'Duplicate of c-x.'",
        "- c-mn-schedule REMOVED",
        "statement: 'Microneedling causes redness.' → 'Microneedling causes temporary redness.'",
        "c-mn-stimulates-collagen: very_low → low (up)",
        "claims.qualifier_note: column added",
        "sources.work_note: column removed",
        "very_low: 7 → 5 (-2)",
        "EK601",
    ):
        assert expected in text.output, expected
    assert text.output == render_text(diff_releases(old, new, "0.1.0", str(new)))

    as_json = runner.invoke(main, ["diff", str(old.parent), str(new), "--format", "json"])
    assert as_json.exit_code == 1
    document = json.loads(as_json.output)
    assert document["old"]["version"] == "0.1.0"
    claims = next(t for t in document["tables"] if t["table"] == "claims")
    assert claims["removed"] == [
        {"id": "c-mn-schedule", "label": claims["removed"][0]["label"], "status": "active"}
    ]
    assert claims["retracted"][0]["reason"] == "Duplicate of c-x."
    assert document["certainty"]["moves"][0]["new"] == "low"
    assert document["findings"][0]["code"] == "EK601"

    same = runner.invoke(main, ["diff", "0.1.0", "current", str(root)])
    assert same.exit_code == 0, same.output
    assert "no forbidden change" in same.output
    for bad in (["diff", "9.9.9", "current", str(root)], ["diff", "nowhere", "0.1.0"]):
        result = runner.invoke(main, bad)
        assert result.exit_code == 2, result.output
        assert "EK108" in result.output
    empty = root.parent / "empty"
    empty.mkdir(exist_ok=True)
    result = runner.invoke(main, ["diff", str(empty), str(new)])
    assert (result.exit_code, "EK604" in result.output) == (2, True)
    assert runner.invoke(main, ["diff", "0.1.0"]).exit_code == 2


# --------------------------------------------------------------------------- freezing


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    set_version(root, "0.1.0")
    publish.build(root)
    return root


def test_build_freezes_the_release_byte_for_byte(built: Path) -> None:
    frozen = built / "releases" / "0.1.0"
    names = releases.release_files(built)
    assert sorted(p.relative_to(frozen).as_posix() for p in frozen.rglob("*") if p.is_file()) == (
        sorted(names)
    )
    for name in names:
        assert (frozen / name).read_bytes() == (built / name).read_bytes(), name
    assert verify_checksums(frozen) == []
    assert releases.list_releases(built) == ["0.1.0"]
    publish.build(built)  # identical: allowed, nothing changes
    assert releases.frozen_differences(built, frozen) == []


def test_freezing_refuses_a_changed_release(built: Path) -> None:
    claims = built / "claims.yaml"
    claims.write_text(claims.read_text("utf-8").replace("redness.", "redness!"), "utf-8")
    before = {p: p.read_bytes() for p in built.rglob("*") if p.is_file() and "texts" not in p.parts}
    with pytest.raises(EvidenceKitError) as caught:
        publish.build(built)
    [finding] = caught.value.findings
    assert finding.code == "EK600"
    assert "parquet/claims.parquet" in finding.message and "releases/0.1.0" in finding.message
    after = {p: p.read_bytes() for p in built.rglob("*") if p.is_file() and "texts" not in p.parts}
    assert after == before, "a refused build publishes nothing"
    result = CliRunner().invoke(main, ["build", str(built)])
    assert result.exit_code == 1 and "EK600" in result.output
    # a new version is a new release
    set_version(built, "0.1.1")
    result = CliRunner().invoke(main, ["build", str(built)])
    assert result.exit_code == 0, result.output
    assert "frozen release 0.1.1" in result.output
    assert releases.list_releases(built) == ["0.1.0", "0.1.1"]
    assert (built / "releases" / "0.1.0" / "parquet" / "claims.parquet").read_bytes() == before[
        built / "releases" / "0.1.0" / "parquet" / "claims.parquet"
    ]


def test_a_frozen_release_with_a_stray_file_is_not_identical(built: Path) -> None:
    frozen = built / "releases" / "0.1.0"
    (frozen / "notes.txt").write_text("x", "utf-8")
    assert releases.frozen_differences(built, frozen) == ["notes.txt"]
    with pytest.raises(EvidenceKitError, match="EK600"):
        releases.freeze(built, built, "0.1.0")


# --------------------------------------------------------------------------- notes


def test_build_writes_the_release_notes_once(built: Path) -> None:
    changelog = built.parent / "CHANGELOG.md"
    first = changelog.read_text("utf-8")
    assert first.startswith("# Changelog\n")
    assert "## 0.1.0 (" in first and "first frozen release" in first
    claims = built / "claims.yaml"
    claims.write_text(claims.read_text("utf-8").replace("redness.", "temporary redness."), "utf-8")
    set_version(built, "0.2.0")
    result = publish.build(built)
    assert result.changelog == changelog
    notes = changelog.read_text("utf-8")
    assert notes.index("## 0.2.0 (") < notes.index("## 0.1.0 ("), "newest first"
    entry = notes.split("## 0.2.0", 1)[1].split("## 0.1.0", 1)[0]
    assert "changes since 0.1.0" in entry
    assert "changed `c-mn-causes-redness`: `statement`" in entry
    assert "| claims | 0 | 0 | 0 | 1 |" in entry
    # rebuilding (identical release) does not duplicate the entry, nor touch hand edits
    changelog.write_text(notes.replace("changes since 0.1.0", "edited by hand"), "utf-8")
    edited = changelog.read_text("utf-8")
    assert publish.build(built).changelog is None
    assert changelog.read_text("utf-8") == edited
    assert edited.count("## 0.2.0") == 1


def test_update_changelog_keeps_versions_in_order(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    for version in ("0.1.0", "0.3.0", "0.2.0", "0.10.0"):
        assert releases.update_changelog(path, version, f"## {version} (d)\n\nx\n\n")
    assert not releases.update_changelog(path, "0.2.0", "## 0.2.0 (d)\n\ny\n\n")
    text = path.read_text("utf-8")
    order = [line.split()[1] for line in text.splitlines() if line.startswith("## ")]
    assert order == ["0.10.0", "0.3.0", "0.2.0", "0.1.0"]
    assert text.startswith(releases.CHANGELOG_HEADER + "\n## 0.10.0")


def test_release_notes_of_the_fixture_pair(pair: tuple[Path, Path]) -> None:
    notes = releases.release_notes("0.2.0", "2026-12-01", diff_releases(*pair, "0.1.0"), COUNTS)
    assert notes.startswith("## 0.2.0 (2026-12-01)\n")
    for expected in (
        "error EK601 record-removed",
        "- claims.qualifier_note: column added (string)",
        "- retracted `c-mn-definition`: Duplicate of c-x.",
        "- **removed** `c-mn-schedule`",
        "- added `c-mn-cost-eur`: It costs 90 EUR.",
        "- `c-mn-stimulates-collagen`: very_low → low",
        "| very_low | 7 | 5 |",
    ):
        assert expected in notes, expected


# --------------------------------------------------------------------------- analysts


def test_load_reads_a_frozen_release(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = built / "claims.yaml"
    claims.write_text(claims.read_text("utf-8").replace("redness.", "redness!"), "utf-8")
    set_version(built, "0.2.0")
    publish.build(built)
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_DATA", built / "parquet")
    monkeypatch.setattr(evidence_kit, "_CHECKOUT_RELEASES", built / "releases")
    assert evidence_kit.list_releases() == ["0.1.0", "0.2.0"]
    old = evidence_kit.load("claims", release="0.1.0")
    current = evidence_kit.load("claims")
    assert "Microneedling causes redness." in set(old["statement"])
    assert "Microneedling causes redness!" in set(current["statement"])
    arrow = evidence_kit.load("evidence", as_arrow=True, release="0.1.0")
    assert arrow.schema.metadata[b"evidence_kit.dataset_version"] == b"0.1.0"
    assert arrow.num_rows == COUNTS["evidence"]
    with pytest.raises(UsageError, match=r"(?s)unknown release '0\.3\.0'.*0\.1\.0, 0\.2\.0"):
        evidence_kit.load("claims", release="0.3.0")


def test_load_reads_the_committed_release_0_1_0() -> None:
    assert "0.1.0" in evidence_kit.list_releases()
    claims = evidence_kit.load("claims", release="0.1.0", as_arrow=True)
    assert claims.schema.metadata[b"evidence_kit.dataset_version"] == b"0.1.0"
    assert claims.num_rows == 159


def test_committed_releases_are_intact_and_frozen() -> None:
    """Every frozen release matches its SHA256SUMS; the current one equals the published files."""
    root = REPO / "dataset"
    for version in releases.list_releases(root):
        folder = releases.release_dir(root, version)
        assert verify_checksums(folder) == [], version
        assert set(releases.release_files(folder)) == {
            p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
        }
        tables = [n for n in releases.release_files(folder) if n.endswith(".parquet")]
        assert {"parquet/claims.parquet", "parquet/evidence.parquet"} <= set(tables), version
        for name in tables:
            meta = publish.read_metadata(folder / name)
            assert meta["evidence_kit.dataset_version"] == version
        assert (folder / CHECKSUMS_FILE).is_file()
    current = pq.read_metadata(root / "parquet" / "claims.parquet").metadata or {}
    version = current[b"evidence_kit.dataset_version"].decode()
    frozen = releases.release_dir(root, version)
    if version == publish.read_release(root).version and frozen.is_dir():
        assert releases.frozen_differences(root, frozen) == []
        # the current release has every table of the current contract
        assert {f"parquet/{t.file_name}" for t in TABLES.values()} <= set(
            releases.release_files(frozen)
        )
