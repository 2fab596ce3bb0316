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
:mod:`evidence_kit.checks.sparklinks`; the failing rows become findings in
:mod:`evidence_kit.checks.sparkfindings`.  This module is the engine and the driver script.

**Each table is read once.**  One projection of the needed columns (with
``_metadata.row_index``, the file's row number) computes, per row, whether it passes every
column, element and record rule (one condition compiled from the declarations), the
reference flags (broadcast joins to the parents' key sets) and the quote screen (a
broadcast join to the texts).  For a large file it is persisted (memory and disk) with
only what the cross-record jobs read on every row (keys, references, offsets), the other
values packed into one struct on the rows that fail or are flagged (null elsewhere).
From that cache: one count of the marked rows; the marked rows named (the first check
each rule fails, computed on those rows only) and collected, at most ``limit`` per check
(the rest counted, EK502); one window each for repeated keys and repeated quotes; the
key set of a referenced table, cached for the later tables' joins.  Files of at most
:data:`SMALL_ROWS` rows are read again by each job instead.  The caches are unpersisted
at the end.  No Python UDF runs on the executors.

**Why Spark Columns and not Narwhals.**  Narwhals would run one expression set on
Polars, PyArrow and PySpark, but the checks need what its lazy PySpark backend does not
give: the file row number of every finding (``_metadata.row_index``), joins to broadcast
texts and key sets, higher-order functions over list elements, ``rlike`` with the
declared patterns, and a finding cap per column.  Compiling the declarations to
``pyspark.sql.Column`` keeps one source of truth and gives Spark's optimiser whole-stage
code generation.

Run it on a cluster with ``spark-submit`` (see docs/spark.md)::

    spark-submit --master spark://head:7077 "$(python -c 'import evidence_kit.checks.sparkcheck
    as m; print(m.__file__)')" /shared/dataset/parquet --out findings.jsonl
    python -m evidence_kit.checks.sparkcheck dataset/parquet --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    dangling_finding,
    duplicate_finding,
    open_table,
    orphan_finding,
    parquet_problem,
    repeat_finding,
    unreadable_finding,
)
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.checks.sparkfindings import Marked, row_findings
from evidence_kit.checks.sparklinks import (
    QUOTE_TEXT,
    Keys,
    dangling_column,
    dangling_elements,
    link_flags,
    repeats,
)
from evidence_kit.checks.sparkrules import ROW, VALID, TableRules, any_of, needed
from evidence_kit.model.columnrules import LINK_COLUMNS, ORDER, blocking
from evidence_kit.model.errors import EvidenceKitError, Finding
from evidence_kit.model.references import REFERENCED, REFERENCES
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


