"""Findings of the published-file checks: how both paths build, cap and order them.

The fast path (:mod:`evidence_kit.checks.fastcheck`) and the record path
(:mod:`evidence_kit.checks.recordcheck`) must return identical lists, so every finding is built
here, by one small constructor a kind, from the values of the offending row.  Also here:
the table-level check both paths start with (:func:`check_schema`), the
:class:`Collector` that keeps at most :data:`FINDING_LIMIT` findings per
(file, code, column) and counts the rest in one EK502 finding, and the common order
(:func:`sort_findings`).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from evidence_kit.curation.loader import display_path
from evidence_kit.curation.provenance import quote_problems
from evidence_kit.model.columnrules import KIND_PREDICATES, RECORD, SCHEMA_FILE, ColumnRule
from evidence_kit.model.errors import ERR, EvidenceKitError, Finding
from evidence_kit.model.tables import TABLES

T = TypeVar("T")

FINDING_LIMIT = 1000

# statement-mode record rule -> the column it requires, and why
_MODE_FIELDS = {
    "hedge": ("hedge_cue", "a hedged assertion names its hedge_cue"),
    "attribution": ("attributed_to", "an attributed assertion names attributed_to"),
}


def column_finding(
    table: str,
    file: str,
    row: int,
    rule: ColumnRule,
    check: str,
    value: Any,
    element: int | None = None,
) -> Finding:
    """The finding for ``value`` at 0-based ``row`` failing ``check`` of ``rule``.

    With ``element`` (a position), ``value`` is that element of the list column
    ``rule.column`` and ``check`` one of ``rule.element``'s checks: the same codes, the
    position named in the reason (a null element is EK207, the column is there).
    """
    where: dict[str, Any] = {"line": row + 1, "field": rule.column}
    params: dict[str, Any] = {"record": RECORD[table], "schema": SCHEMA_FILE[table]}
    at = "" if element is None else f"element {element} "
    if element is not None:
        assert rule.element is not None
        rule = rule.element
    if check == "null":
        if element is not None:
            reason = f"{at}is null (list elements are never null)"
            return ERR.INVALID_VALUE.at(file, **where, reason=reason, schema=params["schema"])
        return ERR.MISSING_FIELD.at(file, **where, **params)
    if check in ("min_length", "max_length", "ge", "le"):
        bound = {
            "min_length": f"of length >= {rule.min_length}",
            "max_length": f"of length <= {rule.max_length}",
            "ge": f">= {rule.ge}",
            "le": f"<= {rule.le}",
        }[check]
        reason = f"{at}{value!r} is not {bound}"
        return ERR.OUT_OF_RANGE.at(file, **where, expected=bound, actual=value, reason=reason)
    if check == "pattern":
        reason = f"{at}{value!r} does not match {rule.pattern}"
        return ERR.PATTERN_MISMATCH.at(
            file, **where, expected=rule.pattern, actual=value, reason=reason
        )
    if check == "enum":
        assert rule.enum is not None
        reason = f"{at}{value!r} is not in the closed list"
        return rule.enum_error.at(
            file, **where, expected=", ".join(rule.enum), actual=value, reason=reason
        )
    if check == "language":
        return ERR.UNKNOWN_LANGUAGE.at(file, **where, actual=value)
    raise ValueError(check)


def record_finding(table: str, file: str, row: int, rule: str, values: dict[str, Any]) -> Finding:
    """A record rule's finding: ``rule`` is retraction, offsets, hedge, attribution, predicate."""
    line = row + 1
    schema = SCHEMA_FILE[table]
    if rule == "retraction":
        return ERR.RETRACTION_REASON.at(file, line=line, field="retraction_reason")
    if rule == "offsets":
        start, end = values["char_start"], values["char_end"]
        reason = f"char_end ({end}) <= char_start ({start})"
        return ERR.OFFSETS_ORDER.at(file, line=line, field="char_end", reason=reason, actual=end)
    if rule in _MODE_FIELDS:
        field, reason = _MODE_FIELDS[rule]
        return ERR.INVALID_VALUE.at(
            file, line=line, field=field, reason=reason, schema=schema, actual=values[field]
        )
    if rule == "predicate":
        kind, predicate = values["kind"], values["predicate"]
        allowed = KIND_PREDICATES[kind]
        return ERR.NOT_ALLOWED_VALUE.at(
            file,
            line=line,
            field="predicate",
            expected=", ".join(allowed),
            actual=predicate,
            reason=f"{predicate!r} is not a predicate of a {kind} claim",
        )
    raise ValueError(rule)


