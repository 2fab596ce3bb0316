"""The findings of the rows a table's pass marked: failing rules, flagged links.

The Spark engine (:mod:`evidence_kit.checks.sparkcheck`) marks, in its one pass over a
file, the rows that fail a column, element or record rule or that a cross-record check
flags; here those rows get the names of the checks they fail
(:meth:`~evidence_kit.checks.sparkrules.TableRules.named`), are counted per (rule,
check) and become findings through the constructors of
:mod:`evidence_kit.checks.findings`, in the fast path's order, at most ``limit`` per
check (the rest counted, EK502).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Row
from pyspark.sql import functions as F

from evidence_kit.checks.findings import Collector, column_finding, record_finding
from evidence_kit.checks.sparklinks import Keys, link_findings
from evidence_kit.checks.sparkrules import (
    AT,
    CHECKS,
    ELEMENT,
    RECORD_CHECK,
    ROW,
    VALID,
    TableRules,
    any_of,
)
from evidence_kit.model.columnrules import RECORD_COLUMNS, ColumnRule
from evidence_kit.model.errors import Finding

#: Marked rows of a table collected at once (more are counted by Spark and collected at
#: most ``limit`` per check).
COLLECT_ROWS = 100_000


@dataclass(frozen=True)
class Marked:
    """The rows of a table a pass marked (failing or flagged), with all their values; the
    table's rules, its cross-record flag columns, and how many rows (at most) there are."""

    rows: DataFrame
    rules: TableRules
    flags: list[str]
    count: int


def row_findings(
    out: Collector,
    table: str,
    file: str,
    marked: Marked,
    keys: Keys,
    cache: Callable[[DataFrame], DataFrame],
) -> None:
    """Column, element, record and flagged cross-record findings of the ``marked`` rows
    into ``out``.  The rows get the names of their failed checks (few rows: the code
    naming them never runs hot).  Up to :data:`COLLECT_ROWS` they are collected at once
    and counted here; more (a column wrong everywhere) are cached, counted by an
    aggregate and collected at most ``limit`` rows per check.  Past ``limit`` a check's
    rows are counted (EK502)."""
    rules, flags, limit = marked.rules, marked.flags, out.limit
    detailed = rules.named(marked.rows)
    if marked.count <= COLLECT_ROWS:
        rows = sorted(detailed.collect(), key=lambda r: r[ROW])
        counted = Counter(name for r in rows if not r[VALID] for name in rules.failed(r))
    else:
        detailed = cache(detailed)
        counted, rows = _first_rows(detailed, rules, flags, out.limit)
    failing = sorted(counted.items(), key=lambda c: (c[0][0], rules.order(*c[0])))
    failed = [(r, set(rules.failed(r))) for r in rows]
    for (at, check), count in failing:
        rule = rules.checks[at][0] if at < len(rules.checks) else None
        matches = [r for r, names in failed if (at, check) in names]
        for row in matches[:limit]:
            out.add(_failure(table, file, row, rule, at, check))
        if count > limit:  # the rows not listed are counted (EK502)
            finding = _failure(table, file, matches[0], rule, at, check)
            out.count(file, finding.code, finding.field, count - limit)
    for row in rows:
        if any(row[flag] for flag in flags):
            for finding in link_findings(table, file, row, flags, keys):
                out.add(finding)


def _first_rows(
    detailed: DataFrame, rules: TableRules, flags: list[str], limit: int
) -> tuple[Counter[tuple[int, str]], list[Row]]:
    """The failures of every (rule, check) counted by one aggregate, and the rows: the
    first ``limit`` of each check, and the flagged ones."""
    named: list[Column] = [F.col(CHECKS)] if rules.checks else []
    if rules.records:
        named.append(F.array(F.col(RECORD_CHECK)))
    counts = (
        detailed.filter(~F.col(VALID))
        .select(F.posexplode(F.concat(*named)).alias("_pos", "_check"))
        .filter(F.col("_check").isNotNull())
        .groupBy("_pos", "_check")
        .count()
        .collect()
    )
    counted = Counter({(int(r["_pos"]), str(r["_check"])): int(r["count"]) for r in counts})
    parts, wanted = [], [F.col(flag) for flag in flags]
    for (at, check), count in counted.items():
        where = F.col(CHECKS)[at] if at < len(rules.checks) else F.col(RECORD_CHECK)
        if count <= limit:
            wanted.append(where == F.lit(check))
        else:  # a column wrong everywhere: only its first rows
            failing = detailed.filter(where == F.lit(check))
            parts.append(failing.orderBy(ROW).limit(max(limit, 1)))
    if wanted:
        parts.append(detailed.filter(any_of(wanted)))
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    rows = {r[ROW]: r for r in union.collect()}
    return counted, sorted(rows.values(), key=lambda r: r[ROW])


def _failure(
    table: str, file: str, row: Row, rule: ColumnRule | None, at: int, check: str
) -> Finding:
    if rule is None:
        values = {c: row[c] for c in RECORD_COLUMNS[table]}
        return record_finding(table, file, row[ROW], check, values)
    if not check.startswith(ELEMENT):
        return column_finding(table, file, row[ROW], rule, check, row[rule.column])
    position = row[AT][at]
    item = row[rule.column][position]
    return column_finding(
        table, file, row[ROW], rule, check.removeprefix(ELEMENT), item, element=position
    )


__all__ = ["COLLECT_ROWS", "Marked", "row_findings"]
