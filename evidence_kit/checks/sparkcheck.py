"""Every row-level check of the published Parquet files as Spark jobs.

The Spark twin of :mod:`evidence_kit.checks.fastcheck`: the same findings (a differential
test requires them identical on seeded data), computed by Spark SQL over the Parquet
files, so the checks scale out with the cluster.  The driver only reads the Parquet
footers (table-level checks), the source texts (hash, NFC: the same
:func:`~evidence_kit.checks.sourcetexts.load_texts` as the other paths) and the few
failing rows, which become findings through the constructors of
:mod:`evidence_kit.checks.findings`.

**Generated, not written again.**  No rule is spelled out here: every
:class:`~evidence_kit.model.columnrules.ColumnRule` is compiled into one Spark ``CASE``
expression naming the first check a row fails (null -> length -> pattern -> value set ->
language -> bounds), by one small generator per rule attribute (:data:`_GENERATORS`);
every :class:`~evidence_kit.model.columnrules.RecordRule` likewise (:func:`_record_broken`);
keys, references and links come from :data:`~evidence_kit.model.tables.TABLES` and
:data:`~evidence_kit.model.columnrules.LINK_COLUMNS`.  A new column, bound, value set or
record rule in the declarations (contract v2) is checked here without touching this module.

**Why Spark Columns and not Narwhals.**  Narwhals would run one expression set on
Polars, PyArrow and PySpark, but the checks need what its lazy PySpark backend does not
give: the file row number of every finding (``_metadata.row_index``, exact and cheap),
joins of quote windows to broadcast texts, window functions for first occurrences,
``rlike`` with the declared patterns, and a finding cap per column.  The fast path is
hand-tuned pyarrow/numpy that Narwhals would not replace, so a portable layer would have
been a third engine, not one fewer.  Compiling the declarations to ``pyspark.sql.Column``
keeps one source of truth and gives Spark's optimiser whole-stage code generation.

Semantics kept identical to the fast path: lengths count code points (Spark strings
do); a pattern's final ``$`` means end of text (``\\z``), as in RE2; quotes are compared
as prefix + quote + suffix against ``substring`` of the text at the offsets (code
points), and quotes with edge white space or NFC doubt (``QUOTE_SUSPECT``) are explained
in Python like every failing quote.  At most ``limit`` findings per (file, column, check)
are collected; the rest are counted (EK502).

Run it on a cluster with ``spark-submit`` (see docs/spark.md)::

    spark-submit -m evidence_kit.checks.sparkcheck dataset/parquet     # or a driver script
    python -m evidence_kit.checks.sparkcheck dataset/parquet --master local[2]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import langcodes
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    column_finding,
    dangling_finding,
    duplicate_finding,
    id_source_finding,
    open_table,
    orphan_finding,
    quote_findings,
    record_finding,
    repeat_finding,
)
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.model.columnrules import (
    KIND_PREDICATES,
    LINK_COLUMNS,
    QUOTE_SUSPECT,
    RECORD,
    RECORD_COLUMNS,
    RECORD_RULES,
    RULES,
    ColumnRule,
    RecordRule,
    blocking,
)
from evidence_kit.model.errors import Finding
from evidence_kit.model.fields import CONTEXT_LENGTH

ROW = "_row"  # the 0-based row of the file (Spark's _metadata.row_index)
VALID = "_valid"
RECORD_CHECK = "_record"
KEY = {"sources": "source_id", "claims": "claim_id", "assertions": "assertion_id",
       "evidence": "assertion_id"}  # fmt: skip
REFERENCES = (("claim_id", "claims"), ("source_id", "sources"))


def spark_session(master: str | None = None) -> SparkSession:
    """The active session, or a new one: ``master`` if given, else what spark-submit set,
    else ``local[2]``."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from pyspark import SparkConf

    builder = SparkSession.builder.appName("evidence-kit")
    if master or not SparkConf().contains("spark.master"):
        builder = builder.master(master or "local[2]").config("spark.sql.shuffle.partitions", "2")
    session = (
        builder.config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


# ------------------------------------------------------------- column rules -> Columns

#: A generator: (rule, column, Spark type, context) -> a Column true where the check
#: fails, or None when the check does not apply to this rule or type.
Generator = Callable[[ColumnRule, Column, T.DataType, dict[str, Any]], Column | None]


def _is_text(kind: T.DataType) -> bool:
    return isinstance(kind, T.StringType)


def _is_number(kind: T.DataType) -> bool:
    return isinstance(kind, T.NumericType)


def _null(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    return None if rule.nullable else c.isNull()


def _min_length(
    rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]
) -> Column | None:
    if rule.min_length is None or not _is_text(kind):
        return None
    return F.char_length(c) < F.lit(rule.min_length)


def _max_length(
    rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]
) -> Column | None:
    if rule.max_length is None or not _is_text(kind):
        return None
    return F.char_length(c) > F.lit(rule.max_length)