def duplicate_finding(file: str, row: int, column: str, key: str, first_row: int) -> Finding:
    return ERR.DUPLICATE_ID.at(
        file, line=row + 1, field=column, id=key, other=f"first at row {first_row + 1}"
    )


def dangling_finding(file: str, row: int, column: str, target: str, value: str) -> Finding:
    return ERR.DANGLING_REFERENCE.at(
        file, line=row + 1, field=column, target=target, actual=value, hint=""
    )


def id_source_finding(file: str, row: int, assertion_id: str, source_id: str) -> Finding:
    return ERR.ASSERTION_ID_SOURCE.at(
        file, line=row + 1, field="assertion_id", expected=source_id, actual=assertion_id
    )


def orphan_finding(file: str, row: int, claim_id: str) -> Finding:
    return ERR.ORPHAN_CLAIM.at(file, line=row + 1, field="claim_id", id=claim_id)


def repeat_finding(file: str, row: int, first_id: str) -> Finding:
    return ERR.DUPLICATE_QUOTE.at(file, line=row + 1, field="quote", other=first_id)


def quote_findings(file: str, row: int, values: dict[str, Any], text: str) -> list[Finding]:
    """The quote must be NFC and equal ``text[char_start:char_end]``; context must match."""
    problems = quote_problems(
        text,
        values["quote"],
        values["char_start"],
        values["char_end"],
        values["prefix"],
        values["suffix"],
        values["source_id"],
    )
    return [p.kind.at(file, line=row + 1, field=p.field, **p.params) for p in problems]


class Collector:
    """Findings, at most ``limit`` per (file, code, field); the rest only counted."""

    def __init__(self, limit: int = FINDING_LIMIT):
        self.limit = limit
        self.kept: list[Finding] = []
        self.counts: dict[tuple[str, str, str | None], int] = defaultdict(int)

    def room(self, file: str, code: str, field: str | None) -> int:
        return max(0, self.limit - self.counts[(file, code, field)])

    def add(self, finding: Finding) -> None:
        key = (finding.file, finding.code, finding.field)
        if self.counts[key] < self.limit:
            self.kept.append(finding)
        self.counts[key] += 1

    def count(self, file: str, code: str, field: str | None, n: int) -> None:
        """Count ``n`` findings that were not built because the limit was reached."""
        self.counts[(file, code, field)] += n

    def extend(self, other: Collector) -> None:
        """Take over the findings of ``other``, a collector of the rows after ours: the
        same findings are kept as if one collector had seen all rows in order."""
        room = {key: self.room(*key) for key in other.counts}
        for finding in other.kept:
            key = (finding.file, finding.code, finding.field)
            if room[key] > 0:
                self.kept.append(finding)
                room[key] -= 1
        for key, n in other.counts.items():
            self.counts[key] += n

    def findings(self) -> list[Finding]:
        out = list(self.kept)
        for (file, code, field), n in self.counts.items():
            if n > self.limit:
                reason = (
                    f"{n - self.limit} more {code} findings in column {field} are not listed "
                    f"(first {self.limit} shown)"
                )
                out.append(ERR.PUBLISHED_CHECK.at(file, field=field, reason=reason))
        return sort_findings(out)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """The order both paths return: file, row, column, code, message."""
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.field or "", f.code, f.message))


