"""The declarations compiled into Spark SQL columns: what the Spark engine checks, per row.

No rule is spelled out here.  Every :class:`~evidence_kit.model.columnrules.ColumnRule`
goes through one small generator per rule attribute (:data:`GENERATORS`: null -> length
-> pattern -> value set -> language -> bounds), and a list column's element rule
through the same generators inside Spark's higher-order functions; every
:class:`~evidence_kit.model.columnrules.RecordRule` is compiled from its attributes
(:func:`record_broken`).  Each table's rules (:class:`TableRules`) come out twice from
the same generators: as one condition, true where a row passes them all (the pass over
every row computes only that: small code, cheap to compile and run), and as the names
of the first check each rule fails, with the position of a list's first failing
element (computed on the failing rows only).  A new column, bound, value set, element
rule or record rule in the declarations is checked on Spark without touching this
module or the engine (:mod:`evidence_kit.checks.sparkcheck`).

Semantics kept identical to the fast path and the record path: lengths count code
points (Spark strings do); a pattern's final ``$`` means end of text (``\\z``), as in RE2.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from pyspark.sql import Column, DataFrame, Row
from pyspark.sql import functions as F
from pyspark.sql import types as T

from evidence_kit.model.columnrules import (
    ALL_RULES,
    KIND_PREDICATES,
    LINK_COLUMNS,
    RECORD_COLUMNS,
    RECORD_RULES,
    ColumnRule,
    RecordRule,
    blocking,
)
from evidence_kit.model.references import REFERENCES
from evidence_kit.model.tables import TABLES

ROW = "_row"  # the 0-based row of the file (Spark's _metadata.row_index)
VALID = "_valid"  # the row passed every column, element and record rule
RECORD_CHECK = "_record"  # the first record rule a column-valid row breaks
ELEMENT = "element."  # prefix of the check names of a list column's element rule
ELEMENT_STRUCT = "_element_"  # prefix of the (position, check) struct of a list column
CHECKS = "_checks"  # array: the first check each column rule fails (null where it passes)
AT = "_at"  # array: the position of the first failing element, for list columns

#: ``distinct(column, element)``: the distinct values of a column (of its elements), for
#: checks decided on the driver (BCP-47 tags).
Distinct = Callable[[str, bool], list[Any]]

#: A generator: (rule, column, Spark type, distinct) -> a Column true where the check
#: fails, or None when the check does not apply to this rule or type.
Generator = Callable[[ColumnRule, Column, T.DataType, Distinct, bool], Column | None]


def _is_text(kind: T.DataType) -> bool:
    return isinstance(kind, T.StringType)


def _is_number(kind: T.DataType) -> bool:
    return isinstance(kind, T.NumericType)


def _null(rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool) -> Column | None:
    return None if rule.nullable else c.isNull()


def _min_length(
    rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool
) -> Column | None:
    if rule.min_length is None or not _is_text(kind):
        return None
    return F.char_length(c) < F.lit(rule.min_length)


def _max_length(
    rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool
) -> Column | None:
    if rule.max_length is None or not _is_text(kind):
        return None
    return F.char_length(c) > F.lit(rule.max_length)


def java_pattern(pattern: str) -> str:
    """``pattern`` for Java's regex with RE2's meaning of a final ``$`` (end of text)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\z"
    return pattern


def _pattern(rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool) -> Column | None:
    if rule.pattern is None or not _is_text(kind):
        return None
    return ~c.rlike(java_pattern(rule.pattern))


def _enum(rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool) -> Column | None:
    if rule.enum is None or not _is_text(kind):
        return None
    return ~c.isin(list(rule.enum))


def _language(
    rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool
) -> Column | None:
    if not rule.language or not _is_text(kind):
        return None
    import langcodes

    # BCP-47 validity is langcodes' (Python); a column holds few distinct tags, so they are
    # checked once on the driver and the invalid ones matched here
    invalid = [v for v in d(rule.column, el) if not langcodes.tag_is_valid(v)]
    return c.isin(invalid) if invalid else None


