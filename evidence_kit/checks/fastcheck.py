"""Fast, column-wise validation of the published Parquet files.

:func:`check_published` streams each table in record batches and checks whole columns at
once with pyarrow.compute and numpy, instead of one Python object per row.  It covers
what the record-level path (:mod:`evidence_kit.checks.recordcheck`) checks, and a differential
test requires both to return identical findings:

* table level: missing file (EK101), missing column (EK202), unknown column (EK201),
  column of the wrong Arrow type (EK203) -- such a column is not checked further; a table
  whose record rules read it gets no record rules, and assertions whose cross-record
  checks read it get none of those (:func:`~evidence_kit.model.columnrules.blocking`);
* column rules of all seven tables (the vocabulary tables first), derived from the
  models' JSON Schema and the closed vocabularies: nulls in required columns (EK202),
  lengths and numeric bounds (EK204), closed value sets (EK205; EK210 for ECO codes),
  patterns (EK206), BCP-47 tags (EK209); the elements of list columns, each row at its
  first failing element (a null element is EK207);
* record rules, on rows whose columns are valid, in the models' order: retraction reason
  (EK213), offsets order (EK208), hedge cue / attribution (EK207), predicate for the kind
  (EK205);
* cross-record rules, on rows that passed the above: duplicate keys (EK301), dangling
  references (EK302: every reference of :mod:`evidence_kit.model.references`, list
  elements one by one, checked in :mod:`evidence_kit.checks.links`), assertion id of
  another source (EK303), claim without active assertion (EK304), repeated quote
  (EK307); source texts (EK106, EK306, EK101, EK401, EK402) and every quote against
  its text (EK403-EK406, EK409).

evidence.parquet gets the table-level checks, the column rules of its claim and source
columns and of its keys, unique assertion_id and references; its copies of the other
assertion columns are checked in assertions.parquet, not a second time.

Findings are located by ``file`` = the Parquet file, ``field`` = the column and ``line`` =
the 1-based row number in the file (null for table-level findings); the row's key is in
the message where it helps.  At most :data:`FINDING_LIMIT` findings are listed per
(file, code, column); a further EK502 finding counts the rest.

The rules are declared in :mod:`evidence_kit.model.columnrules` and the findings built in
:mod:`evidence_kit.checks.findings`; this module is the engine: it reads the tables
(:mod:`evidence_kit.checks.batches`, which runs the per-batch checks of
:mod:`evidence_kit.checks.batchchecks`),
and the cross-record ones here, with the quotes screened in
:mod:`evidence_kit.checks.sourcetexts` and duplicates found in :mod:`evidence_kit.checks.keys`.

**Both cores.**  assertions.parquet and evidence.parquet are cut into runs of row
groups, checked by a pool of threads (pyarrow, numpy and polars release the GIL for
their kernels); each run collects its own findings and keys, and the runs are merged
in row order, so the findings (and which are listed under the limit) are those of one
sequential pass.  ``RULES``, ``FINDING_LIMIT``, ``QUOTE_SUSPECT`` and ``NEEDED`` are
re-exported for callers that import them from here.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.batches import NEEDED, checked_batches, row_group_runs
from evidence_kit.checks.columnar import KeyIndex, arrow_memory_pool, on_values, plain
from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    OpenTable,
    decoding,
    duplicate_finding,
    id_source_finding,
    open_table,
    orphan_finding,
    repeat_finding,
)
from evidence_kit.checks.keys import KeptKeys, compact, duplicated, groups, mix, read_values
from evidence_kit.checks.links import check_references
from evidence_kit.checks.sourcetexts import TextBuffer, load_texts, screen_quotes
from evidence_kit.model.columnrules import QUOTE_SUSPECT, RULES, blocking
from evidence_kit.model.errors import Finding
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES

__all__ = ["FINDING_LIMIT", "NEEDED", "QUOTE_SUSPECT", "RULES", "check_published"]

WORKERS = max(1, min(4, os.cpu_count() or 1))
R = TypeVar("R")


def _decoding(method: Callable[..., R]) -> Callable[..., R]:
    """``method`` of the engine run under :func:`decoding` of the table it is given."""

    @functools.wraps(method)
    def run(self: _Engine, *args: Any) -> R:
        opened = next(a for a in args if isinstance(a, OpenTable))
        with decoding(opened.path):
            return method(self, *args)

    return run


#: What :meth:`_Engine._keyed` calls with each checked batch: (batch, first row, valid).
_EachBatch = Callable[[pa.RecordBatch, int, np.ndarray], None]


def _ints(column: pa.Array) -> np.ndarray:
    """An integer column as numpy, nulls as 0 (only valid rows are used)."""
    return (column.fill_null(0) if column.null_count else column).to_numpy()


@dataclass
class _Part:
    """What one run of row groups of a table contributes: findings, keys, repeats."""

    out: Collector
    kept: KeptKeys = field(default_factory=KeptKeys)
    quads: list[dict[str, np.ndarray]] = field(default_factory=list)
    supported: np.ndarray | None = None


class _Engine:
    """One run over every table; keys and texts carry over to later tables."""

    def __init__(self, directory: Path, limit: int):
        self.directory = directory
        self.out = Collector(limit)
        self.keys: dict[str, KeyIndex] = {}
        self.texts: TextBuffer | None = None
        self.claim_rows: dict[str, Any] = {}
        self.supported: np.ndarray = np.zeros(0, dtype=bool)
        self.ready = threading.Event()  # set once sources and claims (keys, texts) are read
        self.lock = threading.Lock()
        self.numbering: dict[str, dict[str, int]] = {}  # see _identities

    def batches(
        self, opened: OpenTable, table: str, out: Collector, row_groups: list[int] | None = None
    ) -> Iterator[tuple[pa.RecordBatch, int, np.ndarray]]:
        """:func:`~evidence_kit.checks.batches.checked_batches`, each decoded on the calling
        thread when several workers run (Arrow's own threads otherwise)."""
        return checked_batches(opened, table, out, row_groups, threads=WORKERS == 1)

    def run(self) -> list[Finding]:
        """Sources and claims on this thread while the workers start reading and checking
        the columns of assertions and evidence; their checks that need the parent keys
        and texts wait for :attr:`ready`."""
        opened = {t: open_table(self.directory, t, self.out) for t in ("assertions", "evidence")}
        tasks = [
            (table, table_file, run)
            for table, table_file in opened.items()
            if table_file is not None
            for run in row_group_runs(table_file.path)
        ]
        if WORKERS == 1:  # one thread: in order (for profiling and tiny machines)
            self._parents()
            self.ready.set()
            parts = [self._part(*task) for task in tasks]
        else:
            with ThreadPoolExecutor(WORKERS) as pool:
                futures = [pool.submit(self._part, *task) for task in tasks]
                try:
                    self._parents()
                finally:
                    self.ready.set()
                parts = [future.result() for future in futures]
        pa.default_memory_pool().release_unused()  # the batches are gone; keep RSS low
        for table, table_file in sorted(opened.items()):  # evidence first: less held at once
            if table_file is not None:
                mine = [part for (t, _, _), part in zip(tasks, parts, strict=True) if t == table]
                self._finish(table, table_file, mine)
        self._orphans()
        return self.out.findings()

    @_decoding
    def _part(self, table: str, opened: OpenTable, run: list[int]) -> _Part:
        """Check a run of row groups: the column and record rules of each batch at once;
        the checks that need the parents' keys and texts as soon as they are :attr:`ready`
        (the batches read before then wait, so that neither core idles meanwhile)."""
        part = _Part(Collector(self.out.limit))
        waiting: list[tuple[pa.RecordBatch, int, np.ndarray]] = []
        for checked in self.batches(opened, table, part.out, run):
            waiting.append(checked)
            if self.ready.is_set():
                self._links(part, table, opened, waiting)
        self.ready.wait()
        self._links(part, table, opened, waiting)
        return part

    def _links(
        self,
        part: _Part,
        table: str,
        opened: OpenTable,
        waiting: list[tuple[pa.RecordBatch, int, np.ndarray]],
    ) -> None:
        """The cross-record checks of the ``waiting`` batches, in order (emptied)."""
        for batch, base, valid in waiting:
            if table == "assertions" and part.supported is None:
                part.supported = np.zeros(len(self.supported), dtype=bool)
            if table == "evidence":
                self._evidence_batch(part, opened, batch, base, valid)
            elif not blocking(table, opened.bad):
                self._assertion_batch(part, opened.file, batch, base, valid, opened.bad)
        waiting.clear()

    @_decoding
    def _finish(self, table: str, opened: OpenTable, parts: list[_Part]) -> None:
        """Merge the runs of ``table`` in row order, then the checks across all its rows."""
        kept, quads = KeptKeys(), []
        for part in parts:
            self.out.extend(part.out)
            quads += part.quads
            kept.extend(part.kept)
            if part.supported is not None:
                self.supported |= part.supported
            part.kept, part.quads = KeptKeys(), []
        if table == "assertions":
            self._repeats(opened, quads)
        self._key_groups(opened, TABLES[table].primary_key[0], kept)

    def _key_groups(self, opened: OpenTable, column: str, kept: KeptKeys) -> None:
        """EK301: duplicate keys, candidates by 64-bit hash, then compared exactly."""
        rows = kept.repeated_rows()
        values = read_values(opened.path, column, rows)
        for key, first, later in groups(rows, values):
            for row in later:
                self.out.add(duplicate_finding(opened.file, row, column, key, first))

    def _parents(self) -> None:
        """The tables others reference, in order: the vocabularies, sources, claims."""
        for table in VOCABULARY_TABLES:
            opened = open_table(self.directory, table, self.out)
            if opened is not None:
                self._keyed(opened, table)
        self._sources()
        self._claims()

    @_decoding
    def _keyed(self, opened: OpenTable, table: str, each: _EachBatch | None = None) -> None:
        """Check a referenced table on this thread: its rows and references, then its
        key index (every non-null key, once its key column is readable, as the record
        path and Spark take them) and duplicate keys; ``each`` sees every checked batch."""
        key = TABLES[table].primary_key[0]
        keyed = key not in opened.bad
        kept = KeptKeys()
        ids: list[pa.Array] = []
        for batch, base, valid in self.batches(opened, table, self.out):
            if keyed:
                column = batch.column(key)
                ids.append(column.filter(column.is_valid()))
                kept.add(column, np.flatnonzero(valid), base)
            check_references(
                self.out, self.keys, table, opened.file, batch, base, valid, opened.bad
            )
            if each is not None:
                each(batch, base, valid)
        if keyed:
            self.keys[table] = KeyIndex(pa.chunked_array(ids, pa.string()).combine_chunks())
            self._key_groups(opened, key, kept)

    def _sources(self) -> None:
        opened = open_table(self.directory, "sources", self.out)
        if opened is None:
            return
        valid_rows: list[tuple[int, dict[str, Any]]] = []
        degraded = bool(blocking("sources", opened.bad))

        def keep_valid(batch: pa.RecordBatch, base: int, valid: np.ndarray) -> None:
            if not degraded:
                part = batch.filter(pa.array(valid)).to_pylist()
                valid_rows.extend(zip((base + np.flatnonzero(valid)).tolist(), part, strict=True))

        self._keyed(opened, "sources", keep_valid)
        if valid_rows:
            findings, texts = load_texts(opened.file, self.directory.parent, valid_rows)
            for f in findings:
                self.out.add(f)
            self.texts = TextBuffer.build(texts)

    def _claims(self) -> None:
        opened = open_table(self.directory, "claims", self.out)
        if opened is None:
            return
        active: list[tuple[pa.Array, np.ndarray]] = []
        degraded = bool(blocking("claims", opened.bad))

        def keep_active(batch: pa.RecordBatch, base: int, valid: np.ndarray) -> None:
            if not degraded:
                status = on_values(batch.column("status"), lambda v: pc.equal(v, "active"))
                act = np.flatnonzero(valid & status)
                active.append((batch.column("claim_id").take(pa.array(act)), base + act))

        self._keyed(opened, "claims", keep_active)
        if "claims" in self.keys:
            self.supported = np.zeros(len(self.keys["claims"]), dtype=bool)
            self.claim_rows = {"file": opened.file, "active": active, "degraded": degraded}

    def _assertion_batch(
        self,
        part: _Part,
        file: str,
        batch: pa.RecordBatch,
        base: int,
        valid: np.ndarray,
        bad: set[str],
    ) -> None:
        rows = np.flatnonzero(valid)
        ids = batch.column("assertion_id")
        part.kept.add(ids, rows, base)
        index = check_references(part.out, self.keys, "assertions", file, batch, base, valid, bad)
        sources = plain(batch.column("source_id"))
        pair = pl.DataFrame({"id": pl.Series(ids), "source": pl.Series(sources)})
        starts_ok = (
            pair.select(pl.col("id").str.starts_with(pl.col("source") + "-").fill_null(False))
            .to_series()
            .to_numpy()
        )
        wrong = np.flatnonzero(valid & ~starts_ok)
        for row in wrong.tolist():
            finding = id_source_finding(file, base + row, ids[row].as_py(), sources[row].as_py())
            part.out.add(finding)
        del pair
        active = valid & on_values(batch.column("status"), lambda v: pc.equal(v, "active"))
        claim = index.get("claim_id")
        if claim is None:  # no claim keys: nothing to support, repeats still compared
            claim = self._identities("claim_id", batch.column("claim_id"))
        elif part.supported is not None:
            part.supported[claim[active & (claim >= 0)]] = True
        start, end = _ints(batch.column("char_start")), _ints(batch.column("char_end"))
        source = index.get("source_id")
        if source is None:
            source = self._identities("source_id", batch.column("source_id"))
        known = valid & (claim >= 0) & (source >= 0)
        # (source, claim) and (start, end) packed into one 64-bit integer each
        part.quads.append(
            {
                "sc": (source[known].astype(np.uint64) << np.uint64(32))
                | claim[known].astype(np.uint64),
                "ab": (start[known].astype(np.uint64) << np.uint64(32))
                | end[known].astype(np.uint32).astype(np.uint64),
                "r": compact(base + np.flatnonzero(known)),
            }
        )
        screen_quotes(part.out, self.texts, file, batch, base, valid, start, end)

    def _identities(self, name: str, column: pa.Array) -> np.ndarray:
        """A number per distinct value of ``column``, the same in every batch (-1: null):
        what identifies a claim or source in a repeated quote when its parent table
        could not be read, as the record path compares the values themselves."""
        values = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
        with self.lock:
            numbers = self.numbering.setdefault(name, {})
            ids = np.array(
                [numbers.setdefault(v, len(numbers)) for v in values.dictionary.to_pylist()],
                dtype=np.int64,
            )
        indices = values.indices.fill_null(0).to_numpy(zero_copy_only=False)
        out = ids[indices] if len(ids) else np.full(len(column), -1, dtype=np.int64)
        return np.where(values.is_valid().to_numpy(zero_copy_only=False), out, -1)

    def _repeats(self, opened: OpenTable, quads: list[dict[str, np.ndarray]]) -> None:
        """EK307: the same source, offsets and claim as an earlier valid row."""
        if not quads:
            return
        digest = np.concatenate([mix(q["sc"], q["ab"]) for q in quads])
        maybe = np.flatnonzero(duplicated(digest))
        del digest
        if not len(maybe):
            return
        starts = np.cumsum([0] + [len(q["r"]) for q in quads])
        batch = np.searchsorted(starts, maybe, side="right") - 1
        local = maybe - starts[batch]
        sc, ab, rows = (
            np.array([quads[b][k][i] for b, i in zip(batch.tolist(), local.tolist(), strict=True)])
            for k in ("sc", "ab", "r")
        )
        values = list(zip(sc.tolist(), ab.tolist(), strict=True))
        found = groups(rows, values)
        firsts = np.array(sorted({first for _, first, _ in found}), dtype=np.int64)
        named = read_values(opened.path, "assertion_id", firsts)
        first_id = dict(zip(firsts.tolist(), named, strict=True))
        for _, first, later in found:
            for row in later:
                self.out.add(repeat_finding(opened.file, row, first_id[first]))

    def _orphans(self) -> None:
        info = self.claim_rows
        if not info or info["degraded"]:
            return
        for ids, rows in info["active"]:
            index = self.keys["claims"].find(ids)
            for i in np.flatnonzero(~self.supported[index]).tolist():
                self.out.add(orphan_finding(info["file"], int(rows[i]), ids[i].as_py()))

    def _evidence_batch(
        self, part: _Part, opened: OpenTable, batch: pa.RecordBatch, base: int, valid: np.ndarray
    ) -> None:
        if "assertion_id" not in opened.bad:
            part.kept.add(batch.column("assertion_id"), np.flatnonzero(valid), base)
        check_references(
            part.out, self.keys, "evidence", opened.file, batch, base, valid, opened.bad
        )


def check_published(directory: Path, limit: int = FINDING_LIMIT) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, column-wise and streamed.

    Source texts are resolved relative to ``directory``'s parent (``sources.text_path`` is
    relative to the dataset directory, the parent of ``parquet/``).
    """
    with arrow_memory_pool():
        return _Engine(directory, limit).run()
