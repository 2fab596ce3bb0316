"""Curators' commands: ``locate`` a quote, ``add-source`` a new text."""

from __future__ import annotations

import json
from pathlib import Path

import click

from evidence_kit.cli.conventions import (
    DATASET_ALIAS,
    DATASET_ARGUMENT,
    FORMAT_OPTION,
    OPTIONAL_DATASET_ARGUMENT,
    choose_dataset,
    command,
    emit_json,
    require_dir,
)
from evidence_kit.cli.failures import fail_cleanly


@command("locate")
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
@fail_cleanly
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

    root = require_dir(choose_dataset(dataset_dir, dataset_alias))
    if fmt == "json":
        found = locate_record(root, source, quote, occurrence)
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo(locate_quote(root, source, quote, occurrence), nl=False)


@command("add-source", name="add-source")
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
@fail_cleanly
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

    root = require_dir(dataset_dir)
    source_id, paths = run(root, text, language=language, source_type=source_type, work_id=work_id)
    if fmt == "json":
        emit_json({"source_id": source_id, "written": [str(p) for p in paths]})
        return
    for path in paths:
        click.echo(f"wrote {path}")
    click.echo(
        f"added {source_id}: fill in its title, publisher and quality flags in "
        f'{paths[1]}, then quote it with `evidence-kit locate {source_id} "..."`'
    )
