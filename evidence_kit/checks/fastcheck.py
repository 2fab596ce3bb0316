"""Fast, column-wise validation of the published Parquet files.

:func:`check_published` streams each table in record batches and checks whole columns at
once with pyarrow.compute and numpy, instead of one Python object per row.  It covers
what the record-level path (:mod:`evidence_kit.checks.recordcheck`) checks, and a differential
test requires both to return identical findings:

* table level: missing file (EK101), missing column (EK202), unknown column (EK201),
  column of the wrong Arrow type (EK203) -- such a column is not checked further, and a
  table with one gets no record rules;
* column rules, derived from the models' JSON Schema and the closed vocabularies: nulls
  in required columns (EK202), lengths and numeric bounds (EK204), closed value sets
  (EK205; EK210 for ECO codes), patterns (EK206), BCP-47 tags (EK209);
* record rules, on rows whose columns are valid, in the models' order: retraction reason
  (EK213), offsets order (EK208), hedge cue / attribution (EK207), predicate for the kind
  (EK205);
* cross-record rules, on rows that passed the above: duplicate keys (EK301), dangling
  references (EK302), assertion id of another source (EK303), claim without active
  assertion (EK304), repeated quote (EK307); source texts (EK106, EK306, EK101, EK401,
  EK402) and every quote against its text (EK403-EK406, EK409).

evidence.parquet gets the table-level checks, the column rules of its claim and source
columns and of its keys, unique assertion_id and references; its copies of the other
assertion columns are checked in assertions.parquet, not a second time.

Findings are located by ``file`` = the Parquet file, ``field`` = the column and ``line`` =
the 1-based row number in the file (null for table-level findings); the row's key is in
the message where it helps.  At most :data:`FINDING_LIMIT` findings are listed per
(file, code, column); a further EK502 finding counts the rest.

The rules are declared in :mod:`evidence_kit.model.columnrules` and the findings built in
:mod:`evidence_kit.checks.findings`; this module is the engine: it reads the tables
(:meth:`_Engine.scan`), runs the per-batch checks of :mod:`evidence_kit.checks.batchchecks`,
and the cross-record ones here, with the quotes screened in
:mod:`evidence_kit.checks.sourcetexts`.  ``RULES``, ``FINDING_LIMIT`` and ``QUOTE_SUSPECT`` are
re-exported for callers that import them from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evidence_kit.checks.batchchecks import check_columns, check_records
from evidence_kit.checks.columnar import KeyIndex, hash_strings, on_values, plain, positions_in
from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    dangling_finding,
    duplicate_finding,
    id_source_finding,
    open_table,
    orphan_finding,
    repeat_finding,
    table_file,
)
from evidence_kit.checks.sourcetexts import TextBuffer, load_texts, screen_quotes
from evidence_kit.model.columnrules import QUOTE_SUSPECT, RECORD, RECORD_COLUMNS, RULES, blocking
from evidence_kit.model.errors import Finding
from evidence_kit.model.tables import TABLES

__all__ = ["FINDING_LIMIT", "QUOTE_SUSPECT", "RULES", "check_published"]

BATCH_ROWS = 262_144
BUFFER_BYTES = 8 << 20  # read column chunks through a buffer, not whole, to bound memory

#: Unique or nearly unique text columns, read as plain strings (the rest as dictionaries).
PLAIN_COLUMNS = {"assertion_id", "quote", "prefix", "suffix", "quote_en", "note"}


def _needed() -> dict[str, set[str]]:
    """Columns the fast path reads: those with a check, and those record rules use."""
    out: dict[str, set[str]] = {}
    for table, rules in RULES.items():
        checked = {
            r.column
            for r in rules
            if not r.nullable
            or r.language
            or any(
                v is not None for v in (r.pattern, r.min_length, r.max_length, r.enum, r.ge, r.le)
            )
        }
        out[table] = checked | set(RECORD_COLUMNS[table])
    out["assertions"] |= {"quote", "prefix", "suffix", "source_id", "claim_id"}
    return out


NEEDED: dict[str, set[str]] = _needed()


def _compact(rows: np.ndarray) -> np.ndarray:
    """Row numbers as int32 when they fit (they are kept for every row of a big file)."""
    return rows.astype(np.int32) if len(rows) == 0 or rows.max() < 2**31 else rows


#: Keys of the valid rows of one batch: values, row numbers and 64-bit hashes.
Kept = tuple[pa.Array, np.ndarray, np.ndarray]


def _keep(ids: pa.Array, rows: np.ndarray) -> Kept:
    values = plain(ids)
    return values, _compact(rows), hash_strings(values)


def _concat(arrays: list[pa.Array]) -> pa.ChunkedArray:
    return pa.chunked_array(arrays, arrays[0].type if arrays else pa.string())


def _duplicated(digest: np.ndarray) -> np.ndarray:
    """Mask of the 64-bit hashes that occur more than once.

    One sort of the hashes (8 bytes a row, no hash table); the few repeated values are
    then found by binary search, not by ``np.isin`` (which sorts everything again).
    """
    ordered = np.sort(digest)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    if not len(repeated):
        return np.zeros(len(digest), dtype=bool)
    at = np.minimum(np.searchsorted(repeated, digest), len(repeated) - 1)
    return repeated[at] == digest


def _groups(rows: np.ndarray, values: list[Any]) -> list[tuple[Any, int, list[int]]]:
    """``(value, first row, later rows)`` per value held by more than one row.

    ``rows`` ascend; the groups come in the order of their first rows.
    """
    groups: dict[Any, list[int]] = {}
    for row, value in zip(rows.tolist(), values, strict=True):
        groups.setdefault(value, []).append(row)
    return [(v, rs[0], rs[1:]) for v, rs in groups.items() if len(rs) > 1]


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 64-bit hash of two uint64 columns (multiply-xorshift; wraps around)."""
    h = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E5C1))
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    return h ^ (h >> np.uint64(29))


