"""Validate published Parquet files: checksums, fast column checks, then the GX suites.

``evidence-kit validate --published dataset/parquet`` runs :func:`validate_published`:

1. **checksums** -- when ``SHA256SUMS`` sits next to the directory (``dataset/SHA256SUMS``,
   paths relative to ``dataset/``), every file it lists must exist and match (EK101,
   EK503), and every Parquet file in the directory must be listed (EK502);
2. **row-level checks** -- :func:`evidence_kit.checks.fastcheck.check_published`, column-wise
   checks that run in seconds at a million rows; with ``engine="spark"`` the same checks
   as Spark jobs (:func:`evidence_kit.checks.sparkcheck.check_published`);
3. **expectation suites** -- the committed Great Expectations suites (``validations/``),
   run with the pandas or the Spark engine (:mod:`evidence_kit.checks.expectations`); each
   failing expectation is one EK501 finding naming the table, the expectation and
   failing examples.

The suites' run-time parameters are computed here.  Expected row counts come from the
curation next to the directory when there is one (``dataset/sources.yaml`` ...): the
published tables must hold every curated record, so a stale or truncated build shows
up.  Without a curation (an installed wheel, a copied directory) they come from the
``evidence_kit.row_count`` key-value metadata the build writes into each file (the
curated count it meant to publish); a file without it has its row-count expectation
skipped, and skips are counted in the report's stats, never passed silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from evidence_kit.checks.consistency import check_consistency
from evidence_kit.checks.findings import parquet_problem
from evidence_kit.curation.document import utf8_problem
from evidence_kit.curation.loader import display_path, read_curation
from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding, UsageError, ValidationReport
from evidence_kit.model.suites import (
    SEED_FILES,
    load_suites,
    parameter_name,
    row_count_parameter,
    suite_parameters,
)
from evidence_kit.model.tables import (
    CHECKSUMS_FILE,
    PUBLISHED_DOCUMENTS,
    PUBLISHED_IMAGES,
    TABLES,
    VOCABULARY_TABLES,
)

#: Great Expectations engines (``evidence_kit.checks.expectations`` imports GX, so it is
#: imported only when the suites run).
ENGINES = ("pandas", "spark")

ROW_COUNT_KEY = b"evidence_kit.row_count"
"""Key-value metadata key holding the row count the build meant to write."""
CURATION_MARKER = "sources.yaml"
TEXTS_DIR = "texts"
_CHECKSUM_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


def validate_published(
    directory: Path,
    engine: str = "pandas",
    report_dir: Path | None = None,
    suites: bool = True,
    progress: Callable[[str], None] | None = None,
    fold: bool = False,
) -> ValidationReport:
    """Check the published Parquet files in ``directory``; all problems in one report.

    ``engine`` is ``pandas`` or ``spark`` (local[2], started only when asked for);
    ``report_dir`` receives the HTML Data Docs when given.  With ``suites=False`` only
    the checksums and the row-level (fast) checks run: no Great Expectations.
    ``progress`` is called with the name of each stage as it finishes.  With ``fold``
    (what the CLI does) a failed expectation on a column the row-level checks already
    reported is folded into them (:func:`fold_expectations`): one defect, one finding.
    """
    step = progress or (lambda _stage: None)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", f"use one of: {', '.join(ENGINES)}")
    if not directory.is_dir():
        raise UsageError(
            f"published directory {str(directory)!r} does not exist",
            "pass the directory holding the Parquet files, e.g. dataset/parquet",
        )
    root = directory.parent
    findings = check_checksums(directory)
    step("checksums")
    findings += fast_checks(directory, engine)
    step("column checks")
    unreadable = {f.file for f in findings if f.code == ERR.PARQUET_UNREADABLE.code}
    present = {
        name: directory / table.file_name
        for name, table in TABLES.items()
        if (directory / table.file_name).is_file()
        and parquet_problem(directory / table.file_name) is None
        and display_path(directory / table.file_name) not in unreadable
    }
    if not suites:
        report = ValidationReport.from_findings(findings, {"tables": len(present)})
        if report_dir is not None:
            from evidence_kit.checks.report import write_report

            page = write_report(report_dir, report, [], skipped=["all: --no-suites"])
            report = report.model_copy(update={"report_path": str(page)})
        return report
    from evidence_kit.checks.expectations import run_suites

    declared = load_suites()
    parameters = run_parameters(root, present, declared)
    run = run_suites(
        directory,
        {name: suite for name, suite in declared.items() if name in present},
        parameters,
        engine="spark" if engine == "spark" else "pandas",
        report_dir=report_dir,
        display={name: display_path(path) for name, path in present.items()},
    )
    step("expectation suites")
    findings += check_consistency(directory, present)
    step("consistency")
    kept, folded = fold_expectations(findings, run.findings) if fold else (run.findings, set())
    findings += kept
    stats = {
        "tables": len(present),
        "expectations": run.evaluated,
        "expectations_failed": run.failed,
        "expectations_skipped": len(run.skipped),
        "expectations_folded": len(folded),
    }
    report = ValidationReport.from_findings(findings, stats)
    if report_dir is not None:
        from evidence_kit.checks.report import write_report

        results = [
            {**r, "folded": _key(r["table"], r["expectation"], r["columns"]) in folded}
            for r in run.results
        ]
        page = write_report(report_dir, report, results, skipped=run.skipped)
        report = report.model_copy(update={"report_path": str(page)})
    return report


def _key(table: str, expectation: str, columns: list[str]) -> tuple[str, str, str]:
    return table, expectation, ",".join(columns)


def fold_expectations(
    findings: list[Finding], expectation_findings: list[Finding]
) -> tuple[list[Finding], set[tuple[str, str, str]]]:
    """One defect, one finding: a failed expectation on a column the row-level checks
    already reported in the same file is folded into them (kept in the report as a
    failed expectation, not as a second finding).  Returns the findings to keep and the
    folded expectations' keys (table, expectation, columns)."""
    reported = {(f.file, f.field) for f in findings if f.field}
    kept: list[Finding] = []
    folded: set[tuple[str, str, str]] = set()
    for finding in expectation_findings:
        columns = (finding.field or "").split(",") if finding.field else []
        if columns and any((finding.file, c) in reported for c in columns):
            table = _table_of(finding.file)
            expectation = finding.message.split(" ", 2)[1]
            folded.add(_key(table, expectation, columns))
        else:
            kept.append(finding)
    return kept, folded


