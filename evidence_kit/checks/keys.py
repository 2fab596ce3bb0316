"""Duplicate keys and repeated rows found by 64-bit hashes, for the fast path.

The fast path keeps, while it streams a table, the key of every valid row as a 64-bit
hash with its row number; :func:`duplicated` then finds the candidates with one sort of
the hashes, and only those few rows are read back and compared exactly
(:func:`read_values`, :func:`groups`), so no hash table, ``np.isin`` or copy of the keys
over all rows is needed.

>>> mask = duplicated(np.array([5, 7, 5, 9], dtype=np.uint64))
>>> mask.tolist()
[True, False, True, False]
>>> groups(np.array([3, 8, 11]), ["a", "b", "a"])
[('a', 3, [11])]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.checks.columnar import hash_strings, plain
from evidence_kit.checks.findings import guarded


def compact(rows: np.ndarray) -> np.ndarray:
    """Row numbers as int32 when they fit (they are kept for every row of a big file)."""
    return rows.astype(np.int32) if len(rows) == 0 or rows.max() < 2**31 else rows


@dataclass
class KeptKeys:
    """The keys of the valid rows seen so far, as 64-bit hashes with their row numbers.

    The key strings themselves are not kept (at 10 million rows they would be the
    largest thing in memory): the few rows whose hash repeats are read back from the
    file by :func:`read_values`, only from the row groups that hold them.
    """

    rows: list[np.ndarray] = field(default_factory=list)
    digests: list[np.ndarray] = field(default_factory=list)

    def add(self, column: pa.Array, local: np.ndarray, base: int) -> None:
        """Keep the keys of rows ``local`` of ``column``, a batch starting at row ``base``."""
        digest = hash_strings(plain(column))
        self.rows.append(compact(base + local))
        self.digests.append(digest[local] if len(local) < len(column) else digest)

    def extend(self, other: KeptKeys) -> None:
        """Append the keys ``other`` kept (rows after ours)."""
        self.rows.extend(other.rows)
        self.digests.extend(other.digests)

    def repeated_rows(self) -> np.ndarray:
        """Row numbers (ascending) of the kept rows whose hash some other kept row shares."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64)
        maybe = np.flatnonzero(duplicated(np.concatenate(self.digests)))
        return np.concatenate(self.rows)[maybe].astype(np.int64)


def read_values(path: Path, column: str, rows: np.ndarray) -> list[Any]:
    """The values of ``column`` at file rows ``rows`` (ascending), reading only the row
    groups that hold them."""
    if not len(rows):
        return []
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    ends = np.cumsum([meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    group = np.searchsorted(ends, rows, side="right")
    out: list[Any] = []
    needed = np.unique(group).tolist()
    chunks = (parquet.read_row_group(g, columns=[column], use_threads=False) for g in needed)
    for g, chunk in zip(needed, guarded(path, chunks), strict=True):
        values = chunk.column(0)
        mine = rows[group == g] - (ends[g - 1] if g else 0)
        out += values.take(pa.array(mine)).to_pylist()
    return out


def duplicated(digest: np.ndarray) -> np.ndarray:
    """Mask of the 64-bit hashes that occur more than once.

    One sort of the hashes (8 bytes a row, no hash table) finds the repeated values; a
    64 KiB table of their low 16 bits then screens every row with one gather, and only
    the rows it lets through are looked up exactly (binary search over all rows would
    cost 30x more).
    """
    digest = np.ascontiguousarray(digest, dtype=np.uint64)
    ordered = np.sort(digest)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    out = np.zeros(len(digest), dtype=bool)
    if not len(repeated):
        return out
    table = np.zeros(1 << 16, dtype=bool)
    table[_low16(repeated)] = True
    maybe = np.flatnonzero(np.take(table, _low16(digest)))
    at = np.minimum(np.searchsorted(repeated, digest[maybe]), len(repeated) - 1)
    out[maybe[repeated[at] == digest[maybe]]] = True
    return out


def _low16(values: np.ndarray) -> np.ndarray:
    """The low 16 bits of each uint64, without arithmetic (a strided view, then a copy)."""
    little = values.astype("<u8", copy=False)
    return np.ascontiguousarray(little.view(np.uint16)[::4])


def groups(rows: np.ndarray, values: list[Any]) -> list[tuple[Any, int, list[int]]]:
    """``(value, first row, later rows)`` per value held by more than one row.

    ``rows`` ascend; the groups come in the order of their first rows.
    """
    found: dict[Any, list[int]] = {}
    for row, value in zip(rows.tolist(), values, strict=True):
        found.setdefault(value, []).append(row)
    return [(v, rs[0], rs[1:]) for v, rs in found.items() if len(rs) > 1]


def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 64-bit hash of two uint64 columns (multiply-xorshift; wraps around)."""
    h = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E5C1))
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    return h ^ (h >> np.uint64(29))
