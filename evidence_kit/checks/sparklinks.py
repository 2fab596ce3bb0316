"""The cross-record checks on Spark: keys, references, repeated quotes and quotes.

The links between rows and tables, as the Spark engine (:mod:`evidence_kit.checks.sparkcheck`)
runs them, all read from the declarations: every foreign key of
:data:`~evidence_kit.model.references.REFERENCES` (claim_id and source_id of assertions and
evidence; subject, object_id, and each element of co_interventions and outcomes of claims,
into the vocabulary tables), unique primary keys (EK301), repeated quotes (EK307), the
assertion id's source (EK303) and every quote against its source text.

Scalar references and the quote screen become flag columns of the one pass that checks
the columns (:func:`link_flags`: broadcast joins to the parents' key sets and to the
texts), so they cost no job of their own; list references are exploded (few rows: the
claims); repeated keys and quotes are found by one window each over the narrow rows
(:func:`repeats`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from evidence_kit.checks.findings import (
    dangling_finding,
    id_source_finding,
    quote_findings,
)
from evidence_kit.checks.sparkrules import ROW, VALID
from evidence_kit.model.columnrules import NFC_SUSPECT_CODES, SPACE_CODES
from evidence_kit.model.errors import Finding
from evidence_kit.model.fields import CONTEXT_LENGTH
from evidence_kit.model.references import REFERENCES, Reference

#: Parent key sets up to this many rows are broadcast to the joins; larger ones are
#: joined by Spark's own choice (a shuffle).
BROADCAST_ROWS = 2_000_000

QUOTE_COLUMNS = ("source_id", "quote", "char_start", "char_end", "prefix", "suffix")
_NFC_SUSPECTS = "".join(map(chr, NFC_SUSPECT_CODES))
_SPACES = "".join(map(chr, SPACE_CODES))
#: The quote columns read only on the rows the screen flags (the rest are links too).
QUOTE_TEXT = ("quote", "prefix", "suffix")


@dataclass
class Keys:
    """The key set of each table some reference needs (a persisted frame of ``_key``,
    and the file's row count), and the source texts the quotes are checked against."""

    frames: dict[str, tuple[DataFrame, int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def of(self, ref: Reference) -> DataFrame | None:
        """The keys ``ref`` may take (the union of its targets'), None when one is unknown."""
        if any(table not in self.frames for table, _ in ref.targets):
            return None
        frames = [self.frames[table][0] for table, _ in ref.targets]
        keys = frames[0]
        for other in frames[1:]:
            keys = keys.unionByName(other)
        keys = keys.distinct() if len(frames) > 1 else keys
        rows = sum(self.frames[table][1] for table, _ in ref.targets)
        return F.broadcast(keys) if rows <= BROADCAST_ROWS else keys


def dangling_column(ref: Reference) -> str:
    return f"_dangling_{ref.column}"


def _scalar(table: str, bad: set[str], keys: Keys) -> list[tuple[Reference, DataFrame]]:
    refs = [r for r in REFERENCES[table] if not r.each_element and r.column not in bad]
    return [(r, k) for r in refs if (k := keys.of(r)) is not None]


def link_flags(
    spark: SparkSession,
    table: str,
    df: DataFrame,
    bad: set[str],
    keys: Keys,
    quotes: bool,
) -> tuple[DataFrame, list[str]]:
    """``df`` (the rows with their ``_valid`` flag) joined to what its scalar references
    need and, with ``quotes``, to the source texts; returns it with one boolean column per
    cross-record check (true on the valid rows that fail it), and their names."""
    flags: dict[str, Column] = {}
    valid = F.col(VALID)
    drop = []
    for ref, parent in _scalar(table, bad, keys):
        has = f"_has_{ref.column}"
        found = parent.select(F.col("_key").alias(ref.column), F.lit(True).alias(has))
        df = df.join(found, ref.column, "left")
        flags[dangling_column(ref)] = valid & F.col(ref.column).isNotNull() & F.col(has).isNull()
        drop.append(has)
    if quotes:
        flags["_id_source"] = valid & ~F.col("assertion_id").startswith(
            F.concat(F.col("source_id"), F.lit("-"))
        )
        if keys.texts:
            df = df.join(F.broadcast(_texts(spark, keys.texts)), "source_id", "left")
            flags["_quote"] = valid & F.col("_text").isNotNull() & _quote_differs()
            drop += ["_text", "_len"]
    columns = [F.coalesce(c, F.lit(False)).alias(name) for name, c in flags.items()]
    return df.select("*", *columns).drop(*drop), list(flags)


def _texts(spark: SparkSession, texts: dict[str, str]) -> DataFrame:
    schema = T.StructType(
        [T.StructField("source_id", T.StringType()), T.StructField("_text", T.StringType())]
    )
    return spark.createDataFrame(list(texts.items()), schema).withColumn(
        "_len", F.char_length("_text")
    )


def quote_suspect(quote: Column) -> Column:
    """True where ``quote`` starts or ends with white space or holds a character of NFC
    doubt: the rows :data:`~evidence_kit.model.columnrules.QUOTE_SUSPECT` matches, found
    with ``translate`` over the declared characters instead of that regular expression
    (Java tries a character class of a hundred ranges one range at a time: 25 s instead
    of 2 s over a million quotes)."""
    nfc_doubt = F.char_length(F.translate(quote, _NFC_SUSPECTS, "")) != F.char_length(quote)
    edges = [F.left(quote, F.lit(1)), F.right(quote, F.lit(1))]
    space = [F.translate(edge, _SPACES, "") != edge for edge in edges]
    return nfc_doubt | space[0] | space[1]


def _quote_differs() -> Column:
    """prefix + quote + suffix differ from the text around the offsets, the quote is
    suspect (edge white space, NFC doubt), or the offsets run past the end: the rows the
    Python check explains.  One substring of the text, not three (Spark walks a string
    from its start to find a code point)."""
    start, end, length = F.col("char_start"), F.col("char_end"), F.col("_len")
    low = F.greatest(start - CONTEXT_LENGTH, F.lit(0))
    high = F.least(end + CONTEXT_LENGTH, length)
    window = F.col("_text").substr(low + 1, high - low)
    together = F.concat(F.col("prefix"), F.col("quote"), F.col("suffix"))
    differs = (
        ~together.eqNullSafe(window)
        | (F.char_length("prefix") != start - low)
        | (F.char_length("quote") != end - start)
    )
    return quote_suspect(F.col("quote")) | (end > length) | differs


def link_findings(
    table: str, file: str, row: Row, flags: list[str], keys: Keys
) -> Iterable[Finding]:
    """The findings of one collected row for the cross-record flags it has set."""
    for ref in REFERENCES[table]:
        name = dangling_column(ref)
        if name in flags and row[name]:
            yield dangling_finding(file, row[ROW], ref.column, ref.target, row[ref.column])
    if "_id_source" in flags and row["_id_source"]:
        yield id_source_finding(file, row[ROW], row["assertion_id"], row["source_id"])
    if "_quote" in flags and row["_quote"]:
        values = {c: row[c] for c in QUOTE_COLUMNS}
        yield from quote_findings(file, row[ROW], values, keys.texts[values["source_id"]])


def dangling_elements(table: str, valid: DataFrame, bad: set[str], keys: Keys) -> list[Row]:
    """``(ROW, column, _item)`` for each element of a list reference that no referenced
    table holds, in row and element order (one job for all list references)."""
    parts = []
    for ref in REFERENCES[table]:
        parent = keys.of(ref) if ref.each_element and ref.column not in bad else None
        if parent is None:
            continue
        items = valid.select(ROW, F.posexplode(ref.column).alias("_pos", "_item"))
        found = parent.select(F.col("_key").alias("_item"), F.lit(True).alias("_has"))
        missing = (
            items.join(found, "_item", "left")
            .filter(F.col("_item").isNotNull() & F.col("_has").isNull())
            .select(ROW, F.lit(ref.column).alias("column"), "_pos", "_item")
        )
        parts.append(missing)
    if not parts:
        return []
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    return sorted(union.collect(), key=lambda r: (r[ROW], r["column"], r["_pos"]))


def repeats(frame: DataFrame, columns: list[str], carry: list[str]) -> list[Row]:
    """The rows of ``frame`` holding the same values of ``columns`` as an earlier row, in
    the order of that first row, then their own: each with ``ROW``, ``columns``,
    ``_first`` (the first row) and ``_first_<c>`` for each ``c`` of ``carry`` (the first
    row's value).  One window over the narrow rows, partitioned by the values."""
    same = Window.partitionBy(*columns)
    firsts = [F.min_by(c, F.col(ROW)).over(same).alias(f"_first_{c}") for c in carry]
    rows = (
        frame.select(ROW, *columns, F.min(ROW).over(same).alias("_first"), *firsts)
        .filter(F.col(ROW) > F.col("_first"))
        .collect()
    )
    return sorted(rows, key=lambda r: (r["_first"], r[ROW]))


__all__ = [
    "BROADCAST_ROWS",
    "QUOTE_TEXT",
    "Keys",
    "dangling_elements",
    "link_findings",
    "link_flags",
    "quote_suspect",
    "repeats",
]