def _table_of(file: str) -> str:
    name = Path(file).name
    for table_name, table in TABLES.items():
        if table.file_name == name:
            return table_name
    return name


def fast_checks(directory: Path, engine: str = "pandas") -> list[Finding]:
    """The row-level checks, run before the suites: column-wise on this machine
    (:mod:`evidence_kit.checks.fastcheck`), or as Spark jobs with ``engine="spark"``
    (:mod:`evidence_kit.checks.sparkcheck`, the same findings).

    They also report a missing table file (EK101), so the suites just skip that table.
    """
    if engine == "spark":
        from evidence_kit.checks.expectations import spark_session

        session = spark_session()  # a UsageError naming the extra when pyspark is missing
        from evidence_kit.checks.sparkcheck import check_published as spark_check

        run: Callable[[], list[Finding]] = partial(spark_check, directory, session)
    else:
        from evidence_kit.checks.fastcheck import check_published

        run = partial(check_published, directory)
    try:
        return run()
    except EvidenceKitError as exc:  # a file that does not decode (EK560): that alone
        return list(exc.findings)


def check_checksums(directory: Path) -> list[Finding]:
    """Compare the files ``SHA256SUMS`` (next to ``directory``) lists with their bytes.

    No ``SHA256SUMS`` means nothing to compare (a synthetic or hand-made directory).
    """
    root = directory.parent
    sums = root / CHECKSUMS_FILE
    if not sums.is_file():
        return []
    shown = display_path(sums)
    findings: list[Finding] = []
    listed: set[Path] = set()
    data = sums.read_bytes()
    encoding = utf8_problem(data)
    if encoding is not None:
        kind, where = encoding
        return [kind.at(shown, **where)]
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        match = _CHECKSUM_LINE.match(line)
        if match is None:
            findings.append(
                ERR.PUBLISHED_CHECK.at(
                    shown,
                    line=number,
                    reason="line is not 'sha256, two spaces, path' as sha256sum writes it",
                )
            )
            continue
        expected, name = match.group(1).lower(), match.group(2)
        path = (root / name).resolve()
        if not path.is_relative_to(root.resolve()):
            findings.append(ERR.PATH_ESCAPES.at(shown, line=number, path=name))
            continue
        listed.add(path)
        if not path.is_file():
            findings.append(ERR.FILE_MISSING.at(display_path(path), path=display_path(path)))
            continue
        actual = sha256_file(path)
        if actual != expected:
            findings.append(
                ERR.CHECKSUM_MISMATCH.at(
                    display_path(path), path=display_path(path), expected=expected, actual=actual
                )
            )
    for name in [*(f"{directory.name}/{t.file_name}" for t in TABLES.values()),
                 *PUBLISHED_DOCUMENTS, *PUBLISHED_IMAGES]:  # fmt: skip
        path = root / name
        if path.exists() and path.resolve() not in listed:
            findings.append(
                ERR.CHECKSUMS_INCOMPLETE.at(shown, shown=shown, path=display_path(path))
            )
    for path in sorted(directory.glob("*.parquet")):
        if path.name in {t.file_name for t in TABLES.values()}:
            continue
        if path.resolve() not in listed:
            findings.append(
                ERR.PUBLISHED_CHECK.at(
                    display_path(path),
                    reason=f"{path.name} is published but {shown} does not list it",
                )
            )
    return findings


