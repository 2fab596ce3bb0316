"""What every command shares: options, exit-code epilogs, DATASET_DIR, progress, output.

Only click is imported here (start-up stays instant); the library is imported inside
the functions that use it.
"""

from __future__ import annotations

import json
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


def describe_exit_codes(kind: str) -> str:
    """The help epilog listing the exit codes of a command of ``kind``."""
    ok, failed = EXIT_CODES[kind]
    return (
        "\b\nExit codes:\n"
        f"  0  {ok}\n"
        f"  1  {failed}\n"
        "  2  usage error (unknown option, missing directory, EK108)"
    )


def command(kind: str = "default", name: str | None = None) -> Callable[..., Any]:
    """``click.command`` with the exit codes of ``kind`` as the help's epilog."""
    return click.command(name=name, epilog=describe_exit_codes(kind))


def _warn_dataset_alias(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
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
    callback=_warn_dataset_alias,
    type=click.Path(file_okay=False, path_type=Path),
    help="Deprecated: the dataset directory (pass DATASET_DIR instead).",
)


def choose_dataset(positional: Path | None, alias: Path | None) -> Path:
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


def require_dir(path: Path) -> Path:
    """``path``, or a usage error (exit 2) when it is not a directory."""
    if not path.is_dir():
        raise click.UsageError(
            f"dataset directory {str(path)!r} does not exist "
            "(run from the project root or pass DATASET_DIR)"
        )
    return path


class Progress:
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

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def print_findings(findings: list[Finding]) -> None:
    """Each finding, rendered with its location, on stderr."""
    for finding in findings:
        click.echo(finding.render(), err=True)


def emit(
    report: ValidationReport, fmt: str, label: str, extra: dict[str, Any] | None = None
) -> None:
    """A report as JSON on stdout, or as findings on stderr and a summary line."""
    if fmt == "json":
        data = json.loads(report.model_dump_json())
        click.echo(json.dumps({**data, **(extra or {})}, indent=2, ensure_ascii=False))
        return
    print_findings(report.findings)
    stats = ", ".join(f"{v} {k}" for k, v in report.stats.items())
    state = "valid" if report.valid else "INVALID"
    click.echo(f"{label}: {state} ({stats})")
    for skipped in report.skipped:
        click.echo(skipped.render())


def emit_json(data: Any) -> None:
    """``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2))
