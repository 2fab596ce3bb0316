"""Small vectorised helpers over Arrow columns and numpy masks, shared by the fast path.

Masks come back from pyarrow.compute as nullable boolean arrays and go on as numpy
arrays; dictionary-encoded columns (how the fast path reads repetitive strings) are
checked through their dictionary, once per distinct value.  Used by
:mod:`evidence_kit.checks.batchchecks`, :mod:`evidence_kit.checks.sourcetexts` and
:mod:`evidence_kit.checks.fastcheck`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc


def as_mask(mask: Any) -> np.ndarray:
    """A boolean mask as numpy, nulls counted as False."""
    if isinstance(mask, np.ndarray):
        return mask
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def on_values(column: pa.Array, func: Callable[[pa.Array], Any]) -> np.ndarray:
    """``func`` applied to a column's values; for a dictionary column, to its dictionary."""
    if pa.types.is_dictionary(column.type):
        per_value = as_mask(func(column.dictionary))
        present = column.is_valid().to_numpy(zero_copy_only=False)
        indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
        return present & per_value[indices] if len(per_value) else present & False
    return as_mask(func(column))


def hash_strings(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string (polars, fixed seeds: equal strings, equal hashes)."""
    return pl.Series(values).hash(seed=0).to_numpy()


class KeyIndex:
    """Where values sit in a fixed key column, hashed and sorted once.

    ``pc.index_in`` builds a hash table of its value set on every call; a table's keys
    are looked up from every batch of the tables that reference it, so this index is
    built once: the keys' 64-bit hashes sorted, each value found by binary search on its
    hash and then compared exactly with the key found.  The first of duplicate keys is
    found, as with ``index_in``; should two different keys share a hash, lookups fall
    back to ``index_in``.
    """

    def __init__(self, keys: pa.Array):
        self.keys = keys
        digest = hash_strings(keys)
        self.order = np.argsort(digest, kind="stable")
        self.sorted = digest[self.order]
        same = np.flatnonzero(self.sorted[1:] == self.sorted[:-1])
        self.exact = not len(same) or bool(
            as_mask(
                pc.equal(
                    keys.take(pa.array(self.order[same])),
                    keys.take(pa.array(self.order[same + 1])),
                )
            ).all()
        )

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, values: pa.Array) -> np.ndarray:
        """Position of each (plain string) value among the keys; -1 when absent or null."""
        if not self.exact or not len(self.keys):
            return pc.index_in(values, self.keys).fill_null(-1).to_numpy(zero_copy_only=False)
        digest = hash_strings(values)
        # the look-ups in ascending order: each binary search starts where the last one
        # ended, so the searches walk the sorted keys once instead of jumping at random
        # (several times faster for 200k values among 500k keys)
        by_digest = np.argsort(digest)
        ordered = digest[by_digest]
        at = np.minimum(np.searchsorted(self.sorted, ordered), len(self.sorted) - 1)
        found = np.where(self.sorted[at] == ordered, self.order[at], -1)
        out = np.empty(len(digest), dtype=np.int64)
        out[by_digest] = found
        hit = out >= 0
        if hit.any():  # equal hashes: compare the strings (one gather of the keys found)
            probe = self.keys.take(pa.array(np.where(hit, out, 0)))
            out[hit & ~as_mask(pc.equal(values, probe))] = -1
        out[~values.is_valid().to_numpy(zero_copy_only=False)] = -1
        return out


def positions_in(column: pa.Array, keys: pa.Array | KeyIndex) -> np.ndarray:
    """Position of each value in ``keys``; -1 when absent or null."""
    index = keys if isinstance(keys, KeyIndex) else KeyIndex(keys)
    if pa.types.is_dictionary(column.type):
        per_value = index.find(column.dictionary)
        indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
        out = per_value[indices] if len(per_value) else np.full(len(column), -1)
        return np.where(column.is_valid().to_numpy(zero_copy_only=False), out, -1).astype(np.int64)
    return index.find(column)


def plain(column: pa.Array) -> pa.Array:
    """The column with its dictionary encoding (if any) decoded."""
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def true_rows(mask: pa.Array | np.ndarray) -> np.ndarray:
    """The 0-based rows where ``mask`` is true (null counts as False)."""
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    return np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False))


@contextlib.contextmanager
def arrow_memory_pool() -> Iterator[None]:
    """Arrow allocates from jemalloc while the fast path runs, where pyarrow has it.

    The fast path allocates and frees a few hundred MiB of batches, and a fresh process
    pays for every page it touches first.  jemalloc reuses its freed pages, where the
    default mimalloc gives them back and faults them in again: at 1M assertions the first
    check in a process took 0.83-0.89 s with jemalloc against 0.88-1.16 s, with a lower
    peak; 7.2 against 7.7 s at 10M (bench/README.md).  The
    previous default pool is restored afterwards; nothing allocated here outlives the call.
    """
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. on Windows)
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        pool.release_unused()
