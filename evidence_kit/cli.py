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


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for machines (on stdout; failures too).",
)
QUIET_OPTION = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress on stderr (it is shown only when stderr is a terminal anyway).",
)

EXIT_CODES = {
    "default": ("done", "the command failed (located findings on stderr)"),
    "validate": ("valid", "invalid: findings with file, line, field and fix"),
    "locate": ("found exactly once", "not found, ambiguous, or the text is unreadable"),
    "build": (
        "published (with --check: the published files are current)",
        "invalid data, or the build failed (with --check: published files are stale, EK590)",
    ),
    "diff": ("nothing forbidden changed", "a record or table was removed (EK601, EK602)"),
    "generated": ("written (with --check: up to date)", "with --check: files are out of date"),
    "add-source": ("source added", "refused: the text, language or source type is wrong"),
}


def _epilog(kind: str) -> str:
    ok, failed = EXIT_CODES[kind]
    return (
        "\b\nExit codes:\n"
        f"  0  {ok}\n"
        f"  1  {failed}\n"
        "  2  usage error (unknown option, missing directory, EK108)"
    )


def _dataset_alias(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """The deprecated ``--dataset DIR`` option: still accepted, with a warning."""
    if value is not None:
        click.echo(
            "warning: --dataset is deprecated; pass DATASET_DIR as the last argument "
            f"(evidence-kit {ctx.info_name} ... {value})",
            err=True,
        )
    return value


DATASET_ALIAS = click.option(
    "--dataset",
    "dataset_alias",
    default=None,
    hidden=True,
    expose_value=True,
    callback=_dataset_alias,
    type=click.Path(file_okay=False, path_type=Path),
    help="Deprecated: the dataset directory (pass DATASET_DIR instead).",
)


def _dataset(positional: Path | None, alias: Path | None) -> Path:
    """DATASET_DIR from the positional argument or the deprecated ``--dataset``."""
    if positional is not None and alias is not None and positional != alias:
        raise click.UsageError(
            f"DATASET_DIR {str(positional)!r} and --dataset {str(alias)!r} disagree; "
            "pass DATASET_DIR only"
        )
    return positional or alias or Path("dataset")


OPTIONAL_DATASET_ARGUMENT = click.argument(
    "dataset_dir",
    required=False,
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
)


class _Progress:
    """Coarse progress on stderr: shown only on a terminal, never with ``--quiet``.

    tqdm is imported only when the bar is shown (start-up stays instant).
    """

    def __init__(self, total: int, label: str, quiet: bool, stream: Any = None) -> None:
        self.bar: Any = None
        stream = stream if stream is not None else sys.stderr
        if quiet or not _is_terminal(stream):
            return
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm comes with the curate extra
            return
        self.bar = tqdm(total=total, desc=label, file=stream, leave=False, unit="step")

    def step(self, label: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(label)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


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


def _emit(
    report: ValidationReport, fmt: str, label: str, extra: dict[str, Any] | None = None
) -> None:
    if fmt == "json":
        data = json.loads(report.model_dump_json())
        click.echo(json.dumps({**data, **(extra or {})}, indent=2, ensure_ascii=False))
        return
    _print_findings(report.findings)
    stats = ", ".join(f"{v} {k}" for k, v in report.stats.items())
    state = "valid" if report.valid else "INVALID"
    click.echo(f"{label}: {state} ({stats})")
    for skipped in report.skipped:
        click.echo(skipped.render())


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into located messages and exit 1, never a traceback.

    Library errors carry their findings; operating-system errors (permission, read-only
    file system, full disk), unreadable Parquet and undecodable names get their own codes
    (:func:`failure_findings`); anything else is reported as an internal error (EK900)
    with a bug-report hint.  ``EVIDENCE_KIT_DEBUG=1`` re-raises for the traceback.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from evidence_kit.model.errors import EvidenceKitError

        as_json = kwargs.get("fmt") == "json"
        try:
            return func(*args, **kwargs)
        except EvidenceKitError as exc:
            _report_failure(exc.findings, as_json)
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
                _report_failure(
                    [ERR.MISSING_EXTRA.at(func.__name__, module=module, extra=_extra(module))],
                    as_json,
                )
            else:
                _report_failure(failure_findings(exc), as_json)
            sys.exit(1)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _report_failure(findings: list[Finding], as_json: bool) -> None:
    """Findings on stderr; with ``--format json`` also a report on stdout."""
    _print_findings(findings)
    if as_json:
        from evidence_kit.model.errors import ValidationReport

        click.echo(ValidationReport.from_findings(findings, {}).model_dump_json(indent=2))


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="evidence-kit")
def main() -> None:
    """Validate, locate quotes in, and publish the evidence-kit dataset.

    Every command takes -h/--help and --format text|json; those that read the curated
    dataset take it as the optional last argument DATASET_DIR (default: dataset).
    """


def _command(kind: str = "default", name: str | None = None) -> Callable[..., Any]:
    """``main.command`` with the exit codes of ``kind`` as the help's epilog."""
    return main.command(name=name, epilog=_epilog(kind))


@_command("validate")
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
@_fail_cleanly
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

        with _Progress(1, "validate --installed", quiet) as progress:
            report = evidence_kit.check_installed()
            progress.step("checked")
        _emit(report, fmt, str(Path(str(evidence_kit.data_dir())).parent))
    elif published:
        from evidence_kit.checks.published import validate_published

        target = dataset_dir if dataset_dir.name == "parquet" else dataset_dir / "parquet"
        with _Progress(4, "validate --published", quiet) as progress:
            report = validate_published(
                _require_dir(target),
                engine=engine,
                report_dir=report_dir,
                suites=not no_suites,
                progress=progress.step,
                fold=True,
            )
        _emit(report, fmt, str(target))
        if report.report_path and fmt == "text":
            click.echo(f"report: {report.report_path}")
    else:
        from evidence_kit.curation.validator import validate as run

        with _Progress(1, "validate", quiet) as progress:
            report, _ = run(_require_dir(dataset_dir))
            progress.step("checked")
        _emit(report, fmt, str(dataset_dir))
    sys.exit(0 if report.valid else 1)


@_command("locate")
@click.argument("source")
@click.argument("quote")
@OPTIONAL_DATASET_ARGUMENT
@DATASET_ALIAS
@click.option(
    "--occurrence",
    type=int,
    default=None,
    help="Pick the N-th place (1-based) when the quote occurs more than once.",
)
@FORMAT_OPTION
@_fail_cleanly
def locate(
    source: str,
    quote: str,
    dataset_dir: Path | None,
    dataset_alias: Path | None,
    occurrence: int | None,
    fmt: str,
) -> None:
    """Print the offsets, prefix and suffix of QUOTE in SOURCE, ready to paste.

    SOURCE is a source id (s002), a seed file name, or the path of a text file.
    (--dataset DIR is a deprecated spelling of DATASET_DIR.)

    \b
    Example:
        evidence-kit locate s002 "Huden plumpar och förtorkar"
        evidence-kit locate s002 "Huden plumpar" dataset --format json
    """
    from evidence_kit.curation.locate import locate_quote, locate_record

    root = _require_dir(_dataset(dataset_dir, dataset_alias))
    if fmt == "json":
        found = locate_record(root, source, quote, occurrence)
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo(locate_quote(root, source, quote, occurrence), nl=False)


def _generated(default: str) -> Callable[[Callable[..., Any]], Any]:
    """Options shared by commands that write generated artefacts: ``--out``, ``--check``
    and ``--format``."""

    def decorate(func: Callable[..., Any]) -> Any:
        func = FORMAT_OPTION(func)
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
    fmt: str = "text",
) -> None:
    if check:
        paths = stale()
        if fmt == "json":
            click.echo(json.dumps({"current": not paths, "stale": [str(p) for p in paths]}))
        for path in paths:
            click.echo(f"{path}: out of date; run `evidence-kit {command} --out {out}`", err=True)
        sys.exit(1 if paths else 0)
    written = write()
    if fmt == "json":
        click.echo(json.dumps({"written": [str(p) for p in written]}, indent=2))
        return
    for path in written:
        click.echo(f"wrote {path}")


