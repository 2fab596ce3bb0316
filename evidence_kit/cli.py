"""The ``evidence-kit`` command: a thin edge over the library.

Exit codes: 0 valid / done, 1 the data is invalid (or a quote was not found), 2 usage.
Every command's help has an example; docs/cli.md is checked against this module.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # imported where used: --help and startup load no pydantic
    from evidence_kit.model.errors import Finding, ValidationReport

DATASET_ARGUMENT = click.argument(
    "dataset_dir",
    required=False,
    default="dataset",
    type=click.Path(file_okay=False, path_type=Path),
)


def _require_dir(path: Path) -> Path:
    if not path.is_dir():
        raise click.UsageError(
            f"dataset directory {str(path)!r} does not exist "
            "(run from the project root or pass DATASET_DIR)"
        )
    return path


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        click.echo(finding.render(), err=True)


def _emit(report: ValidationReport, fmt: str, label: str) -> None:
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    _print_findings(report.findings)
    stats = ", ".join(f"{v} {k}" for k, v in report.stats.items())
    state = "valid" if report.valid else "INVALID"
    click.echo(f"{label}: {state} ({stats})")


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into located messages and exit 1, never a traceback.

    Library errors carry their findings; operating-system errors (permission, read-only
    file system, full disk), unreadable Parquet and undecodable names get their own codes
    (:func:`failure_findings`); anything else is reported as an internal error (EK900)
    with a bug-report hint.  ``EVIDENCE_KIT_DEBUG=1`` re-raises for the traceback.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from evidence_kit.model.errors import EvidenceKitError

        try:
            return func(*args, **kwargs)
        except EvidenceKitError as exc:
            _print_findings(exc.findings)
            usage = all(f.code == "EK108" for f in exc.findings)
            sys.exit(2 if usage else 1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("EVIDENCE_KIT_DEBUG"):
                raise
            from evidence_kit.model.errors import ERR

            missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
            module = (missing or "").split(".")[0]
            if module and module != "evidence_kit":
                _print_findings(
                    [ERR.MISSING_EXTRA.at(func.__name__, module=module, extra=_extra(module))]
                )
            else:
                _print_findings(failure_findings(exc))
            sys.exit(1)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


#: Which extra brings each optional import (pyproject's [project.optional-dependencies]).
EXTRAS = {
    "pyspark": "spark",
    "great_expectations": "validate",
    "polars": "validate",
    "jinja2": "browse",
    "matplotlib": "browse",
}


def _extra(module: str) -> str:
    return EXTRAS.get(module, "curate")


def failure_findings(exc: BaseException) -> list[Finding]:
    """An exception from outside the error catalogue as findings with real codes."""
    from evidence_kit.model.errors import ERR, os_error_finding, shown_path

    if isinstance(exc, OSError):
        return [os_error_finding(exc)]
    if type(exc).__module__.startswith("pyarrow"):
        return [
            ERR.PARQUET_UNREADABLE.at("<parquet>", path="a Parquet file", reason=shown_path(exc))
        ]
    if isinstance(exc, UnicodeError):
        reason = shown_path(exc)
        return [ERR.FILE_NAME_NOT_UTF8.at("<file name>", actual=reason)]
    if isinstance(exc, RecursionError):
        return [ERR.YAML_TOO_DEEP.at("<input>", expected="the interpreter's recursion limit")]
    where = "<evidence-kit>"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    reason = f"{type(exc).__name__}: {shown_path(exc)} (at {where})"
    return [ERR.INTERNAL.at("<evidence-kit>", reason=reason)]


@click.group()
@click.version_option(package_name="evidence-kit")
def main() -> None:
    """Validate, locate quotes in, and publish the evidence-kit dataset."""


@main.command()
@DATASET_ARGUMENT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
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
    help="Where --published writes the HTML Data Docs.",
)
@click.option(
    "--no-suites",
    is_flag=True,
    help="With --published: run the checksums and row-level checks only, not the "
    "Great Expectations suites.",
)
@_fail_cleanly
def validate(
    dataset_dir: Path, fmt: str, published: bool, engine: str, report_dir: Path, no_suites: bool
) -> None:
    """Check every record, reference, code and quote; report all problems at once.

    \b
    Example:
        evidence-kit validate dataset
        evidence-kit validate dataset --format json
        evidence-kit validate --published dataset/parquet
        evidence-kit validate --published dataset/parquet --no-suites
    """
    if published:
        from evidence_kit.checks.published import validate_published

        target = dataset_dir if dataset_dir.name == "parquet" else dataset_dir / "parquet"
        report = validate_published(
            _require_dir(target), engine=engine, report_dir=report_dir, suites=not no_suites
        )
        _emit(report, fmt, str(target))
    else:
        from evidence_kit.curation.validator import validate as run

        report, _ = run(_require_dir(dataset_dir))
        _emit(report, fmt, str(dataset_dir))
    sys.exit(0 if report.valid else 1)


@main.command()
@click.argument("source")
@click.argument("quote")
@click.option(
    "--dataset",
    "dataset_dir",
    default="dataset",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset directory.",
)
@click.option(
    "--occurrence",
    type=int,
    default=None,
    help="Pick the N-th place (1-based) when the quote occurs more than once.",
)
@_fail_cleanly
def locate(source: str, quote: str, dataset_dir: Path, occurrence: int | None) -> None:
    """Print the offsets, prefix and suffix of QUOTE in SOURCE, ready to paste.

    SOURCE is a source id (s002), a seed file name, or the path of a text file.

    \b
    Example:
        evidence-kit locate s002 "Huden plumpar och förtorkar"
    """
    from evidence_kit.curation.locate import locate_quote

    click.echo(locate_quote(_require_dir(dataset_dir), source, quote, occurrence), nl=False)


def _generated(default: str) -> Callable[[Callable[..., Any]], Any]:
    """Options shared by commands that write generated artefacts: ``--out`` and ``--check``."""

    def decorate(func: Callable[..., Any]) -> Any:
        func = click.option(
            "--check", is_flag=True, help="Only compare; exit 1 if the files differ."
        )(func)
        return click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path(default),
            show_default=True,
            help="Directory to write into.",
        )(func)

    return decorate


def _write_or_check(
    out: Path,
    check: bool,
    command: str,
    stale: Callable[[], list[Path]],
    write: Callable[[], list[Path]],
) -> None:
    if check:
        paths = stale()
        for path in paths:
            click.echo(f"{path}: out of date; run `evidence-kit {command} --out {out}`", err=True)
        sys.exit(1 if paths else 0)
    for path in write():
        click.echo(f"wrote {path}")


@main.command()
@_generated("schema")
@_fail_cleanly
def schema(out: Path, check: bool) -> None:
    """Generate the JSON Schema files (draft 2020-12) from the models.

    \b
    Example:
        evidence-kit schema --out schema
        evidence-kit schema --check
    """
    from evidence_kit.publishing.schemas import stale_schemas, write_schemas

    _write_or_check(out, check, "schema", lambda: stale_schemas(out), lambda: write_schemas(out))


@main.command()
@_generated("validations")
@_fail_cleanly
def suites(out: Path, check: bool) -> None:
    """Generate the Great Expectations suites (one JSON per published table).

    \b
    Example:
        evidence-kit suites --out validations
        evidence-kit suites --check
    """
    from evidence_kit.model.suites import stale_suites, write_suites

    _write_or_check(out, check, "suites", lambda: stale_suites(out), lambda: write_suites(out))


@main.command()
@DATASET_ARGUMENT
@_fail_cleanly
def build(dataset_dir: Path) -> None:
    """Validate, then publish Parquet, metadata and checksums (atomically).

    Nothing is written when the data is invalid; the previous files stay as they were.

    \b
    Example:
        evidence-kit build dataset
    """
    from evidence_kit.publishing.build import build as run

    result = run(_require_dir(dataset_dir))
    for name, rows in result.rows.items():
        click.echo(f"{name}: {rows} rows")
    click.echo(f"published {result.directory} (inputs {result.input_hash[:12]})")
    click.echo(f"frozen release {result.dataset_version} in {result.frozen}")
    if result.changelog is not None:
        click.echo(f"added the {result.dataset_version} release notes to {result.changelog}")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines.",
)
@click.option(
    "--dataset",
    "dataset_dir",
    default="dataset",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset directory whose releases/ a version name is looked up in.",
)
@_fail_cleanly
def diff(old: str, new: str, fmt: str, dataset_dir: Path) -> None:
    """Show what changed from release OLD to release NEW, record by record.

    OLD and NEW are release versions (frozen in DATASET/releases/), `current` (the
    published DATASET/parquet), or folders (dataset/releases/0.1.0, dataset/parquet).
    Exit 0 when nothing forbidden changed, 1 when a record or table was removed, 2 usage.

    \b
    Example:
        evidence-kit diff 0.1.0 current
        evidence-kit diff dataset/releases/0.1.0 dataset/parquet --format json
    """
    from evidence_kit.model.errors import EvidenceKitError
    from evidence_kit.publishing.diff import diff_releases, render_text, resolve_release

    try:
        old_dir = resolve_release(old, dataset_dir)
        new_dir = resolve_release(new, dataset_dir)
    except EvidenceKitError as exc:
        _print_findings(exc.findings)
        sys.exit(2)
    report = diff_releases(old_dir, new_dir, old, new)
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_text(report), nl=False)
    sys.exit(report.exit_code)


@main.command()
@DATASET_ARGUMENT
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the site into (replaced if it exists).",
)
@click.option(
    "--no-map",
    is_flag=True,
    help="Skip the evidence map (which needs matplotlib, the [browse] extra).",
)
@_fail_cleanly
def browse(dataset_dir: Path, out: Path, no_map: bool) -> None:
    """Write a static evidence browser (HTML, works offline from file://) and the evidence map.

    Per source: the text with every quote highlighted; per claim: its assertions across
    languages and its derived certainty; an index filterable by kind, certainty,
    language and source flag; the evidence map as SVG and PNG.

    \b
    Example:
        evidence-kit browse dataset --out site
        open site/index.html
    """
    from evidence_kit.curation.validator import load_dataset
    from evidence_kit.publishing.browser import write_site

    if not no_map:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise click.UsageError(
                "the evidence map needs matplotlib: pip install 'evidence-kit[browse]' "
                "(or pass --no-map)"
            ) from None
    dataset = load_dataset(_require_dir(dataset_dir))
    try:
        result = write_site(dataset, out, with_map=not no_map)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {len(result.pages)} pages to {result.directory}")
    if result.map_files:
        click.echo(f"evidence map: {result.map_files.svg}, {result.map_files.png}")
    click.echo(f"open {result.directory / 'index.html'}")


@main.command()
@click.option(
    "--assertions",
    "n",
    type=click.IntRange(min=1),
    required=True,
    help="Number of assertions to generate.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the Parquet files into.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--corrupt",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of rows given a known defect (listed in defects.json).",
)
@click.option(
    "--dataset",
    "dataset_dir",
    default="dataset",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Curated dataset whose texts and vocabularies are sampled.",
)
@_fail_cleanly
def synth(n: int, out: Path, seed: int, corrupt: float, dataset_dir: Path) -> None:
    """Write a synthetic dataset in the published Parquet layout.

    \b
    Example:
        evidence-kit synth --assertions 100000 --out /tmp/synth --corrupt 0.001
    """
    from evidence_kit.synth import synthesize

    summary = synthesize(_require_dir(dataset_dir), out, n, seed=seed, corrupt=corrupt)
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


if __name__ == "__main__":  # pragma: no cover
    main()
