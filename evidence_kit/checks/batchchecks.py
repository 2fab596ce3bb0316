"""The column and record rules, run column-wise on one record batch.

The fast path's runner for the declarations in :mod:`evidence_kit.model.columnrules`:
:func:`check_columns` checks every :class:`~evidence_kit.model.columnrules.ColumnRule` of a
table on whole columns with pyarrow.compute (null -> length -> pattern -> value set ->
bounds, each row reported under its first failure; then, on the lists that passed, the
rule of a list column's elements, each row reported at its first failing element), and
:func:`check_records` then checks the record rules
(:data:`~evidence_kit.model.columnrules.RECORD_RULES`) on the rows still valid, in the
order pydantic runs the models' validators.  Both add their findings to a
:class:`~evidence_kit.checks.findings.Collector` and give back the mask of rows that
passed, for the cross-record checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import langcodes
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.checks.columnar import as_mask, on_values, plain
from evidence_kit.checks.findings import Collector, column_finding, record_finding
from evidence_kit.model.columnrules import (
    ALL_RULES,
    KIND_PREDICATES,
    RECORD_COLUMNS,
    RECORD_RULES,
    ColumnRule,
    RecordRule,
)


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
    base: int,
    rule: ColumnRule,
    checks: list[str],
    rows: np.ndarray,
    which: np.ndarray,
    values: pa.Array,
    at: np.ndarray,
    positions: np.ndarray | None = None,
) -> None:
    """Findings for the failing ``rows`` (ascending), row ``rows[i]`` failing check
    ``checks[which[i]]`` with value ``values[at[i]]`` (element ``positions[i]`` of a
    list column when given).  Rows are listed in order per finding code, as a pass row
    by row lists them, and only as many built as the limit leaves room for."""
    element = None if positions is None else 0
    codes = [
        column_finding(table, file, 0, rule, c, None if c == "null" else "", element=element).code
        for c in checks
    ]
    per_row = np.array(codes, dtype=object)[which]
    for code in dict.fromkeys(codes):
        chosen = np.flatnonzero(per_row == code)
        if not len(chosen):
            continue
        take = chosen[: out.room(file, code, rule.column)]
        shown = values.take(pa.array(at[take])).to_pylist()
        for i, value in zip(take.tolist(), shown, strict=True):
            position = None if positions is None else int(positions[i])
            check = checks[which[i]]
            out.add(
                column_finding(
                    table, file, base + int(rows[i]), rule, check, value, element=position
                )
            )
        out.count(file, code, rule.column, len(chosen) - len(take))


def check_columns(
    out: Collector, table: str, file: str, batch: pa.RecordBatch, base: int, bad: set[str]
) -> np.ndarray:
    """Check every column rule on ``batch`` (and the element rule of a list column, on the
    rows whose list passed); returns the mask of rows that passed all."""
    valid = np.ones(batch.num_rows, dtype=bool)
    names = set(batch.schema.names)
    for rule in ALL_RULES[table]:
        if rule.column in bad or rule.column not in names:
            continue
        column = batch.column(rule.column)
        checks, failed = _first_failures(rule, column)
        rows = np.flatnonzero(failed >= 0)
        if len(rows):
            _emit(out, table, file, base, rule, checks, rows, failed[rows], column, rows)
            valid[rows] = False
        if rule.element is not None:
            _check_elements(out, table, file, base, rule, column, failed < 0, valid)
    return valid


def list_rows(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The row of each value of ``pc.list_flatten(column)``, and where each row's values
    start in it (null lists give none; ``pc.list_parent_indices`` also counts values
    hidden under a null list)."""
    lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
    return np.repeat(np.arange(len(column)), lengths), np.cumsum(lengths) - lengths


def _check_elements(
    out: Collector,
    table: str,
    file: str,
    base: int,
    rule: ColumnRule,
    column: pa.Array,
    passed: np.ndarray,
    valid: np.ndarray,
) -> None:
    """The first failing element of each list that passed its column's own checks."""
    assert rule.element is not None
    flat = pc.list_flatten(column)
    if not len(flat):
        return
    checks, failed = _first_failures(rule.element, flat)
    broken = np.flatnonzero(failed >= 0)
    if not len(broken):
        return
    parents, starts = list_rows(column)
    broken = broken[passed[parents[broken]]]
    rows, first = np.unique(parents[broken], return_index=True)
    if not len(rows):
        return
    at = broken[first]
    _emit(out, table, file, base, rule, checks, rows, failed[at], flat, at, at - starts[rows])
    valid[rows] = False


def _first_failures(rule: ColumnRule, column: pa.Array) -> tuple[list[str], np.ndarray]:
    """The checks of ``rule`` and, per row, the index of the first one it fails (-1: none)."""
    checks: list[str] = []
    failed = np.full(len(column), -1, dtype=np.int8)
    for check, mask in _violations(rule, column):
        failed[mask] = len(checks)
        checks.append(check)
    return checks, failed


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


def _broken(rule: RecordRule, col: dict[str, pa.Array]) -> np.ndarray:
    """The rows of a batch that break ``rule``: :func:`record_rule_broken`, column-wise."""

    def empty(name: str) -> np.ndarray:
        c = col[name]
        return on_values(c, lambda v: pc.equal(v, "")) | c.is_null().to_numpy(False)

    broken = np.zeros(len(next(iter(col.values()))), dtype=bool)
    if rule.requires is not None:
        broken |= empty(rule.requires)
    if rule.increasing is not None:
        low, high = rule.increasing
        broken |= as_mask(pc.less_equal(col[high], col[low]))
    if rule.allowed_pairs is not None:
        key, value = rule.allowed_pairs
        pairs = pc.binary_join_element_wise(plain(col[key]), plain(col[value]), "\x1f")
        allowed = pa.array([f"{k}\x1f{p}" for k, ps in KIND_PREDICATES.items() for p in ps])
        broken |= ~as_mask(pc.is_in(pairs, allowed))
    if rule.when is not None:
        name, value = rule.when
        broken &= on_values(col[name], lambda v: pc.equal(v, value))
    return broken


def check_records(
    out: Collector, table: str, file: str, batch: pa.RecordBatch, base: int, valid: np.ndarray
) -> None:
    """Record rules (:data:`RECORD_RULES`) on the column-valid rows, each only on rows
    that passed the earlier ones."""
    if not RECORD_RULES[table]:
        return
    col = {name: batch.column(name) for name in RECORD_COLUMNS[table]}
    for rule in RECORD_RULES[table]:
        rows = np.flatnonzero(valid & _broken(rule, col))
        if not len(rows):
            continue
        valid[rows] = False
        part = batch.select(list(RECORD_COLUMNS[table])).take(pa.array(rows)).to_pylist()
        for row, values in zip(rows.tolist(), part, strict=True):
            out.add(record_finding(table, file, base + row, rule.name, values))