@_command("generated")
@_generated("schema")
@_fail_cleanly
def schema(out: Path, check: bool, fmt: str) -> None:
    """Generate the JSON Schema files (draft 2020-12) from the models.

    \b
    Example:
        evidence-kit schema --out schema
        evidence-kit schema --check
    """
    from evidence_kit.publishing.schemas import stale_schemas, write_schemas

    _write_or_check(
        out, check, "schema", lambda: stale_schemas(out), lambda: write_schemas(out), fmt
    )


@_command("generated")
@_generated("validations")
@_fail_cleanly
def suites(out: Path, check: bool, fmt: str) -> None:
    """Generate the Great Expectations suites (one JSON per published table).

    \b
    Example:
        evidence-kit suites --out validations
        evidence-kit suites --check
    """
    from evidence_kit.model.suites import stale_suites, write_suites

    _write_or_check(out, check, "suites", lambda: stale_suites(out), lambda: write_suites(out), fmt)


@_command("build")
@DATASET_ARGUMENT
@click.option(
    "--check",
    is_flag=True,
    help="Publish nothing: build into a temporary directory and exit 1 (EK590, naming "
    "each file) when the published files differ from what the curated inputs give now.",
)
@FORMAT_OPTION
@QUIET_OPTION
@_fail_cleanly
def build(dataset_dir: Path, check: bool, fmt: str, quiet: bool) -> None:
    """Validate, then publish Parquet, metadata and checksums (atomically).

    Nothing is written when the data is invalid; the previous files stay as they were.
    With --check nothing is published or frozen: CI uses it to fail a stale publish.

    \b
    Example:
        evidence-kit build dataset
        evidence-kit build --check dataset
    """
    root = _require_dir(dataset_dir)
    if check:
        from evidence_kit.model.errors import ValidationReport
        from evidence_kit.publishing.staleness import stale_files

        with _Progress(1, "build --check", quiet) as progress:
            findings = stale_files(root)
            progress.step("compared")
        report = ValidationReport.from_findings(findings, {"stale_files": len(findings)})
        if fmt == "json":
            _emit(report, fmt, str(root), {"current": report.valid})
        else:
            _print_findings(report.findings)
            state = "current" if report.valid else f"STALE ({len(findings)} files differ)"
            click.echo(f"{root}: published files {state}")
        sys.exit(0 if report.valid else 1)
    from evidence_kit.publishing.build import build as run

    with _Progress(1, "build", quiet) as progress:
        result = run(root)
        progress.step("published")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "directory": str(result.directory),
                    "rows": result.rows,
                    "input_hash": result.input_hash,
                    "dataset_version": result.dataset_version,
                    "frozen": None if result.frozen is None else str(result.frozen),
                    "changelog": None if result.changelog is None else str(result.changelog),
                },
                indent=2,
            )
        )
        return
    for name, rows in result.rows.items():
        click.echo(f"{name}: {rows} rows")
    click.echo(f"published {result.directory} (inputs {result.input_hash[:12]})")
    click.echo(f"frozen release {result.dataset_version} in {result.frozen}")
    if result.changelog is not None:
        click.echo(f"added the {result.dataset_version} release notes to {result.changelog}")


