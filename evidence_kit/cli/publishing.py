"""Release commands: ``build`` (publish and freeze, or ``--check``) and ``diff`` releases."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evidence_kit.cli.conventions import (
    DATASET_ALIAS,
    DATASET_ARGUMENT,
    FORMAT_OPTION,
    OPTIONAL_DATASET_ARGUMENT,
    QUIET_OPTION,
    Progress,
    choose_dataset,
    command,
    emit,
    emit_json,
    print_findings,
    require_dir,
)
from evidence_kit.cli.failures import fail_cleanly, report_failure


@command("build")
@DATASET_ARGUMENT
@click.option(
    "--check",
    is_flag=True,
    help="Publish nothing: build into a temporary directory and exit 1 (EK590, naming "
    "each file) when the published files differ from what the curated inputs give now.",
)
@FORMAT_OPTION
@QUIET_OPTION
@fail_cleanly
def build(dataset_dir: Path, check: bool, fmt: str, quiet: bool) -> None:
    """Validate, then publish Parquet, metadata and checksums (atomically).

    Nothing is written when the data is invalid; the previous files stay as they were.
    With --check nothing is published or frozen: CI uses it to fail a stale publish.

    \b
    Example:
        evidence-kit build dataset
        evidence-kit build --check dataset
    """
    root = require_dir(dataset_dir)
    if check:
        sys.exit(check_build(root, fmt, quiet))
    from evidence_kit.publishing.build import build as run

    with Progress(1, "build", quiet) as progress:
        result = run(root)
        progress.step("published")
    if fmt == "json":
        emit_json(
            {
                "directory": str(result.directory),
                "rows": result.rows,
                "input_hash": result.input_hash,
                "dataset_version": result.dataset_version,
                "frozen": None if result.frozen is None else str(result.frozen),
                "changelog": None if result.changelog is None else str(result.changelog),
            }
        )
        return
    for name, rows in result.rows.items():
        click.echo(f"{name}: {rows} rows")
    click.echo(f"published {result.directory} (inputs {result.input_hash[:12]})")
    click.echo(f"frozen release {result.dataset_version} in {result.frozen}")
    if result.changelog is not None:
        click.echo(f"added the {result.dataset_version} release notes to {result.changelog}")


def check_build(root: Path, fmt: str, quiet: bool) -> int:
    """``build --check``: report the stale published files; the exit code, 1 if any."""
    from evidence_kit.model.errors import ValidationReport
    from evidence_kit.publishing.staleness import stale_files

    with Progress(1, "build --check", quiet) as progress:
        findings = stale_files(root)
        progress.step("compared")
    report = ValidationReport.from_findings(findings, {"stale_files": len(findings)})
    if fmt == "json":
        emit(report, fmt, str(root), {"current": report.valid})
    else:
        print_findings(report.findings)
        state = "current" if report.valid else f"STALE ({len(findings)} files differ)"
        click.echo(f"{root}: published files {state}")
    return 0 if report.valid else 1


@command("diff")
@click.argument("old")
@click.argument("new")
@OPTIONAL_DATASET_ARGUMENT
@DATASET_ALIAS
@FORMAT_OPTION
@fail_cleanly
def diff(
    old: str, new: str, dataset_dir: Path | None, dataset_alias: Path | None, fmt: str
) -> None:
    """Show what changed from release OLD to release NEW, record by record.

    OLD and NEW are release versions (frozen in DATASET_DIR/releases/), `current` (the
    published DATASET_DIR/parquet), or folders (dataset/releases/0.1.0, dataset/parquet).
    (--dataset DIR is a deprecated spelling of DATASET_DIR.)

    \b
    Example:
        evidence-kit diff 0.1.0 current
        evidence-kit diff dataset/releases/0.1.0 dataset/parquet --format json
    """
    from evidence_kit.model.errors import EvidenceKitError
    from evidence_kit.publishing.changes import render_text
    from evidence_kit.publishing.diff import diff_releases
    from evidence_kit.publishing.releasepaths import resolve_release

    root = choose_dataset(dataset_dir, dataset_alias)
    try:
        old_dir = resolve_release(old, root)
        new_dir = resolve_release(new, root)
    except EvidenceKitError as exc:
        report_failure(exc.findings, fmt == "json")
        sys.exit(2)
    report = diff_releases(old_dir, new_dir, old, new)
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_text(report), nl=False)
    sys.exit(report.exit_code)
