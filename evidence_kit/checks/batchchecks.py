"""The column and record rules, run column-wise on one record batch.

The fast path's runner for the declarations in :mod:`evidence_kit.model.columnrules`:
:func:`check_columns` checks every :class:`~evidence_kit.model.columnrules.ColumnRule` of a
table on whole columns with pyarrow.compute (null -> length -> pattern -> value set ->
bounds, each row reported under its first failure), and :func:`check_records` then checks
the record rules on the rows still valid, in the order pydantic runs the models'
validators.  Both add their findings to a :class:`~evidence_kit.checks.findings.Collector` and
give back the mask of rows that passed, for the cross-record checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import langcodes
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.columnar import as_mask, on_values, plain, true_rows
from evidence_kit.checks.findings import Collector, column_finding, record_finding
from evidence_kit.model.columnrules import KIND_PREDICATES, RECORD_COLUMNS, RULES, ColumnRule


def _too_short(values: pa.Array, bound: int) -> Any:
    """Fewer than ``bound`` code points; byte lengths screen (a code point is 1-4 bytes)."""
    if not as_mask(pc.less(pc.binary_length(values), 4 * bound)).any():
        return np.zeros(len(values), dtype=bool)
    return pc.less(pc.utf8_length(values), bound)


def _too_long(values: pa.Array, bound: int) -> Any:
    """More than ``bound`` code points; only byte lengths over ``bound`` can be."""
    if not as_mask(pc.greater(pc.binary_length(values), bound)).any():
        return np.zeros(len(values), dtype=bool)
    return pc.greater(pc.utf8_length(values), bound)


def _emit(
    out: Collector,
    table: str,
    file: str,
    rows: np.ndarray,
    base: int,
    rule: ColumnRule,
    check: str,
    column: pa.Array,
) -> None:
    if not len(rows):
        return
    code = column_finding(table, file, 0, rule, check, None if check == "null" else "").code
    room = out.room(file, code, rule.column)
    take = rows[:room]
    values = column.take(pa.array(take)).to_pylist()
    for row, value in zip(take.tolist(), values, strict=True):
        out.add(column_finding(table, file, base + row, rule, check, value))
    out.count(file, code, rule.column, len(rows) - len(take))


def check_columns(
    out: Collector, table: str, file: str, batch: pa.RecordBatch, base: int, bad: set[str]
) -> np.ndarray:
    """Check every column rule on ``batch``; returns the mask of rows that passed all."""
    valid = np.ones(batch.num_rows, dtype=bool)
    names = set(batch.schema.names)
    for rule in RULES[table]:
        if rule.column in bad or rule.column not in names:
            continue
        column = batch.column(rule.column)
        for check, mask in _violations(rule, column):
            rows = true_rows(mask)
            _emit(out, table, file, rows, base, rule, check, column)
            valid[rows] = False
    return valid


def _violations(rule: ColumnRule, column: pa.Array) -> Iterable[tuple[str, np.ndarray]]:
    """Masks of the rows failing each check, every row counted under its first failure."""
    if not rule.nullable and column.null_count:
        yield "null", column.is_null().to_numpy(zero_copy_only=False)
    checks = _value_checks(rule, column)
    if pa.types.is_dictionary(column.type):
        # the first failing check of each distinct value, then one gather for the rows --
        # and none at all when every distinct value passes (the usual case)
        dictionary = column.dictionary
        first = np.full(len(dictionary), -1, dtype=np.int8)
        for i, (_, func) in enumerate(checks):
            first[as_mask(func(dictionary)) & (first < 0)] = i
        if not (first >= 0).any():
            return
        per_row = first[column.indices.fill_null(0).to_numpy(zero_copy_only=False)]
        if column.null_count:
            per_row[~column.is_valid().to_numpy(zero_copy_only=False)] = -1
        for i, (check, _) in enumerate(checks):
            yield check, per_row == i
        return
    done = np.zeros(len(column), dtype=bool)
    for check, func in checks:
        mask = on_values(column, func) & ~done
        done |= mask
        yield check, mask


def _value_checks(
    rule: ColumnRule, column: pa.Array
) -> list[tuple[str, Callable[[pa.Array], Any]]]:
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    checks: list[tuple[str, Callable[[pa.Array], Any]]] = []
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        low, high = rule.min_length, rule.max_length
        if low is not None:
            checks.append(("min_length", lambda v: _too_short(v, low)))
        if high is not None:
            checks.append(("max_length", lambda v: _too_long(v, high)))
        if rule.pattern is not None:
            checks.append(
                ("pattern", lambda v: pc.invert(pc.match_substring_regex(v, rule.pattern)))
            )
        if rule.enum is not None:
            checks.append(("enum", lambda v: pc.invert(pc.is_in(v, pa.array(rule.enum)))))
        if rule.language:
            checks.append(
                (
                    "language",
                    lambda v: np.array(
                        [x is not None and not langcodes.tag_is_valid(x) for x in v.to_pylist()],
                        dtype=bool,
                    ),
                )
            )
    elif not pa.types.is_boolean(kind):
        if rule.ge is not None:
            checks.append(("ge", lambda v: pc.less(v, rule.ge)))
        if rule.le is not None:
            checks.append(("le", lambda v: pc.invert(pc.less_equal(v, rule.le))))
    return checks


def check_records(
    out: Collector, table: str, file: str, batch: pa.RecordBatch, base: int, valid: np.ndarray
) -> None:
    """Record rules on the column-valid rows, each only on rows that passed the earlier ones."""
    if table == "evidence":
        return
    col = {name: batch.column(name) for name in RECORD_COLUMNS[table]}

    def empty(name: str) -> np.ndarray:
        c = col[name]
        blank = on_values(c, lambda v: pc.equal(v, ""))
        return blank | c.is_null().to_numpy(zero_copy_only=False)

    def equals(name: str, value: str) -> np.ndarray:
        return on_values(col[name], lambda v: pc.equal(v, value))

    def predicate() -> np.ndarray:
        pairs = pc.binary_join_element_wise(plain(col["kind"]), plain(col["predicate"]), "\x1f")
        allowed = pa.array([f"{k}\x1f{p}" for k, ps in KIND_PREDICATES.items() for p in ps])
        return ~as_mask(pc.is_in(pairs, allowed))

    def offsets() -> np.ndarray:
        return as_mask(pc.less_equal(col["char_end"], col["char_start"]))

    rules: list[tuple[str, Callable[[], np.ndarray]]] = []
    if table == "claims":
        rules.append(("predicate", predicate))
    rules.append(("retraction", lambda: equals("status", "retracted") & empty("retraction_reason")))
    if table == "assertions":
        rules.append(("offsets", offsets))
        rules.append(("hedge", lambda: equals("statement_mode", "hedged") & empty("hedge_cue")))
        rules.append(
            (
                "attribution",
                lambda: equals("statement_mode", "attributed") & empty("attributed_to"),
            )
        )
    for name, broken in rules:
        rows = np.flatnonzero(valid & broken())
        if not len(rows):
            continue
        valid[rows] = False
        part = batch.select(list(RECORD_COLUMNS[table])).take(pa.array(rows)).to_pylist()
        for row, values in zip(rows.tolist(), part, strict=True):
            out.add(record_finding(table, file, base + row, name, values))


# ----------------------------------------------------------------- tables