def check_schema(table: str, file: str, schema: pa.Schema) -> tuple[list[Finding], set[str]]:
    """Table-level findings and the columns not to check (missing or of the wrong type)."""
    contract = TABLES[table].schema
    findings: list[Finding] = []
    bad: set[str] = set()
    params: dict[str, Any] = {"record": RECORD[table], "schema": SCHEMA_FILE[table]}
    for f in contract:
        if f.name not in schema.names:
            findings.append(ERR.MISSING_FIELD.at(file, field=f.name, **params))
            bad.add(f.name)
        elif schema.field(f.name).type != f.type:
            actual = schema.field(f.name).type
            findings.append(
                ERR.WRONG_TYPE.at(
                    file,
                    field=f.name,
                    expected=str(f.type),
                    actual=str(actual),
                    reason=f"the column is {actual}, the contract says {f.type}",
                )
            )
            bad.add(f.name)
    for name in schema.names:
        if name not in contract.names:
            findings.append(ERR.UNKNOWN_FIELD.at(file, field=name, actual=None, **params))
    return findings, bad


def parquet_problem(path: Path) -> Finding | None:
    """EK560 when ``path`` cannot be opened as Parquet (truncated, not Parquet at all,
    unreadable); None when its footer and schema read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).schema_arrow  # noqa: B018 - reading the footer is the check
    except (pa.ArrowException, OSError, ValueError) as exc:
        return unreadable_finding(path, exc)
    return None


def unreadable_finding(path: Path, exc: BaseException) -> Finding:
    """EK560 for ``path``, with the reader's reason (its first line)."""
    shown = display_path(path)
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
    return ERR.PARQUET_UNREADABLE.at(shown, path=shown, reason=reason)


@contextlib.contextmanager
def decoding(path: Path) -> Iterator[None]:
    """While checking ``path``: a string value that is not UTF-8 (corrupt bytes, which
    Arrow reads without checking) raises a located EK560 naming the file when Python
    decodes it, not a UnicodeDecodeError."""
    try:
        yield
    except UnicodeDecodeError as exc:
        reason = ValueError(f"a string value is not valid UTF-8 ({exc.reason})")
        raise EvidenceKitError([unreadable_finding(path, reason)]) from None


def guarded(path: Path, batches: Iterator[T]) -> Iterator[T]:
    """``batches`` read from ``path``, a page that cannot be decoded (corrupt bytes past a
    footer that reads) raised as a located EK560 naming the file, not as Arrow's error.

    >>> list(guarded(Path("t.parquet"), iter([1, 2])))
    [1, 2]
    """
    while True:
        try:
            item = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise EvidenceKitError([unreadable_finding(path, exc)]) from None
        yield item


def table_file(directory: Path, table: str) -> tuple[Path, str]:
    path = directory / TABLES[table].file_name
    return path, display_path(path)


@dataclass(frozen=True)
class OpenTable:
    """A published table file that can be checked: where it is, how it is shown in
    findings, its Arrow schema, and the columns not to check (missing or mistyped)."""

    path: Path
    file: str
    schema: pa.Schema
    bad: set[str]


def open_table(directory: Path, table: str, out: Collector) -> OpenTable | None:
    """The table's file opened for checking, its table-level problems added to ``out``;
    None (after an EK101 or EK560 finding) when it is missing or not readable Parquet.
    Every engine (column, record, Spark) starts a table this way."""
    import pyarrow.parquet as pq

    path, file = table_file(directory, table)
    if not path.is_file():
        out.add(ERR.FILE_MISSING.at(file, path=file))
        return None
    unreadable = parquet_problem(path)
    if unreadable is not None:
        out.add(unreadable)
        return None
    schema = pq.ParquetFile(path).schema_arrow
    findings, bad = check_schema(table, file, schema)
    for finding in findings:
        out.add(finding)
    return OpenTable(path, file, schema, bad)