def _damaged(directory: Path, table: str) -> Finding | None:
    """EK560 when the table's file does not decode in full (read again with pyarrow, which
    names the problem; Spark reports it as a Java stack trace); None otherwise."""
    path = directory / TABLES[table].file_name
    if not path.is_file() or parquet_problem(path) is not None:
        return None  # not read by Spark: already reported (EK101, EK560)
    try:
        pq.read_table(path).validate(full=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        return unreadable_finding(path, exc)
    return None


class _SparkEngine:
    def __init__(self, spark: SparkSession, directory: Path, limit: int):
        self.spark = spark
        self.directory = directory
        self.out = Collector(limit)
        self.keys = Keys()
        self.claims: tuple[str, DataFrame] | None = None  # claims file, active valid claims
        self.supported: DataFrame | None = None
        self._cached: list[DataFrame] = []

    def run(self) -> list[Finding]:
        try:
            for table in ORDER:
                self._table(table)
            self._orphans()
        except Exception:  # a corrupt page reaches us as a Java error: say which file
            damaged = [f for t in ORDER if (f := _damaged(self.directory, t)) is not None]
            if damaged:
                raise EvidenceKitError(damaged) from None
            raise
        finally:
            for df in self._cached:
                df.unpersist()
        return self.out.findings()

    def _cache(self, df: DataFrame) -> DataFrame:
        """``df`` persisted (memory and disk; filled by the first job that reads it) and
        unpersisted at the end of the run."""
        df = df.persist()
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
        rules = TableRules(table, df, bad)
        # assertions missing a column their cross-record checks read get none of them (no
        # references, keys, repeats or quotes), as in the fast and record paths
        linked = table != "assertions" or not blocking(table, bad)
        quotes = table == "assertions" and linked
        checked = df.select("*", rules.valid().alias(VALID))
        link_keys = self.keys if linked else Keys(texts=self.keys.texts)
        checked, flags = link_flags(self.spark, table, checked, bad, link_keys, quotes)
        interesting = any_of([~F.col(VALID), *(F.col(flag) for flag in flags)])
        rows = _file_rows(path)
        if rows <= SMALL_ROWS:  # no cache: each job reads the small file again
            links, marked, count = checked, checked.filter(interesting), rows
        else:
            links, marked, count = self._pass(table, checked, interesting, flags)
        if count:
            found = Marked(marked, rules, flags, count)
            row_findings(self.out, table, file, found, self.keys, self._cache)
        valid = links.filter(F.col(VALID))
        key = TABLES[table].primary_key[0]
        if key not in bad and table in REFERENCED:
            keys = links.select(F.col(key).alias("_key")).filter(F.col("_key").isNotNull())
            self.keys.frames[table] = (self._cache(keys.distinct()), rows)
        if key not in bad and linked:
            for r in repeats(valid, [key], []):
                self.out.add(duplicate_finding(file, r[ROW], key, r[key], r["_first"]))
        for row in dangling_elements(table, valid, bad, link_keys):
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
        """The one pass over a large file: ``checked`` cached with the columns the
        cross-record jobs read on every row, and the other values packed into one struct
        on the rows a finding will quote (null elsewhere: nearly free to keep).  Returns
        the cached frame, the interesting rows unpacked, and how many there are (the
        count is the job that reads the file and fills the cache)."""
        whole = [c for c in checked.columns if c in {ROW, VALID, *flags, *_linked(table)}]
        values = [c for c in checked.columns if c not in whole]
        packed = F.when(interesting, F.struct(*values)).alias(VALUES)
        links = self._cache(checked.select(*whole, packed))
        counted = links.agg(F.count(F.when(interesting, 1))).first()
        marked = links.filter(interesting).select(*whole, f"{VALUES}.*")
        return links, marked, int(counted[0]) if counted is not None else 0

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
        """EK307 (the same source, offsets and claim as an earlier valid row, among the
        rows whose claim and source are not dangling), and the claims the active
        assertions support (for EK304)."""
        known: Column = F.lit(True)  # a reference not checked (no parent file) is no bar
        for ref in REFERENCES["assertions"]:
            flag = dangling_column(ref)
            known = known & ~F.col(flag) if flag in flags else known
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
    JSON lines on stdout, or into ``--out FILE`` (spark-submit runs a Python driver with
    its stderr merged into stdout, and Spark logs there too); exit 1 when any is an
    error, 0 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the directory of the Parquet files")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, or local[2])")
    parser.add_argument("--limit", type=int, default=FINDING_LIMIT)
    parser.add_argument("--out", type=Path, help="write the JSON lines here, not to stdout")
    args = parser.parse_args(argv)
    findings = check_published(args.directory, spark_session(args.master), args.limit)
    lines = [json.dumps(f.model_dump(mode="json"), ensure_ascii=False) + "\n" for f in findings]
    if args.out is not None:
        args.out.write_text("".join(lines), encoding="utf-8")
    else:
        sys.stdout.writelines(lines)
    errors = sum(1 for f in findings if f.severity == "error")
    print(f"{len(findings)} findings, {errors} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["check_published", "main", "spark_session"]
