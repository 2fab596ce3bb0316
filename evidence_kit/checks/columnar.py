"""Small vectorised helpers over Arrow columns and numpy masks, shared by the fast path.

Masks come back from pyarrow.compute as nullable boolean arrays and go on as numpy
arrays; dictionary-encoded columns (how the fast path reads repetitive strings) are
checked through their dictionary, once per distinct value.  Used by
:mod:`evidence_kit.checks.batchchecks`, :mod:`evidence_kit.checks.sourcetexts` and
:mod:`evidence_kit.checks.fastcheck`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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


def positions_in(column: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys``; -1 when absent or null."""
    if pa.types.is_dictionary(column.type):
        per_value = (
            pc.index_in(column.dictionary, keys).fill_null(-1).to_numpy(zero_copy_only=False)
        )
        indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
        out = per_value[indices] if len(per_value) else np.full(len(column), -1)
        return np.where(column.is_valid().to_numpy(zero_copy_only=False), out, -1).astype(np.int64)
    return pc.index_in(column, keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def plain(column: pa.Array) -> pa.Array:
    """The column with its dictionary encoding (if any) decoded."""
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def true_rows(mask: pa.Array | np.ndarray) -> np.ndarray:
    """The 0-based rows where ``mask`` is true (null counts as False)."""
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    return np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False))