@_command("diff")
@click.argument("old")
@click.argument("new")
@OPTIONAL_DATASET_ARGUMENT
@DATASET_ALIAS
@FORMAT_OPTION
@_fail_cleanly
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

    root = _dataset(dataset_dir, dataset_alias)
    try:
        old_dir = resolve_release(old, root)
        new_dir = resolve_release(new, root)
    except EvidenceKitError as exc:
        _report_failure(exc.findings, fmt == "json")
        sys.exit(2)
    report = diff_releases(old_dir, new_dir, old, new)
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(render_text(report), nl=False)
    sys.exit(report.exit_code)


@_command()
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
@FORMAT_OPTION
@QUIET_OPTION
@_fail_cleanly
def browse(dataset_dir: Path, out: Path, no_map: bool, fmt: str, quiet: bool) -> None:
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
    with _Progress(2, "browse", quiet) as progress:
        dataset = load_dataset(_require_dir(dataset_dir))
        progress.step("loaded")
        try:
            result = write_site(dataset, out, with_map=not no_map)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        progress.step("written")
    index = result.directory / "index.html"
    if fmt == "json":
        files = result.map_files
        click.echo(
            json.dumps(
                {
                    "directory": str(result.directory),
                    "pages": len(result.pages),
                    "index": str(index),
                    "map": None if not files else {"svg": str(files.svg), "png": str(files.png)},
                },
                indent=2,
            )
        )
        return
    click.echo(f"wrote {len(result.pages)} pages to {result.directory}")
    if result.map_files:
        click.echo(f"evidence map: {result.map_files.svg}, {result.map_files.png}")
    click.echo(f"open {index}")


