"""Every row-level check of the published Parquet files as Spark jobs.

The Spark twin of :mod:`evidence_kit.checks.fastcheck`: the same findings (a differential
test requires them identical on seeded data), computed by Spark SQL over the Parquet
files, so the checks scale out with the cluster.  The driver only reads the Parquet
footers (table-level checks), the source texts (hash, NFC: the same
:func:`~evidence_kit.checks.sourcetexts.load_texts` as the other paths) and the few
failing rows, which become findings through the constructors of
:mod:`evidence_kit.checks.findings`.

**Generated, not written again.**  The rules come from the declarations
(:mod:`evidence_kit.model.columnrules`), compiled into Spark columns by
:mod:`evidence_kit.checks.sparkrules`; keys, references and quotes are
:mod:`evidence_kit.checks.sparklinks`.  This module is the engine and the driver script.

**Each table is read once.**  One projection of the needed columns (with
``_metadata.row_index``, the file's row number) computes every column, element and record
check, the reference flags (broadcast joins to the parents' key sets) and the quote
screen (a broadcast join to the texts), and is persisted (memory and disk).  From it:
one aggregate counts the failures of every (column, check); one collect takes the
failing rows (at most ``limit`` per check, the rest counted, EK502) and the rows a
cross-record flag marks; one hash aggregate each finds repeated keys and repeated quotes.
The caches are unpersisted at the end.  No Python UDF runs on the executors.

**Why Spark Columns and not Narwhals.**  Narwhals would run one expression set on
Polars, PyArrow and PySpark, but the checks need what its lazy PySpark backend does not
give: the file row number of every finding (``_metadata.row_index``), joins to broadcast
texts and key sets, higher-order functions over list elements, ``rlike`` with the
declared patterns, and a finding cap per column.  Compiling the declarations to
``pyspark.sql.Column`` keeps one source of truth and gives Spark's optimiser whole-stage
code generation.

Run it on a cluster with ``spark-submit`` (see docs/spark.md)::

    spark-submit --master spark://head:7077 "$(python -c 'import evidence_kit.checks.sparkcheck
    as m; print(m.__file__)')" /shared/dataset/parquet
    python -m evidence_kit.checks.sparkcheck dataset/parquet --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    column_finding,
    dangling_finding,
    duplicate_finding,
    open_table,
    orphan_finding,
    record_finding,
    repeat_finding,
)
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.checks.sparklinks import (
    QUOTE_TEXT,
    Keys,
    dangling_column,
    dangling_elements,
    link_findings,
    link_flags,
    repeats,
)
from evidence_kit.checks.sparkrules import (
    AT,
    CHECKS,
    ELEMENT,
    RECORD_CHECK,
    ROW,
    VALID,
    first_record_failure,
    needed,
    record_broken,
    rule_broken,
    rule_columns,
)
from evidence_kit.model.columnrules import (
    LINK_COLUMNS,
    ORDER,
    RECORD_COLUMNS,
    RECORD_RULES,
    REFERENCED,
    REFERENCES,
    RULES,
    ColumnRule,
    blocking,
)
from evidence_kit.model.errors import Finding
from evidence_kit.model.tables import TABLES

LOCAL_MASTER = "local[2]"
#: The configuration of a local session (driver and executor in one JVM):
#: a heap of 2 GiB (Spark's default of 1 GiB ran out in a shuffle at 1M rows), no web UI,
#: and HotSpot allowed to compile the large methods whole-stage code generation writes for
#: a table's checks (by default it interprets any method over 8000 bytes of bytecode;
#: compiling them halved the first pass over a million rows).  On a cluster, give the
#: executors the same option: ``--conf spark.executor.extraJavaOptions=...`` (docs/spark.md).
LOCAL_CONF = {
    "spark.driver.memory": "2g",
    "spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods",
    "spark.ui.enabled": "false",
}
#: Failing and flagged rows of a table collected at once (more are counted by Spark and
#: collected at most ``limit`` per check).
COLLECT_ROWS = 100_000
#: Files of at most this many rows are not cached: each job reads them again.
SMALL_ROWS = 10_000
VALUES = "_values"  # the values of a row a finding quotes, packed in one struct


def spark_session(master: str | None = None) -> SparkSession:
    """The active session, or a new one: ``master`` if given, else what spark-submit set,
    else ``local[2]``.  A local session gets :data:`LOCAL_CONF` and one shuffle
    partition per core."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from pyspark import SparkConf

    builder = (
        SparkSession.builder.appName("evidence-kit")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
    )
    if master or not SparkConf().contains("spark.master"):
        master = master or LOCAL_MASTER
        builder = builder.master(master)
    if master and master.startswith("local"):
        cores = master.removeprefix("local").strip("[]").split(",")[0]
        partitions = cores if cores.isdigit() else str(os.cpu_count() or 2)
        builder = builder.config("spark.sql.shuffle.partitions", partitions)
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class _SparkEngine:
    def __init__(self, spark: SparkSession, directory: Path, limit: int):
        self.spark = spark
        self.directory = directory
        self.out = Collector(limit)
        self.limit = limit
        self.keys = Keys()
        self.claims: tuple[str, DataFrame] | None = None  # claims file, active valid claims
        self.supported: DataFrame | None = None
        self._cached: list[DataFrame] = []

    def run(self) -> list[Finding]:
        try:
            for table in ORDER:
                self._table(table)
            self._orphans()
        finally:
            for df in self._cached:
                df.unpersist()
        return self.out.findings()

    def _checkpoint(self, df: DataFrame) -> DataFrame:
        df = df.localCheckpoint(eager=True)
        self._cached.append(df)
        return df

    def _cache(self, df: DataFrame) -> DataFrame:
        df = df.persist()  # memory and disk
        self._cached.append(df)
        return df

    # ---------------------------------------------------------------- per table

    def _table(self, table: str) -> None:
        opened = open_table(self.directory, table, self.out)
        if opened is None:
            return
        path, file, bad = opened.path, opened.file, opened.bad
        raw = _read(self.spark, path, opened.schema)
        names = [c for c in raw.columns if c in needed(table) and c not in bad]
        df = raw.select(*names, F.col("_metadata.row_index").alias(ROW))
        rules = _Rules(table, df, bad)
        quotes = table == "assertions" and not blocking(table, bad)
        checked = df.select("*", rules.valid().alias(VALID))
        checked, flags = link_flags(self.spark, table, checked, bad, self.keys, quotes)
        interesting = _any([~F.col(VALID), *(F.col(flag) for flag in flags)])
        rows = _file_rows(path)
        if rows <= SMALL_ROWS:  # no cache: each job reads the small file again
            links, marked, count = checked, checked.filter(interesting), rows
        else:
            links, marked, count = self._pass(table, checked, interesting, flags)
        if count:
            self._findings(table, file, marked, rules, flags, count)
        valid = links.filter(F.col(VALID))
        key = TABLES[table].primary_key[0]
        if key not in bad and table in REFERENCED:
            keys = links.select(F.col(key).alias("_key")).filter(F.col("_key").isNotNull())
            self.keys.frames[table] = (self._cache(keys.distinct()), _file_rows(path))
        if key not in bad and (table != "assertions" or not blocking(table, bad)):
            for r in repeats(valid, [key], []):
                self.out.add(duplicate_finding(file, r[ROW], key, r[key], r["_first"]))
        for row in dangling_elements(table, valid, bad, self.keys):
            ref = next(r for r in REFERENCES[table] if r.column == row["column"])
            self.out.add(dangling_finding(file, row[ROW], ref.column, ref.target, row["_item"]))
        if blocking(table, bad):
            return
        if table == "sources":
            self._texts(file, valid)
        if table == "claims":
            self.claims = (file, valid.filter(F.col("status") == "active").select(ROW, "claim_id"))
        if table == "assertions":
            self._assertions(file, valid, flags)

    def _pass(
        self, table: str, checked: DataFrame, interesting: Column, flags: list[str]
    ) -> tuple[DataFrame, DataFrame, int]:
        """The one pass over a large file: ``checked`` checkpointed with the columns the
        cross-record jobs read on every row, and the other values packed into one struct
        on the rows a finding will quote (null elsewhere: nearly free to keep).  Returns
        the checkpoint, the interesting rows unpacked, and how many there are."""
        whole = [c for c in checked.columns if c in {ROW, VALID, *flags, *_linked(table)}]
        values = [c for c in checked.columns if c not in whole]
        packed = F.when(interesting, F.struct(*values)).alias(VALUES)
        links = self._checkpoint(checked.select(*whole, packed))
        counted = links.agg(F.count(F.when(interesting, 1))).first()
        marked = links.filter(interesting).select(*whole, f"{VALUES}.*")
        return links, marked, int(counted[0]) if counted is not None else 0

    def _findings(
        self, table: str, file: str, marked: DataFrame, rules: _Rules, flags: list[str], n: int
    ) -> None:
        """Column, element, record and flagged cross-record findings from ``marked``, the
        (at most) ``n`` rows that fail a rule or are flagged, with all their values.  They
        get the names of their failed checks (few rows: the code naming them never runs
        hot).  Up to
        :data:`COLLECT_ROWS` they are collected at once and counted here; more (a column
        wrong everywhere) are checkpointed, counted by an aggregate and collected at most
        ``limit`` rows per check.  Past ``limit`` a check's rows are counted (EK502)."""
        detailed = rules.named(marked)
        if n <= COLLECT_ROWS:
            rows = sorted(detailed.collect(), key=lambda r: r[ROW])
            counted = Counter(name for r in rows if not r[VALID] for name in rules.failed(r))
        else:
            detailed = self._checkpoint(detailed)
            counted, rows = self._first_rows(detailed, rules, flags)
        failing = sorted(counted.items(), key=lambda c: (c[0][0], rules.order(*c[0])))
        failed = [(r, set(rules.failed(r))) for r in rows]
        for (at, check), count in failing:
            rule = rules.checks[at][0] if at < len(rules.checks) else None
            matches = [r for r, names in failed if (at, check) in names]
            for row in matches[: self.limit]:
                self.out.add(self._failure(table, file, row, rule, at, check))
            if count > self.limit:  # the rows not listed are counted (EK502)
                finding = self._failure(table, file, matches[0], rule, at, check)
                self.out.count(file, finding.code, finding.field, count - self.limit)
        for row in rows:
            if any(row[flag] for flag in flags):
                for finding in link_findings(table, file, row, flags, self.keys):
                    self.out.add(finding)

    def _first_rows(
        self, detailed: DataFrame, rules: _Rules, flags: list[str]
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
            if count <= self.limit:
                wanted.append(where == F.lit(check))
            else:  # a column wrong everywhere: only its first rows
                failing = detailed.filter(where == F.lit(check))
                parts.append(failing.orderBy(ROW).limit(max(self.limit, 1)))
        if wanted:
            parts.append(detailed.filter(_any(wanted)))
        union = parts[0]
        for part in parts[1:]:
            union = union.unionByName(part)
        rows = {r[ROW]: r for r in union.collect()}
        return counted, sorted(rows.values(), key=lambda r: r[ROW])

    def _failure(
        self, table: str, file: str, row: Row, rule: ColumnRule | None, at: int, check: str
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

    # ------------------------------------------------------------- cross-record

    def _texts(self, file: str, valid: DataFrame) -> None:
        wanted = ("source_id", "source_file", "text_path", "sha256")
        rows = valid.select(ROW, *wanted).orderBy(ROW).collect()
        findings, self.keys.texts = load_texts(
            file, self.directory.parent, [(r[ROW], {c: r[c] for c in wanted}) for r in rows]
        )
        for f in findings:
            self.out.add(f)

    def _assertions(self, file: str, valid: DataFrame, flags: list[str]) -> None:
        """EK307 (the same source, offsets and claim as an earlier valid row whose claim
        and source exist), and the claims the active assertions support (for EK304)."""
        known: Column = F.lit(True)
        for ref in REFERENCES["assertions"]:
            flag = dangling_column(ref)
            known = known & ~F.col(flag) if flag in flags else F.lit(False)
        quad = ["source_id", "char_start", "char_end", "claim_id"]
        for r in repeats(valid.filter(known), quad, ["assertion_id"]):
            self.out.add(repeat_finding(file, r[ROW], r["_first_assertion_id"]))
        active = valid.filter(F.col("status") == "active")
        self.supported = active.select(F.col("claim_id").alias("_supported")).distinct()

    def _orphans(self) -> None:
        """EK304: active valid claims no valid active assertion supports."""
        if self.claims is None:
            return
        file, active = self.claims
        if self.supported is not None:
            on = active["claim_id"] == self.supported["_supported"]
            active = active.join(self.supported, on, "left_anti")
        for r in sorted(active.collect(), key=lambda r: r[ROW]):
            self.out.add(orphan_finding(file, r[ROW], r["claim_id"]))


def _read(spark: SparkSession, path: Path, schema: pa.Schema) -> DataFrame:
    """The Parquet file, with the schema its footer gave the driver (no job to infer it)."""
    try:
        return spark.read.schema(from_arrow_schema(schema)).parquet(str(path.resolve()))
    except (TypeError, ValueError, PySparkException):  # a type Spark cannot name: let it infer
        return spark.read.parquet(str(path.resolve()))


def _linked(table: str) -> set[str]:
    """The columns the cross-record jobs read on every row of ``table`` (keys, references,
    links; not the quote's text, read only on the rows the quote screen flags)."""
    refs = {ref.column for ref in REFERENCES[table] if ref.each_element}
    return {*TABLES[table].primary_key, *LINK_COLUMNS[table], *refs} - set(QUOTE_TEXT)


class _Rules:
    """The column, element and record rules of one table, compiled for its columns: as
    one condition (:meth:`valid`, over every row) and as the names of the checks each
    row fails (:meth:`named`, over the failing rows only)."""

    def __init__(self, table: str, df: DataFrame, bad: set[str]):
        self.table = table
        self.types = {f.name: f.dataType for f in df.schema.fields}
        self.rules = [r for r in RULES[table] if r.column not in bad and r.column in self.types]
        self.records = not blocking(table, bad) and bool(RECORD_RULES[table])
        self._df = df
        self._distinct: dict[tuple[str, bool], list[Any]] = {}
        self.structs, self.arrays, self.checks = rule_columns(self.rules, self.types, self.distinct)

    def distinct(self, name: str, element: bool) -> list[Any]:
        """The distinct values of a column (of its elements), read once."""
        if (name, element) not in self._distinct:
            column = F.explode(name) if element else F.col(name)
            values = self._df.select(column).distinct().collect()
            self._distinct[name, element] = [r[0] for r in values if r[0] is not None]
        return self._distinct[name, element]

    def valid(self) -> Column:
        """True where a row passes every column, element and record rule."""
        broken = [rule_broken(r, self.types[r.column], self.distinct) for r in self.rules]
        found = [b for b in broken if b is not None]
        ok = ~_any(found) if found else F.lit(True)
        if self.records:
            ok = ok & ~_any([record_broken(r) for r in RECORD_RULES[self.table]])
        return ok

    def named(self, rows: DataFrame) -> DataFrame:
        """``rows`` with the ``_checks`` and ``_at`` arrays and the record check."""
        if self.arrays:
            rows = rows.select("*", *self.structs).select(*rows.columns, *self.arrays)
        if not self.records:
            return rows
        # a check name is never empty: no name joined means every column rule passed
        ok = F.concat_ws("", F.col(CHECKS)) == F.lit("") if self.arrays else F.lit(True)
        record = first_record_failure(self.table)
        return rows.select("*", F.when(ok, record).alias(RECORD_CHECK))

    def failed(self, row: Row) -> list[tuple[int, str]]:
        """``(position, check)`` of every rule a collected row fails (the record rule at
        the position after the column rules)."""
        out = [(at, c) for at, c in enumerate(row[CHECKS] or [])] if self.arrays else []
        if self.records:
            out.append((len(self.checks), row[RECORD_CHECK]))
        return [(at, c) for at, c in out if c is not None]

    def order(self, at: int, check: str) -> int:
        """Where ``check`` comes among the checks of the rule at ``at`` (the record rules
        after the column rules): the order the fast path lists them in."""
        if at < len(self.checks):
            return self.checks[at][1].index(check)
        return [r.name for r in RECORD_RULES[self.table]].index(check)


def _any(conditions: list[Column]) -> Column:
    out = conditions[0]
    for c in conditions[1:]:
        out = out | c
    return out


def _file_rows(path: Path) -> int:
    """The row count of a Parquet file, from its footer."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def check_published(
    directory: Path, spark: SparkSession | None = None, limit: int = FINDING_LIMIT
) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, computed by Spark.

    The same findings as :func:`evidence_kit.checks.fastcheck.check_published` (and, for
    the vocabulary tables, list elements and references into the vocabularies, as
    :func:`evidence_kit.checks.recordcheck.check_published_records`); ``spark`` is the
    session to use (default: the active one, else ``local[2]``).  Source texts are read
    on the driver, relative to ``directory``'s parent.
    """
    return _SparkEngine(spark or spark_session(), Path(directory), limit).run()


def main(argv: list[str] | None = None) -> int:
    """``python -m evidence_kit.checks.sparkcheck DIR`` (or via spark-submit): findings as
    JSON lines on stdout; exit 1 when any is an error, 0 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the directory of the Parquet files")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, or local[2])")
    parser.add_argument("--limit", type=int, default=FINDING_LIMIT)
    args = parser.parse_args(argv)
    findings = check_published(args.directory, spark_session(args.master), args.limit)
    for finding in findings:
        print(json.dumps(finding.model_dump(mode="json"), ensure_ascii=False))
    errors = sum(1 for f in findings if f.severity == "error")
    print(f"{len(findings)} findings, {errors} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["check_published", "main", "spark_session"]
