"""``evidence-kit browse``: the static evidence browser and the evidence map."""

from __future__ import annotations

from pathlib import Path

import click

from evidence_kit.cli.conventions import (
    DATASET_ARGUMENT,
    FORMAT_OPTION,
    QUIET_OPTION,
    Progress,
    command,
    emit_json,
    require_dir,
)
from evidence_kit.cli.failures import fail_cleanly


@command()
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
@fail_cleanly
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
    with Progress(2, "browse", quiet) as progress:
        dataset = load_dataset(require_dir(dataset_dir))
        progress.step("loaded")
        try:
            result = write_site(dataset, out, with_map=not no_map)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        progress.step("written")
    index = result.directory / "index.html"
    if fmt == "json":
        files = result.map_files
        emit_json(
            {
                "directory": str(result.directory),
                "pages": len(result.pages),
                "index": str(index),
                "map": None if not files else {"svg": str(files.svg), "png": str(files.png)},
            }
        )
        return
    click.echo(f"wrote {len(result.pages)} pages to {result.directory}")
    if result.map_files:
        click.echo(f"evidence map: {result.map_files.svg}, {result.map_files.png}")
    click.echo(f"open {index}")