def _ge(rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool) -> Column | None:
    if rule.ge is None or not _is_number(kind):
        return None
    return c < F.lit(rule.ge)


def _le(rule: ColumnRule, c: Column, kind: T.DataType, d: Distinct, el: bool) -> Column | None:
    if rule.le is None or not _is_number(kind):
        return None
    return ~(c <= F.lit(rule.le))  # NaN fails, as `not value <= le` does


#: One generator per ColumnRule attribute, in the order a row's first failure is named.
GENERATORS: tuple[tuple[str, Generator], ...] = (
    ("null", _null),
    ("min_length", _min_length),
    ("max_length", _max_length),
    ("pattern", _pattern),
    ("enum", _enum),
    ("language", _language),
    ("ge", _ge),
    ("le", _le),
)


def broken_checks(
    rule: ColumnRule, c: Column, kind: T.DataType, distinct: Distinct, element: bool = False
) -> list[tuple[str, Column]]:
    """``(check, where c fails it)`` for every check of ``rule`` that applies to ``c``, in
    order; ``element`` when ``c`` is a list's element."""
    out = []
    for check, generate in GENERATORS:
        broken = generate(rule, c, kind, distinct, element)
        if broken is not None:
            out.append((check, broken if check == "null" else c.isNotNull() & broken))
    return out


def first_failure(
    rule: ColumnRule, c: Column, kind: T.DataType, distinct: Distinct, element: bool = False
) -> tuple[Column | None, list[str]]:
    """A string Column naming the first check of ``rule`` that ``c`` fails (null when it
    passes), and the checks it can name; ``element`` when ``c`` is a list's element."""
    expr: Any = None
    checks = []
    for check, broken in broken_checks(rule, c, kind, distinct, element):
        expr = (F if expr is None else expr).when(broken, F.lit(check))
        checks.append(check)
    return expr, checks


def _either(conditions: list[Column]) -> Column:
    return F.coalesce(any_of(conditions), F.lit(False))


def rule_broken(rule: ColumnRule, kind: T.DataType, distinct: Distinct) -> Column | None:
    """True where a row fails any check of ``rule`` (an element of a list, any check of
    ``rule.element``): the same checks :func:`first_failure` names, as one condition --
    what the pass over every row computes; the names only for the rows that fail."""
    c = F.col(rule.column)
    parts = [broken for _, broken in broken_checks(rule, c, kind, distinct)]
    if rule.element is not None and isinstance(kind, T.ArrayType):
        element, item = rule.element, kind.elementType
        found: list[str] = []

        def bad(x: Column) -> Column:
            checks = broken_checks(element, x, item, distinct, True)
            found.extend(name for name, _ in checks)
            return _either([b for _, b in checks]) if checks else F.lit(False)

        exists = F.exists(c, bad)
        if found:  # higher-order functions are interpreted: run them on non-empty lists only
            parts.append(F.when(F.size(c) > 0, exists))
    return _either(parts) if parts else None


def first_bad_element(
    rule: ColumnRule, kind: T.DataType, distinct: Distinct
) -> tuple[Column | None, list[str]]:
    """A struct Column ``(at, check)``: the position of the first element of the list
    column ``rule.column`` that fails ``rule.element`` and the check it fails, null when
    every element passes; and the checks it can name (prefixed ``element.``)."""
    if rule.element is None or not isinstance(kind, T.ArrayType):
        return None, []
    element, item = rule.element, kind.elementType
    checks: list[str] = []

    def named(x: Column, at: Column) -> Column:
        expr, names = first_failure(element, x, item, distinct, element=True)
        checks[:] = names
        failed = expr if expr is not None else F.lit(None).cast("string")
        return F.struct(at.alias("at"), failed.alias("check"))

    each = F.transform(F.col(rule.column), named)
    if not checks:
        return None, []
    first = F.get(F.filter(each, lambda s: s["check"].isNotNull()), 0)
    # higher-order functions are interpreted, not compiled: run them on non-empty lists only
    return F.when(F.size(rule.column) > 0, first), [ELEMENT + c for c in checks]


