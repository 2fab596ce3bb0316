"""The foreign keys of one record batch, column-wise: the fast path's EK302 check.

Every :class:`~evidence_kit.model.references.Reference` of a table is checked on the valid
rows of a batch against the parent tables' :class:`~evidence_kit.checks.columnar.KeyIndex`:
a scalar column value by value (a dictionary column once per distinct value), a list
column element by element, a reference into several tables (``claims.object_id``)
against each of them.  One finding per value no parent holds, listed in row and element
order as a pass row by row lists them.  A reference into a table whose keys are not
known (the file or its key column could not be read) is not checked, as in the record
path and on Spark.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.batchchecks import list_rows
from evidence_kit.checks.columnar import KeyIndex, positions_in
from evidence_kit.checks.findings import Collector, dangling_finding
from evidence_kit.model.references import REFERENCES, Reference


def _found(values: pa.Array, ref: Reference, keys: dict[str, KeyIndex]) -> np.ndarray:
    """Whether each value is a key of one of ``ref``'s targets (null: False)."""
    found = np.zeros(len(values), dtype=bool)
    for table, _ in ref.targets:
        found |= positions_in(values, keys[table]) >= 0
    return found


def check_references(
    out: Collector,
    keys: dict[str, KeyIndex],
    table: str,
    file: str,
    batch: pa.RecordBatch,
    base: int,
    valid: np.ndarray,
    bad: set[str],
) -> dict[str, np.ndarray]:
    """EK302 for every reference of ``table`` on the ``valid`` rows of ``batch``.

    Returns, for each checked scalar reference into one table, every row's position
    among that table's keys (-1: absent or null), which the repeated-quote and orphan
    checks reuse.
    """
    positions: dict[str, np.ndarray] = {}
    names = set(batch.schema.names)
    for ref in REFERENCES[table]:
        if ref.column in bad or ref.column not in names:
            continue
        if any(target not in keys for target, _ in ref.targets):
            continue
        column = batch.column(ref.column)
        if ref.each_element:  # every element, on the rows it belongs to
            values = pc.list_flatten(column)
            rows = list_rows(column)[0]
        else:
            values, rows = column, np.arange(len(column))
        if not ref.each_element and len(ref.targets) == 1:
            positions[ref.column] = positions_in(values, keys[ref.targets[0][0]])
            found = positions[ref.column] >= 0
        else:
            found = _found(values, ref, keys)
        missing = np.flatnonzero(valid[rows] & ~found & values.is_valid().to_numpy(False))
        rows = rows[missing]
        if not len(missing):
            continue
        code = dangling_finding(file, 0, ref.column, ref.target, "").code
        take = missing[: out.room(file, code, ref.column)]
        shown = values.take(pa.array(take)).to_pylist()
        for row, value in zip(rows[: len(take)].tolist(), shown, strict=True):
            out.add(dangling_finding(file, base + row, ref.column, ref.target, value))
        out.count(file, code, ref.column, len(missing) - len(take))
    return positions