def java_pattern(pattern: str) -> str:
    """``pattern`` for Java's regex with RE2's meaning of a final ``$`` (end of text)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\z"
    return pattern


def _pattern(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    if rule.pattern is None or not _is_text(kind):
        return None
    return ~c.rlike(java_pattern(rule.pattern))


def _enum(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    if rule.enum is None or not _is_text(kind):
        return None
    return ~c.isin(list(rule.enum))


def _language(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    if not rule.language or not _is_text(kind):
        return None
    # BCP-47 validity is langcodes' (Python); a column holds few distinct tags, so they are
    # checked once on the driver and the invalid ones matched here
    invalid = [v for v in ctx["distinct"](rule.column) if not langcodes.tag_is_valid(v)]
    return c.isin(invalid) if invalid else None


def _ge(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    if rule.ge is None or not _is_number(kind):
        return None
    return c < F.lit(rule.ge)


def _le(rule: ColumnRule, c: Column, kind: T.DataType, ctx: dict[str, Any]) -> Column | None:
    if rule.le is None or not _is_number(kind):
        return None
    return ~(c <= F.lit(rule.le))  # NaN fails, as `not value <= le` does


#: One generator per ColumnRule attribute, in the order a row's first failure is named.
_GENERATORS: tuple[tuple[str, Generator], ...] = (
    ("null", _null),
    ("min_length", _min_length),
    ("max_length", _max_length),
    ("pattern", _pattern),
    ("enum", _enum),
    ("language", _language),
    ("ge", _ge),
    ("le", _le),
)


def first_failure(
    rule: ColumnRule, kind: T.DataType, ctx: dict[str, Any]
) -> tuple[Column | None, list[str]]:
    """A string Column naming the first check of ``rule`` a row fails (null when it
    passes), and the checks it can name."""
    c = F.col(rule.column)
    expr: Any = None
    checks = []
    for check, generate in _GENERATORS:
        broken = generate(rule, c, kind, ctx)
        if broken is None:
            continue
        if check != "null":
            broken = c.isNotNull() & broken
        expr = (F if expr is None else expr).when(broken, F.lit(check))
        checks.append(check)
    return expr, checks


def _empty(c: Column) -> Column:
    return c.isNull() | (c == F.lit(""))


def _record_broken(rule: RecordRule) -> Column:
    """A Column true where a row breaks ``rule``, compiled from its declared attributes."""
    broken = F.lit(False)
    if rule.requires is not None:
        broken = broken | _empty(F.col(rule.requires))
    if rule.increasing is not None:
        low, high = rule.increasing
        broken = broken | (F.col(high) <= F.col(low))
    if rule.allowed_pairs is not None:
        key, value = rule.allowed_pairs
        pairs = [f"{k}\x1f{v}" for k, vs in KIND_PREDICATES.items() for v in vs]
        broken = broken | ~F.concat_ws("\x1f", F.col(key), F.col(value)).isin(pairs)
    if rule.when is not None:
        broken = (F.col(rule.when[0]) == F.lit(rule.when[1])) & broken
    return F.coalesce(broken, F.lit(False))


def first_record_failure(table: str) -> Column | None:
    expr: Any = None
    for rule in RECORD_RULES[table]:
        expr = (F if expr is None else expr).when(_record_broken(rule), F.lit(rule.name))
    return expr


def _check_column(rule: ColumnRule) -> str:
    return f"_check_{rule.column}"


def _needed(table: str) -> set[str]:
    checked = {
        r.column
        for r in RULES[table]
        if not r.nullable
        or r.language
        or any(v is not None for v in (r.pattern, r.min_length, r.max_length, r.enum, r.ge, r.le))
    }
    return checked | set(RECORD_COLUMNS[table]) | set(LINK_COLUMNS[table])


# ------------------------------------------------------------------------ the engine


class _SparkEngine:
    def __init__(self, spark: SparkSession, directory: Path, limit: int):
        self.spark = spark
        self.directory = directory
        self.out = Collector(limit)
        self.limit = limit
        self.keys: dict[str, DataFrame] = {}
        self.texts: dict[str, str] = {}
        self.claims: dict[str, Any] = {}
        self.supported: DataFrame | None = None
        self._cached: list[DataFrame] = []

    def run(self) -> list[Finding]:
        try:
            for table in ("sources", "claims", "assertions", "evidence"):
                self._table(table)
            self._orphans()
        finally:
            for df in self._cached:
                df.unpersist()
        return self.out.findings()

    def _cache(self, df: DataFrame) -> DataFrame:
        df = df.persist()
        self._cached.append(df)
        return df

    # ---------------------------------------------------------------- per table

    def _table(self, table: str) -> None:
        opened = open_table(self.directory, table, self.out)
        if opened is None:
            return
        path, file, bad = opened.path, opened.file, opened.bad
        raw = self.spark.read.parquet(str(path.resolve()))
        names = [c for c in raw.columns if c in _needed(table) and c not in bad]
        df = raw.select(*names, F.col("_metadata.row_index").alias(ROW))
        checked, rules = self._checked(table, df, bad)
        records = not blocking(table, bad) and bool(RECORD_RULES[table])
        if records:
            record = first_record_failure(table)
            checked = checked.withColumn(
                RECORD_CHECK, F.when(F.col(VALID), record) if record is not None else F.lit(None)
            ).withColumn(VALID, F.col(VALID) & F.col(RECORD_CHECK).isNull())
        self._column_findings(table, file, checked, rules, records)
        valid = checked.filter(F.col(VALID))
        key = KEY[table]
        if key not in bad:
            self.keys[table] = self._cache(
                df.select(F.col(key).alias("_key")).filter(F.col("_key").isNotNull()).distinct()
            )
        getattr(self, f"_{table}")(file, valid, bad)

    def _checked(
        self, table: str, df: DataFrame, bad: set[str]
    ) -> tuple[DataFrame, list[tuple[ColumnRule, list[str]]]]:
        types = {f.name: f.dataType for f in df.schema.fields}
        ctx = {
            "distinct": lambda name: [
                r[0] for r in df.select(name).distinct().collect() if r[0] is not None
            ]
        }
        rules, exprs = [], []
        for rule in RULES[table]:
            if rule.column in bad or rule.column not in types:
                continue
            expr, checks = first_failure(rule, types[rule.column], ctx)
            if expr is None:
                continue
            rules.append((rule, checks))
            exprs.append(expr.alias(_check_column(rule)))
        valid = F.lit(True)
        for rule, _ in rules:
            valid = valid & F.col(_check_column(rule)).isNull()
        return df.select("*", *exprs).withColumn(VALID, valid), rules

    def _column_findings(
        self,
        table: str,
        file: str,
        checked: DataFrame,
        rules: list[tuple[ColumnRule, list[str]]],
        records: bool,
    ) -> None:
        """Column and record findings: counts in one pass, then the first failing rows."""
        counted: list[tuple[str, str, Column]] = []  # (what, check, failing)
        for rule, checks in rules:
            c = F.col(_check_column(rule))
            for check in checks:
                counted.append((rule.column, check, c == F.lit(check)))
        if records:
            for r in RECORD_RULES[table]:
                counted.append((RECORD_CHECK, r.name, F.col(RECORD_CHECK) == F.lit(r.name)))
        if not counted:
            return
        totals = checked.agg(
            *(
                F.sum(F.when(f, 1).otherwise(0)).alias(f"n{i}")
                for i, (_, _, f) in enumerate(counted)
            )
        ).first()
        assert totals is not None
        failing = [(what, check, f, int(totals[i] or 0)) for i, (what, check, f) in
                   enumerate(counted) if totals[i]]  # fmt: skip
        if not failing:
            return
        by_rule = {r.column: r for r, _ in rules}
        record_names = list(RECORD_COLUMNS[table])
        under = [f for _, _, f, n in failing if n <= self.limit]
        rows: list[Any] = []
        if under:
            any_under = under[0]
            for f in under[1:]:
                any_under = any_under | f
            rows += checked.filter(any_under).collect()
        for _what, _check, f, n in failing:
            if n > self.limit:  # a column wrong everywhere: only its first rows
                rows += checked.filter(f).orderBy(ROW).limit(self.limit).collect()
        rows.sort(key=lambda r: r[ROW])
        seen: set[tuple[int, str, str]] = set()
        built: dict[tuple[str, str], Finding] = {}
        for row in rows:
            for what, check, _, _n in failing:
                value = row[_check_column(by_rule[what])] if what in by_rule else row[RECORD_CHECK]
                if value != check or (row[ROW], what, check) in seen:
                    continue
                seen.add((row[ROW], what, check))
                if what in by_rule:
                    rule = by_rule[what]
                    finding = column_finding(table, file, row[ROW], rule, check, row[rule.column])
                else:
                    values = {c: row[c] for c in record_names}
                    finding = record_finding(table, file, row[ROW], check, values)
                built[(what, check)] = finding
                self.out.add(finding)
        for what, check, _, n in failing:
            if n > self.limit:  # the rows not collected are counted (EK502)
                finding = built[(what, check)]
                self.out.count(file, finding.code, finding.field, n - self.limit)

    # ------------------------------------------------------------- cross-record

    def _duplicates(self, file: str, valid: DataFrame, column: str) -> None:
        """EK301: later rows of a key held by an earlier valid row."""
        first = Window.partitionBy(column)
        dup = (
            valid.select(column, ROW)
            .withColumn("_first", F.min(ROW).over(first))
            .filter(F.col(ROW) > F.col("_first"))
            .collect()
        )
        for r in sorted(dup, key=lambda r: (r["_first"], r[ROW])):
            self.out.add(duplicate_finding(file, r[ROW], column, r[column], r["_first"]))

    def _flag_references(self, valid: DataFrame, bad: set[str]) -> tuple[DataFrame, list[str]]:
        """``valid`` with a ``_has_<column>`` flag per reference whose parent keys exist."""
        checked = []
        for column, target in REFERENCES:
            if column in bad or target not in self.keys:
                continue
            found = self.keys[target].select(
                F.col("_key").alias(column), F.lit(True).alias(f"_has_{column}")
            )
            valid = valid.join(F.broadcast(found), column, "left")  # parent keys: small
            checked.append(column)
        return valid, checked

    def _dangling(self, file: str, flagged: DataFrame, checked: list[str]) -> None:
        """EK302 for the references in ``checked``."""
        if not checked:
            return
        missing = F.lit(False)
        for column in checked:
            missing = missing | (F.col(column).isNotNull() & F.col(f"_has_{column}").isNull())
        rows = flagged.filter(missing).select(ROW, *checked, *(f"_has_{c}" for c in checked))
        for r in sorted(rows.collect(), key=lambda r: r[ROW]):
            for column, target in REFERENCES:
                if column in checked and r[column] is not None and r[f"_has_{column}"] is None:
                    name = RECORD[target].lower()
                    self.out.add(dangling_finding(file, r[ROW], column, name, r[column]))

    def _sources(self, file: str, valid: DataFrame, bad: set[str]) -> None:
        if "source_id" not in bad:
            self._duplicates(file, valid, "source_id")
        if blocking("sources", bad):
            return
        wanted = ("source_id", "source_file", "text_path", "sha256")
        rows = valid.select(ROW, *wanted).orderBy(ROW).collect()
        findings, self.texts = load_texts(
            file, self.directory.parent, [(r[ROW], {c: r[c] for c in wanted}) for r in rows]
        )
        for f in findings:
            self.out.add(f)

    def _claims(self, file: str, valid: DataFrame, bad: set[str]) -> None:
        if "claim_id" in bad:
            return
        self._duplicates(file, valid, "claim_id")
        degraded = bool(blocking("claims", bad))
        active = None
        if not degraded:
            active = valid.filter(F.col("status") == "active").select(ROW, "claim_id")
        self.claims = {"file": file, "degraded": degraded, "active": active}

    def _assertions(self, file: str, valid: DataFrame, bad: set[str]) -> None:
        if blocking("assertions", bad):
            return
        self._duplicates(file, valid, "assertion_id")
        flagged, checked = self._flag_references(valid, bad)
        self._dangling(file, flagged, checked)
        for r in (
            flagged.filter(
                ~F.col("assertion_id").startswith(F.concat(F.col("source_id"), F.lit("-")))
            )
            .select(ROW, "assertion_id", "source_id")
            .collect()
        ):
            self.out.add(id_source_finding(file, r[ROW], r["assertion_id"], r["source_id"]))
        has_claim = F.col("_has_claim_id").isNotNull() if "claim_id" in checked else F.lit(False)
        has_source = F.col("_has_source_id").isNotNull() if "source_id" in checked else F.lit(False)
        self.supported = (
            flagged.filter((F.col("status") == "active") & has_claim)
            .select(F.col("claim_id").alias("_key"))
            .distinct()
        )
        # EK307: the same source, offsets and claim as an earlier valid row
        quad = Window.partitionBy("source_id", "char_start", "char_end", "claim_id").orderBy(ROW)
        repeats = (
            flagged.filter(has_claim & has_source)
            .select(ROW, "assertion_id", "source_id", "char_start", "char_end", "claim_id")
            .withColumn("_first_id", F.first("assertion_id").over(quad))
            .withColumn("_n", F.row_number().over(quad))
            .filter(F.col("_n") > 1)
            .select(ROW, "_first_id")
            .collect()
        )
        for r in sorted(repeats, key=lambda r: r[ROW]):
            self.out.add(repeat_finding(file, r[ROW], r["_first_id"]))
        self._quotes(file, flagged)

    def _quotes(self, file: str, rows: DataFrame) -> None:
        """Every quote against its text: prefix + quote + suffix = the text at the offsets."""
        if not self.texts:
            return
        texts = self.spark.createDataFrame(
            list(self.texts.items()),
            T.StructType(
                [T.StructField("source_id", T.StringType()), T.StructField("_text", T.StringType())]
            ),
        ).withColumn("_len", F.char_length("_text"))
        start, end, text, length = (
            F.col("char_start"),
            F.col("char_end"),
            F.col("_text"),
            F.col("_len"),
        )
        low = F.greatest(start - CONTEXT_LENGTH, F.lit(0))
        high = F.least(end + CONTEXT_LENGTH, length)
        expected = {
            "prefix": text.substr(low + 1, start - low),
            "quote": text.substr(start + 1, end - start),
            "suffix": text.substr(end + 1, high - end),
        }
        differs = F.coalesce(F.col("quote").rlike(QUOTE_SUSPECT), F.lit(True)) | (end > length)
        for column, slice_ in expected.items():
            differs = differs | ~F.col(column).eqNullSafe(slice_)
        names = ["source_id", "quote", "char_start", "char_end", "prefix", "suffix"]
        failing = (
            rows.select(ROW, *names)
            .join(F.broadcast(texts), "source_id")
            .filter(differs)
            .select(ROW, *names)
            .collect()
        )
        for r in sorted(failing, key=lambda r: r[ROW]):
            values = {c: r[c] for c in names}
            for f in quote_findings(file, r[ROW], values, self.texts[values["source_id"]]):
                self.out.add(f)

    def _evidence(self, file: str, valid: DataFrame, bad: set[str]) -> None:
        if "assertion_id" not in bad:
            self._duplicates(file, valid, "assertion_id")
        flagged, checked = self._flag_references(valid, bad)
        self._dangling(file, flagged, checked)

    def _orphans(self) -> None:
        """EK304: active valid claims no valid active assertion supports."""
        info = self.claims
        if not info or info["degraded"] or info["active"] is None:
            return
        active: DataFrame = info["active"]
        if self.supported is not None:
            active = active.join(
                self.supported.withColumnRenamed("_key", "claim_id"), "claim_id", "left_anti"
            )
        for r in sorted(active.collect(), key=lambda r: r[ROW]):
            self.out.add(orphan_finding(info["file"], r[ROW], r["claim_id"]))


def check_published(
    directory: Path, spark: SparkSession | None = None, limit: int = FINDING_LIMIT
) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, computed by Spark.

    The same findings as :func:`evidence_kit.checks.fastcheck.check_published`; ``spark``
    is the session to use (default: the active one, else ``local[2]``).  Source texts are
    read on the driver, relative to ``directory``'s parent.
    """
    return _SparkEngine(spark or spark_session(), Path(directory), limit).run()


def _rows_of(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [f.model_dump(mode="json") for f in findings]


def main(argv: list[str] | None = None) -> int:
    """``python -m evidence_kit.checks.sparkcheck DIR`` (or via spark-submit): findings as
    JSON lines on stdout; exit 1 when any is an error, 0 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the directory of the Parquet files")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, or local[2])")
    parser.add_argument("--limit", type=int, default=FINDING_LIMIT)
    args = parser.parse_args(argv)
    findings = check_published(args.directory, spark_session(args.master), args.limit)
    for row in _rows_of(findings):
        print(json.dumps(row, ensure_ascii=False))
    errors = sum(1 for f in findings if f.severity == "error")
    print(f"{len(findings)} findings, {errors} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["check_published", "first_failure", "first_record_failure", "spark_session"]