def run_parameters(
    root: Path, present: dict[str, Path], suites: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Values of the suites' run-time parameters that can be known for this directory.

    * parent keys, read from the parent tables' Parquet files (foreign keys);
    * expected row counts (see the module docstring for where they come from);
    * the seed files under ``texts/`` next to the directory.
    """
    wanted = set().union(*(suite_parameters(s) for s in suites.values()))
    parameters: dict[str, Any] = {}
    for table in TABLES.values():
        for _, parent, column in table.foreign_keys:
            key = parameter_name(parent, column)
            if key in wanted and key not in parameters and parent in present:
                values = pq.read_table(present[parent], columns=[column]).column(column)
                parameters[key] = sorted({v for v in values.to_pylist() if v is not None})
    parameters.update(expected_row_counts(root, present))
    texts = root / TEXTS_DIR
    if texts.is_dir():
        parameters[SEED_FILES] = sorted(p.name for p in texts.iterdir() if p.is_file())
    return {k: v for k, v in parameters.items() if k in wanted}


def expected_row_counts(root: Path, present: dict[str, Path]) -> dict[str, int]:
    """``<table>_row_count`` parameters: from the curation if any, else the metadata."""
    counts: dict[str, int] = {}
    if (root / CURATION_MARKER).is_file():
        curation = read_curation(root)
        curated = {
            "sources": len(curation.entries["sources"]),
            "claims": len(curation.entries["claims"]),
            "assertions": len(curation.entries["assertions"]),
            **{name: len(curation.entries[name]) for name in VOCABULARY_TABLES},
        }
        curated["evidence"] = curated["assertions"]
        for name, count in curated.items():
            origin = "assertions" if name == "evidence" else name
            if origin not in curation.unreadable:
                counts[row_count_parameter(name)] = count
        return counts
    for name, path in present.items():
        value = (pq.read_schema(path).metadata or {}).get(ROW_COUNT_KEY)
        if value is not None and value.decode("ascii", "replace").isdigit():
            counts[row_count_parameter(name)] = int(value)
    return counts
