"""How the fast path reads a table: the columns its checks need, in record batches, with
the column and record rules already applied.

:data:`NEEDED` is derived from the declarations (every column with a column or element
rule, every reference, every column a record rule reads, and the quote columns), so a
new rule is read without touching this module.  Repetitive string columns are read as
dictionaries (a value repeated a million times is decoded and checked once per batch);
unique or nearly unique ones (:data:`PLAIN_COLUMNS`, the keys) as plain strings.  Column
chunks go through a bounded buffer rather than whole, to keep memory flat at 10M rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.checks.batchchecks import check_columns, check_records
from evidence_kit.checks.findings import Collector, OpenTable, guarded
from evidence_kit.model.columnrules import ALL_RULES, RECORD_COLUMNS, blocking
from evidence_kit.model.references import REFERENCES
from evidence_kit.model.tables import TABLES

BATCH_ROWS = 262_144
BUFFER_BYTES = 8 << 20  # read column chunks through a buffer, not whole, to bound memory

#: Unique or nearly unique text columns, read as plain strings (the rest as dictionaries).
PLAIN_COLUMNS = {"assertion_id", "quote", "prefix", "suffix", "quote_en", "note"}


def _needed() -> dict[str, set[str]]:
    """Columns the fast path reads: those with a check (of the column or of its list
    elements), the references, and those record rules use."""
    out: dict[str, set[str]] = {}
    for table, rules in ALL_RULES.items():
        checked = {
            r.column
            for r in rules
            if not r.nullable
            or r.language
            or r.element is not None
            or any(
                v is not None for v in (r.pattern, r.min_length, r.max_length, r.enum, r.ge, r.le)
            )
        }
        linked = {ref.column for ref in REFERENCES[table]}
        out[table] = checked | linked | set(RECORD_COLUMNS.get(table, ()))
    out["assertions"] |= {"quote", "prefix", "suffix", "source_id", "claim_id"}
    return out


NEEDED: dict[str, set[str]] = _needed()


def checked_batches(
    opened: OpenTable,
    table: str,
    out: Collector,
    row_groups: list[int] | None = None,
    threads: bool = True,
) -> Iterator[tuple[pa.RecordBatch, int, np.ndarray]]:
    """Batches of ``table`` (``row_groups``, a consecutive run, or all) with the column
    and record rules applied: ``(batch, first row number, mask of valid rows)``; the
    findings go to ``out``.  ``threads``: let Arrow decode with its own thread pool."""
    schema, bad = opened.schema, opened.bad
    needed = [c for c in schema.names if c in NEEDED[table] and c not in bad]
    as_dictionary = [
        c
        for c in needed
        if schema.field(c).type == pa.string()
        and c not in PLAIN_COLUMNS
        and c not in TABLES[table].primary_key
    ]
    parquet = pq.ParquetFile(
        opened.path, read_dictionary=as_dictionary, buffer_size=BUFFER_BYTES, pre_buffer=False
    )
    groups = list(range(parquet.num_row_groups)) if row_groups is None else row_groups
    meta = parquet.metadata
    base = sum(meta.row_group(i).num_rows for i in range(groups[0])) if groups else 0
    read = parquet.iter_batches(
        batch_size=BATCH_ROWS, row_groups=groups, columns=needed, use_threads=threads
    )
    for batch in guarded(opened.path, read):
        valid = check_columns(out, table, opened.file, batch, base, bad)
        if not blocking(table, bad):
            check_records(out, table, opened.file, batch, base, valid)
        yield batch, base, valid
        base += batch.num_rows


def row_group_runs(path: Path) -> list[list[int]]:
    """The file's row groups cut into consecutive runs, one task each (at least one run,
    so that an empty file still gets its table-level checks)."""
    count = pq.ParquetFile(path).metadata.num_row_groups
    return [[i] for i in range(count)] or [[]]