@_command()
@OPTIONAL_DATASET_ARGUMENT
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
@DATASET_ALIAS
@FORMAT_OPTION
@QUIET_OPTION
@_fail_cleanly
def synth(
    dataset_dir: Path | None,
    n: int,
    out: Path,
    seed: int,
    corrupt: float,
    dataset_alias: Path | None,
    fmt: str,
    quiet: bool,
) -> None:
    """Write a synthetic dataset in the published Parquet layout.

    Texts and vocabularies are sampled from the curated DATASET_DIR (default: dataset;
    --dataset DIR is a deprecated spelling of it).  The summary is JSON in both formats.

    \b
    Example:
        evidence-kit synth --assertions 100000 --out /tmp/synth --corrupt 0.001
    """
    from evidence_kit.synth import synthesize

    root = _require_dir(_dataset(dataset_dir, dataset_alias))
    with _Progress(1, "synth", quiet) as progress:
        summary = synthesize(root, out, n, seed=seed, corrupt=corrupt)
        progress.step("written")
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


@_command("add-source", name="add-source")
@click.argument("text", type=click.Path(dir_okay=False, path_type=Path))
@DATASET_ARGUMENT
@click.option(
    "--language",
    required=True,
    help="BCP-47 language tag of the text: vi, id, sv, zh-Hans, en ...",
)
@click.option(
    "--source-type",
    required=True,
    help="What kind of document it is (see source.schema.json), e.g. consumer_health_article.",
)
@click.option(
    "--work-id",
    default=None,
    help="Share a work id with translations of the same article (default: w-<file stem>).",
)
@FORMAT_OPTION
@_fail_cleanly
def add_source(
    text: Path,
    dataset_dir: Path,
    language: str,
    source_type: str,
    work_id: str | None,
    fmt: str,
) -> None:
    """Add the source text TEXT: copy it, hash it, write its source and assertions stubs.

    TEXT keeps its captured file name (it must end in .txt) and must be UTF-8 without
    BOM, in Unicode NFC; a bad language tag or source type is refused before anything
    is written.  Then fill in the title, publisher and flags in sources.yaml.

    \b
    Example:
        evidence-kit add-source ~/captures/005_0123abcd.txt --language sv \\
            --source-type consumer_health_article
    """
    from evidence_kit.curation.addsource import add_source as run

    root = _require_dir(dataset_dir)
    source_id, paths = run(root, text, language=language, source_type=source_type, work_id=work_id)
    if fmt == "json":
        click.echo(
            json.dumps({"source_id": source_id, "written": [str(p) for p in paths]}, indent=2)
        )
        return
    for path in paths:
        click.echo(f"wrote {path}")
    click.echo(
        f"added {source_id}: fill in its title, publisher and quality flags in "
        f'{paths[1]}, then quote it with `evidence-kit locate {source_id} "..."`'
    )


if __name__ == "__main__":  # pragma: no cover
    main()