def rule_columns(
    rules: list[ColumnRule], types: dict[str, T.DataType], distinct: Distinct
) -> tuple[list[Column], list[Column], list[tuple[ColumnRule, list[str]]]]:
    """For the rules of the columns in ``types``: the element structs (a first
    projection); the ``_checks`` array (the first check each rule fails, null where it
    passes) and the ``_at`` array (a list's first failing element) built on them (a
    second projection); and each rule with the checks it can name, in array order.

    Two arrays, not a column per rule: whole-stage code generation stops at 100 columns
    (``spark.sql.codegen.maxFields``), which the flat evidence table would pass.
    """
    structs, failed, positions, named = [], [], [], []
    for rule in rules:
        if rule.column not in types:
            continue
        kind = types[rule.column]
        expr, checks = first_failure(rule, F.col(rule.column), kind, distinct)
        elements, element_checks = first_bad_element(rule, kind, distinct)
        at = F.lit(None).cast("int")
        if elements is not None:
            struct = f"{ELEMENT_STRUCT}{rule.column}"
            structs.append(elements.alias(struct))
            bad_element = F.concat(F.lit(ELEMENT), F.col(struct)["check"])
            expr = bad_element if expr is None else F.coalesce(expr, bad_element)
            at = F.col(struct)["at"]
        if expr is None:
            continue
        failed.append(expr)
        positions.append(at)
        named.append((rule, checks + element_checks))
    if not named:
        return structs, [], named
    return structs, [F.array(*failed).alias(CHECKS), F.array(*positions).alias(AT)], named


def _empty(c: Column) -> Column:
    return c.isNull() | (c == F.lit(""))


def record_broken(rule: RecordRule) -> Column:
    """A Column true where a row breaks ``rule``, compiled from its declared attributes."""
    broken = F.lit(False)
    if rule.requires is not None:
        broken = broken | _empty(F.col(rule.requires))
    if rule.increasing is not None:
        low, high = rule.increasing
        broken = broken | (F.col(high) <= F.col(low))
    if rule.allowed_pairs is not None:
        key, value = rule.allowed_pairs
        pairs = [f"{k}\x1f{v}" for k, vs in KIND_PREDICATES.items() for v in vs]
        broken = broken | ~F.concat_ws("\x1f", F.col(key), F.col(value)).isin(pairs)
    if rule.when is not None:
        broken = (F.col(rule.when[0]) == F.lit(rule.when[1])) & broken
    return F.coalesce(broken, F.lit(False))


def first_record_failure(table: str) -> Column | None:
    """A string Column naming the first record rule of ``table`` a row breaks."""
    expr: Any = None
    for rule in RECORD_RULES[table]:
        expr = (F if expr is None else expr).when(record_broken(rule), F.lit(rule.name))
    return expr


def _has_check(rule: ColumnRule) -> bool:
    values = (rule.pattern, rule.min_length, rule.max_length, rule.enum, rule.ge, rule.le)
    return not rule.nullable or rule.language or any(v is not None for v in values)


def needed(table: str) -> set[str]:
    """The columns of ``table`` the Spark engine reads: those with a check (their elements'
    included), those record rules, keys, references and quotes read."""
    checked = {
        r.column for r in ALL_RULES[table] if _has_check(r) or (r.element and _has_check(r.element))
    }
    references = {ref.column for ref in REFERENCES[table]}
    links = {*RECORD_COLUMNS[table], *LINK_COLUMNS[table], *TABLES[table].primary_key}
    return checked | links | references


