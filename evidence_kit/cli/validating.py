"""``evidence-kit validate``: the curated files, the published Parquet or the installed copy."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evidence_kit.cli.conventions import (
    DATASET_ARGUMENT,
    FORMAT_OPTION,
    QUIET_OPTION,
    Progress,
    command,
    emit,
    require_dir,
)
from evidence_kit.cli.failures import fail_cleanly


@command("validate")
@DATASET_ARGUMENT
@FORMAT_OPTION
@click.option(
    "--published",
    is_flag=True,
    help="Check the published Parquet files (checksums, fast column checks and the "
    "Great Expectations suites) instead of the curation files.",
)
@click.option(
    "--engine",
    type=click.Choice(["pandas", "spark"]),
    default="pandas",
    show_default=True,
    help="Engine for --published: spark runs every row-level check and the suites on Spark.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/validation"),
    show_default=True,
    help="Where --published writes its self-contained HTML report (and the Data Docs).",
)
@click.option(
    "--no-suites",
    is_flag=True,
    help="With --published: run the checksums and row-level checks only, not the "
    "Great Expectations suites.",
)
@click.option(
    "--installed",
    is_flag=True,
    help="Check the data installed with the package (SHA256SUMS and the row-level "
    "checks; DATASET_DIR is not read). The source texts are not redistributed, so the "
    "quote checks are reported as skipped, with the reason.",
)
@QUIET_OPTION
@fail_cleanly
def validate(
    dataset_dir: Path,
    fmt: str,
    published: bool,
    engine: str,
    report_dir: Path,
    no_suites: bool,
    installed: bool,
    quiet: bool,
) -> None:
    """Check every record, reference, code and quote; report all problems at once.

    \b
    Example:
        evidence-kit validate dataset
        evidence-kit validate dataset --format json
        evidence-kit validate --published dataset/parquet
        evidence-kit validate --published dataset/parquet --no-suites
        evidence-kit validate --installed
    """
    if installed:
        if published:
            raise click.UsageError("pass --installed or --published, not both")
        import evidence_kit

        with Progress(1, "validate --installed", quiet) as progress:
            report = evidence_kit.check_installed()
            progress.step("checked")
        emit(report, fmt, str(Path(str(evidence_kit.data_dir())).parent))
    elif published:
        from evidence_kit.checks.published import validate_published

        target = dataset_dir if dataset_dir.name == "parquet" else dataset_dir / "parquet"
        with Progress(4, "validate --published", quiet) as progress:
            report = validate_published(
                require_dir(target),
                engine=engine,
                report_dir=report_dir,
                suites=not no_suites,
                progress=progress.step,
                fold=True,
            )
        emit(report, fmt, str(target))
        if report.report_path and fmt == "text":
            click.echo(f"report: {report.report_path}")
    else:
        from evidence_kit.curation.validator import validate as run

        with Progress(1, "validate", quiet) as progress:
            report, _ = run(require_dir(dataset_dir))
            progress.step("checked")
        emit(report, fmt, str(dataset_dir))
    sys.exit(0 if report.valid else 1)
