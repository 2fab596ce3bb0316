"""Check the data installed with the package: one call, offline, no clone needed.

A wheel installs the current published folder as ``evidence_kit/data`` (``parquet/``,
the card, ``datapackage.json``, ``croissant.json``, the evidence map and
``SHA256SUMS``, whose paths resolve there).  :func:`validate_installed` runs on it what
``evidence-kit validate --published DIR --no-suites`` runs
(:func:`evidence_kit.checks.published.validate_published` with ``suites=False``):
``SHA256SUMS`` against every file, then the row-level checks of every table.  It adds
only what an installed copy needs:

* ``SHA256SUMS`` must be there (a published folder without it is merely unchecked; an
  installed one always has it);
* the source texts are third-party web pages (clinic sites, articles) and are not
  redistributed with the package: the dataset ships the short quotes with their offsets
  and the texts' sha256 only.  Where the folder has no ``texts/`` directory, each
  source's missing text (EK101 on ``text_path``) is therefore not an error: the
  source-text and quote checks are reported as skipped (:data:`SKIPPED_TEXTS`), with
  the reason and how to run them from a clone.  Every other finding stands.

In a source checkout (editable install) the folder is ``dataset/``, which has the texts,
so the quotes are checked too.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from evidence_kit.checks.published import TEXTS_DIR, validate_published
from evidence_kit.curation.loader import display_path
from evidence_kit.model.errors import ERR, Finding, SkippedCheck, UsageError, ValidationReport
from evidence_kit.model.tables import CHECKSUMS_FILE, TABLES

PARQUET_DIR = "parquet"
TEXTS_REASON = (
    "the source texts are third-party web pages (clinic sites, articles) and are not "
    "redistributed with the package, which ships only the short quotes with their offsets "
    "and hashes"
)
FULL_CHECK = (
    "run the full check from a clone of the repository: "
    "evidence-kit validate --published dataset/parquet"
)


def _text_missing(finding: Finding) -> bool:
    """A source's text is absent (EK101 on sources.text_path), nothing else."""
    return finding.code == ERR.FILE_MISSING.code and finding.field == "text_path"


def _assertion_count(directory: Path) -> int:
    path = directory / TABLES["assertions"].file_name
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return 0  # an unreadable or missing file is reported by the checks themselves


def validate_installed(root: Path) -> ValidationReport:
    """Check the published folder ``root`` (``parquet/`` and ``SHA256SUMS`` in it).

    Returns the report of the checksum and row-level checks; when ``root`` has no
    ``texts/`` its ``skipped`` lists the source-text and quote checks with the reason.
    Raises :class:`UsageError` when ``root`` holds no ``parquet/`` folder.
    """
    directory = root / PARQUET_DIR
    if not directory.is_dir():
        raise UsageError(
            f"no published data in {str(root)!r}",
            "reinstall evidence-kit, or in a clone run "
            "`evidence-kit validate --published dataset/parquet`",
        )
    report = validate_published(directory, suites=False)
    findings = list(report.findings)
    sums = root / CHECKSUMS_FILE
    if not sums.is_file():
        findings.append(ERR.FILE_MISSING.at(display_path(sums), path=display_path(sums)))
    skipped: list[SkippedCheck] = []
    if not (root / TEXTS_DIR).is_dir():
        absent = [f for f in findings if _text_missing(f)]
        findings = [f for f in findings if not _text_missing(f)]
        skipped.append(
            SkippedCheck(
                check="source texts and quotes",
                reason=TEXTS_REASON,
                count=_assertion_count(directory),
                run=FULL_CHECK,
            )
        )
        stats = {**report.stats, "texts_absent": len(absent)}
    else:
        stats = dict(report.stats)
    stats.pop("errors", None)
    stats.pop("warnings", None)
    checked = ValidationReport.from_findings(findings, stats)
    return checked.model_copy(update={"skipped": skipped})