class _Engine:
    """One run over the four tables in order; keys and texts carry over to later tables."""

    def __init__(self, directory: Path, limit: int):
        self.directory = directory
        self.out = Collector(limit)
        self.keys: dict[str, KeyIndex] = {}
        self.texts: TextBuffer | None = None
        self.claim_rows: dict[str, Any] = {}
        self.supported: np.ndarray = np.zeros(0, dtype=bool)

    def scan(self, table: str) -> Iterable[tuple[str, pa.RecordBatch, int, np.ndarray, set[str]]]:
        """Batches of ``table`` with the column and record rules applied.

        Only the columns some check needs are read; repetitive string columns are read as
        dictionaries, so a value repeated a million times is decoded and checked once.
        """
        opened = open_table(self.directory, table, self.out)
        if opened is None:
            return
        path, file, schema, bad = opened.path, opened.file, opened.schema, opened.bad
        needed = [c for c in schema.names if c in NEEDED[table] and c not in bad]
        as_dictionary = [
            c
            for c in needed
            if schema.field(c).type == pa.string()
            and c not in PLAIN_COLUMNS
            and c not in TABLES[table].primary_key
        ]
        parquet = pq.ParquetFile(
            path, read_dictionary=as_dictionary, buffer_size=BUFFER_BYTES, pre_buffer=False
        )
        base = 0
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=needed):
            valid = check_columns(self.out, table, file, batch, base, bad)
            if not blocking(table, bad):
                check_records(self.out, table, file, batch, base, valid)
            yield file, batch, base, valid, bad
            base += batch.num_rows

    def run(self) -> list[Finding]:
        self._sources()
        self._claims()
        # evidence.parquet needs only the parent keys: check it on the second core while
        # this thread checks assertions.parquet (pyarrow and numpy release the GIL)
        side = _Engine(self.directory, self.out.limit)
        side.keys = self.keys
        with ThreadPoolExecutor(1) as pool:
            evidence = pool.submit(side._evidence)
            self._assertions()
            evidence.result()
        self.out.merge(side.out)
        return self.out.findings()

    def _keys(self, table: str, kept: list[Kept], column: str) -> None:
        """EK301 over the valid rows' keys (later duplicates flagged), in one hash pass."""
        if not kept:
            return
        _, file = table_file(self.directory, table)
        ids = _concat([i for i, _, _ in kept])
        rows = np.concatenate([r for _, r, _ in kept])
        digest = np.concatenate([h for _, _, h in kept])
        del kept[:]
        self._key_groups(file, column, ids, rows, digest)

    def _key_groups(
        self, file: str, column: str, ids: pa.ChunkedArray, rows: np.ndarray, digest: np.ndarray
    ) -> None:
        """Duplicate keys: candidates by 64-bit hash, then compared exactly (few rows)."""
        maybe = np.flatnonzero(_duplicated(digest))
        del digest
        if not len(maybe):
            return
        values = ids.take(pa.array(maybe)).to_pylist()
        for key, first, later in _groups(rows[maybe], values):
            for row in later:
                self.out.add(duplicate_finding(file, row, column, key, first))

    def _sources(self) -> None:
        kept: list[Kept] = []
        valid_rows: list[tuple[int, dict[str, Any]]] = []
        all_ids: list[pa.Array] = []
        file = ""
        for file, batch, base, valid, bad in self.scan("sources"):  # noqa: B007
            if "source_id" not in bad:
                ids = batch.column("source_id")
                all_ids.append(ids.filter(ids.is_valid()))
                rows = np.flatnonzero(valid)
                kept.append(_keep(ids.take(pa.array(rows)), base + rows))
            if not blocking("sources", bad):
                part = batch.take(pa.array(np.flatnonzero(valid))).to_pylist()
                valid_rows += list(zip((base + np.flatnonzero(valid)).tolist(), part, strict=True))
        if all_ids:
            self.keys["sources"] = KeyIndex(pa.chunked_array(all_ids, pa.string()).combine_chunks())
        self._keys("sources", kept, "source_id")
        if file and valid_rows:
            findings, texts = load_texts(file, self.directory.parent, valid_rows)
            for f in findings:
                self.out.add(f)
            self.texts = TextBuffer.build(texts)

    def _claims(self) -> None:
        kept: list[Kept] = []
        all_ids: list[pa.Array] = []
        active: list[tuple[pa.Array, np.ndarray]] = []
        file = ""
        degraded = True
        for file, batch, base, valid, bad in self.scan("claims"):  # noqa: B007
            degraded = bool(blocking("claims", bad))
            if "claim_id" in bad:
                continue
            ids = batch.column("claim_id")
            all_ids.append(ids.filter(ids.is_valid()))
            rows = np.flatnonzero(valid)
            kept.append(_keep(ids.take(pa.array(rows)), base + rows))
            if not blocking("claims", bad):
                status = batch.column("status").dictionary_decode()
                act = np.flatnonzero(
                    valid
                    & pc.equal(status, "active").fill_null(False).to_numpy(zero_copy_only=False)
                )
                active.append((ids.take(pa.array(act)), base + act))
        if not all_ids:
            return
        keys = pa.chunked_array(all_ids, pa.string()).combine_chunks()
        self.keys["claims"] = KeyIndex(keys)
        self._keys("claims", kept, "claim_id")
        self.supported = np.zeros(len(keys), dtype=bool)
        self.claim_rows = {"file": file, "active": active, "degraded": degraded}

    def _references(
        self,
        table: str,
        file: str,
        batch: pa.RecordBatch,
        base: int,
        rows: np.ndarray,
        bad: set[str],
    ) -> dict[str, np.ndarray]:
        """EK302 for claim_id and source_id of ``rows``; returns their indices into the keys."""
        out: dict[str, np.ndarray] = {}
        for column, target in (("claim_id", "claims"), ("source_id", "sources")):
            if column in bad or target not in self.keys:
                continue
            values = batch.column(column).take(pa.array(rows))
            index = positions_in(values, self.keys[target])
            missing = np.flatnonzero((index < 0) & values.is_valid().to_numpy(zero_copy_only=False))
            for i, value in zip(
                missing.tolist(), values.take(pa.array(missing)).to_pylist(), strict=True
            ):
                self.out.add(
                    dangling_finding(
                        file, base + int(rows[i]), column, RECORD[target].lower(), value
                    )
                )
            out[column] = index
        return out

    def _assertions(self) -> None:
        kept: list[Kept] = []
        quads: list[dict[str, np.ndarray]] = []
        held = 0
        file = ""
        for file, batch, base, valid, bad in self.scan("assertions"):
            if blocking("assertions", bad):
                continue
            rows = np.flatnonzero(valid)
            take = pa.array(rows)
            ids = batch.column("assertion_id").take(take)
            kept.append(_keep(ids, base + rows))
            index = self._references("assertions", file, batch, base, rows, bad)
            sources = batch.column("source_id").take(take)
            pair = pl.DataFrame({"id": pl.Series(ids), "source": pl.Series(plain(sources))})
            starts_ok = (
                pair.select(pl.col("id").str.starts_with(pl.col("source") + "-"))
                .to_series()
                .to_numpy()
            )
            for i in np.flatnonzero(~starts_ok).tolist():
                self.out.add(
                    id_source_finding(file, base + int(rows[i]), ids[i].as_py(), sources[i].as_py())
                )
            del pair
            active = on_values(batch.column("status").take(take), lambda v: pc.equal(v, "active"))
            unknown = np.full(len(rows), -1, dtype=np.int64)
            claim = index.get("claim_id", unknown)
            self.supported[claim[active & (claim >= 0)]] = True
            start = batch.column("char_start").take(take).to_numpy()
            end = batch.column("char_end").take(take).to_numpy()
            source = index.get("source_id", unknown)
            known = (claim >= 0) & (source >= 0)
            # (source, claim) and (start, end) packed into one 64-bit integer each
            quads.append(
                {
                    "sc": (source[known].astype(np.uint64) << np.uint64(32))
                    | claim[known].astype(np.uint64),
                    "ab": (start[known].astype(np.uint64) << np.uint64(32))
                    | end[known].astype(np.uint32).astype(np.uint64),
                    "r": _compact((base + rows)[known]),
                    "p": _compact(held + np.flatnonzero(known)),
                }
            )
            held += len(rows)
            screen_quotes(self.out, self.texts, file, batch, base, rows, start, end)
        if kept:
            ids = _concat([i for i, _, _ in kept])
            rows = np.concatenate([r for _, r, _ in kept])
            digest = np.concatenate([h for _, _, h in kept])
            del kept[:]
            self._repeats(file, quads, ids)
            self._key_groups(file, "assertion_id", ids, rows, digest)
            del ids, rows, digest
        self._orphans()

    def _repeats(self, file: str, quads: list[dict[str, np.ndarray]], ids: pa.ChunkedArray) -> None:
        """EK307: the same source, offsets and claim as an earlier valid row."""
        if not quads:
            return
        sc, ab, rows, at = (np.concatenate([q[k] for q in quads]) for k in ("sc", "ab", "r", "p"))
        del quads[:]
        maybe = np.flatnonzero(_duplicated(_mix(sc, ab)))
        if not len(maybe):
            return
        values = list(zip(sc[maybe].tolist(), ab[maybe].tolist(), strict=True))
        first_at = dict(zip(rows[maybe].tolist(), at[maybe].tolist(), strict=True))
        for _, first, later in _groups(rows[maybe], values):
            first_id = ids[first_at[first]].as_py()
            for row in later:
                self.out.add(repeat_finding(file, row, first_id))

    def _orphans(self) -> None:
        info = self.claim_rows
        if not info or info["degraded"]:
            return
        for ids, rows in info["active"]:
            index = self.keys["claims"].find(ids)
            for i in np.flatnonzero(~self.supported[index]).tolist():
                self.out.add(orphan_finding(info["file"], int(rows[i]), ids[i].as_py()))

    def _evidence(self) -> None:
        kept: list[Kept] = []
        for file, batch, base, valid, bad in self.scan("evidence"):
            rows = np.flatnonzero(valid)
            if "assertion_id" not in bad:
                ids = batch.column("assertion_id").take(pa.array(rows))
                kept.append(_keep(ids, base + rows))
            self._references("evidence", file, batch, base, rows, bad)
        self._keys("evidence", kept, "assertion_id")


def check_published(directory: Path, limit: int = FINDING_LIMIT) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, column-wise and streamed.

    Source texts are resolved relative to ``directory``'s parent (``sources.text_path`` is
    relative to the dataset directory, the parent of ``parquet/``).
    """
    return _Engine(directory, limit).run()