class TableRules:
    """The column, element and record rules of one table, compiled for its columns: as
    one condition (:meth:`valid`, over every row) and as the names of the checks each
    row fails (:meth:`named`, over the failing rows only)."""

    def __init__(self, table: str, df: DataFrame, bad: set[str]):
        self.table = table
        self.types = {f.name: f.dataType for f in df.schema.fields}
        self.rules = [r for r in ALL_RULES[table] if r.column not in bad and r.column in self.types]
        self.records = not blocking(table, bad) and bool(RECORD_RULES[table])
        self._df = df
        self._distinct: dict[tuple[str, bool], list[Any]] = {}

    @cached_property
    def _columns(self) -> tuple[list[Column], list[Column], list[tuple[ColumnRule, list[str]]]]:
        """:func:`rule_columns` of this table, built when a row is to be named."""
        return rule_columns(self.rules, self.types, self.distinct)

    @property
    def arrays(self) -> list[Column]:
        """The ``_checks`` and ``_at`` arrays (built on the element structs)."""
        return self._columns[1]

    @property
    def checks(self) -> list[tuple[ColumnRule, list[str]]]:
        """Each rule with the checks it can name, in the order of ``_checks``."""
        return self._columns[2]

    def distinct(self, name: str, element: bool) -> list[Any]:
        """The distinct values of a column (of its elements), read once."""
        if (name, element) not in self._distinct:
            column = F.explode(name) if element else F.col(name)
            values = self._df.select(column).distinct().collect()
            self._distinct[name, element] = [r[0] for r in values if r[0] is not None]
        return self._distinct[name, element]

    def valid(self) -> Column:
        """True where a row passes every column, element and record rule."""
        broken = [rule_broken(r, self.types[r.column], self.distinct) for r in self.rules]
        found = [b for b in broken if b is not None]
        ok = ~any_of(found) if found else F.lit(True)
        if self.records:
            ok = ok & ~any_of([record_broken(r) for r in RECORD_RULES[self.table]])
        return ok

    def named(self, rows: DataFrame) -> DataFrame:
        """``rows`` with the ``_checks`` and ``_at`` arrays and the record check."""
        if self.arrays:
            structs = self._columns[0]
            rows = rows.select("*", *structs).select(*rows.columns, *self.arrays)
        if not self.records:
            return rows
        # a check name is never empty: no name joined means every column rule passed
        ok = F.concat_ws("", F.col(CHECKS)) == F.lit("") if self.arrays else F.lit(True)
        record = first_record_failure(self.table)
        return rows.select("*", F.when(ok, record).alias(RECORD_CHECK))

    def failed(self, row: Row) -> list[tuple[int, str]]:
        """``(position, check)`` of every rule a collected row fails (the record rule at
        the position after the column rules)."""
        out = [(at, c) for at, c in enumerate(row[CHECKS] or [])] if self.arrays else []
        if self.records:
            out.append((len(self.checks), row[RECORD_CHECK]))
        return [(at, c) for at, c in out if c is not None]

    def order(self, at: int, check: str) -> int:
        """Where ``check`` comes among the checks of the rule at ``at`` (the record rules
        after the column rules): the order the fast path lists them in."""
        if at < len(self.checks):
            return self.checks[at][1].index(check)
        return [r.name for r in RECORD_RULES[self.table]].index(check)


def any_of(conditions: list[Column]) -> Column:
    """True where any of ``conditions`` is (null where none is true and one is null)."""
    out = conditions[0]
    for c in conditions[1:]:
        out = out | c
    return out


__all__ = [
    "AT",
    "CHECKS",
    "ELEMENT",
    "ELEMENT_STRUCT",
    "GENERATORS",
    "RECORD_CHECK",
    "ROW",
    "VALID",
    "TableRules",
    "any_of",
    "broken_checks",
    "first_bad_element",
    "first_failure",
    "first_record_failure",
    "java_pattern",
    "needed",
    "record_broken",
    "rule_broken",
    "rule_columns",
]
