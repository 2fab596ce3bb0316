"""The ``evidence-kit`` command: a thin edge over the library.

Exit codes: 0 valid / done, 1 the data is invalid (or a quote was not found), 2 usage.
Every command's help has an example and its exit codes; the README's command table is
checked against these commands (tests/test_docs.py).  The shared options and output are
in :mod:`~evidence_kit.cli.conventions`, failure handling in :mod:`~evidence_kit.cli.failures`,
the commands in one module per family.  Importing this package imports click and nothing
heavy: each command imports the library when it runs.
"""

from __future__ import annotations

import click

from evidence_kit.cli.browsing import browse
from evidence_kit.cli.curating import add_source, locate
from evidence_kit.cli.generating import schema, suites, synth
from evidence_kit.cli.publishing import build, diff
from evidence_kit.cli.validating import validate

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="evidence-kit")
def main() -> None:
    """Validate, locate quotes in, and publish the evidence-kit dataset.

    Every command takes -h/--help and --format text|json; those that read the curated
    dataset take it as the optional last argument DATASET_DIR (default: dataset).
    """


for _command in (validate, locate, schema, suites, build, diff, browse, synth, add_source):
    main.add_command(_command)
