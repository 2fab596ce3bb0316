"""Commands that write generated files: the JSON ``schema``, the GX ``suites``, ``synth`` data."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from evidence_kit.cli.conventions import (
    DATASET_ALIAS,
    FORMAT_OPTION,
    OPTIONAL_DATASET_ARGUMENT,
    QUIET_OPTION,
    Progress,
    choose_dataset,
    command,
    emit_json,
    require_dir,
)
from evidence_kit.cli.failures import fail_cleanly


def generator_command(default: str) -> Callable[[Callable[..., Any]], Any]:
    """A command that writes generated files: ``--out`` (default ``default``), ``--check``
    and ``--format``, its exit codes in the help, failures as located findings."""

    def decorate(func: Callable[..., Any]) -> Any:
        func = FORMAT_OPTION(fail_cleanly(func))
        func = click.option(
            "--check", is_flag=True, help="Only compare; exit 1 if the files differ."
        )(func)
        func = click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path(default),
            show_default=True,
            help="Directory to write into.",
        )(func)
        return command("generated")(func)

    return decorate


def write_or_check(
    out: Path,
    check: bool,
    command: str,
    stale: Callable[[Path], list[Path]],
    write: Callable[[Path], list[Path]],
    fmt: str = "text",
) -> None:
    """With ``check``, list the files ``stale(out)`` finds and exit 1 if any; otherwise
    ``write(out)`` them all."""
    if check:
        paths = stale(out)
        if fmt == "json":
            click.echo(json.dumps({"current": not paths, "stale": [str(p) for p in paths]}))
        for path in paths:
            click.echo(f"{path}: out of date; run `evidence-kit {command} --out {out}`", err=True)
        sys.exit(1 if paths else 0)
    written = write(out)
    if fmt == "json":
        emit_json({"written": [str(p) for p in written]})
        return
    for path in written:
        click.echo(f"wrote {path}")


@generator_command("schema")
def schema(out: Path, check: bool, fmt: str) -> None:
    """Generate the JSON Schema files (draft 2020-12) from the models.

    \b
    Example:
        evidence-kit schema --out schema
        evidence-kit schema --check
    """
    from evidence_kit.publishing.schemas import stale_schemas, write_schemas

    write_or_check(out, check, "schema", stale_schemas, write_schemas, fmt)


@generator_command("validations")
def suites(out: Path, check: bool, fmt: str) -> None:
    """Generate the Great Expectations suites (one JSON per published table).

    \b
    Example:
        evidence-kit suites --out validations
        evidence-kit suites --check
    """
    from evidence_kit.model.suites import stale_suites, write_suites

    write_or_check(out, check, "suites", stale_suites, write_suites, fmt)


@command()
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
@fail_cleanly
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

    root = require_dir(choose_dataset(dataset_dir, dataset_alias))
    with Progress(1, "synth", quiet) as progress:
        summary = synthesize(root, out, n, seed=seed, corrupt=corrupt)
        progress.step("written")
    click.echo(json.dumps(summary, indent=2, sort_keys=True))
