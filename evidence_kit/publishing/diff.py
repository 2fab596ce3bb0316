"""What changed between two published releases, record by record and by stable id.

:func:`diff_releases` compares two folders of published Parquet (a frozen release's
``parquet/`` or the current ``dataset/parquet``) table by table:

* records of ``sources``, ``claims`` and ``assertions``, matched by their primary key,
  are *added*, *retracted* (``status`` active → retracted, with the
  ``retraction_reason``), *reinstated*, *removed* (present in OLD, absent in NEW: the
  policy forbids deleting a record, so each one is an error finding, ``EK601``) or
  *changed*, field by field with the old and new values;
* vocabularies: published vocabulary tables (:data:`VOCABULARY_TABLES`) are diffed by
  name when both releases have them; otherwise the terms are derived from the claims'
  subject and object labels and ICD-10-CM codes (:func:`derived_vocabulary`), where a
  term that no claim names any more is reported as *unused*, not as a removal;
* columns present in only one release, or whose type changed, are *schema changes*,
  reported once per table and never as per-row differences; a published table that
  disappears is an error (``EK602``);
* certainty moves per claim (``very_low → low`` ...) and the count of active claims by
  certainty level before and after.

The result is a :class:`~evidence_kit.publishing.changes.ReleaseDiff` (pydantic, so
``--format json`` is its dump); :func:`~evidence_kit.publishing.changes.render_text`
writes it for people.  :func:`resolve_release` finds a release by
version in ``<dataset>/releases/``.  The module needs only the core install (pyarrow,
pydantic), so ``evidence-kit diff`` works without the curation extras.

>>> certainty_direction("very_low", "low"), certainty_direction("high", "low")
('up', 'down')
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from evidence_kit.model.errors import ERR, Finding
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CERTAINTY_LEVELS
from evidence_kit.publishing.changes import (
    ACTIVE,
    RETRACTED,
    CertaintyMove,
    CertaintySummary,
    FieldChange,
    RecordChange,
    RecordRef,
    ReleaseDiff,
    ReleaseRef,
    Retraction,
    SchemaChange,
    TableDiff,
)
from evidence_kit.publishing.releasepaths import published_tables

LEVELS: tuple[str, ...] = tuple(CERTAINTY_LEVELS)
"""Certainty levels, best first."""


@dataclass(frozen=True)
class DiffTable:
    """A table diffed record by record: its stable id column and a column naming a record."""

    name: str
    key: str
    label: str | None = None
    removal_forbidden: bool = True


RECORD_TABLES: tuple[DiffTable, ...] = (
    DiffTable("sources", "source_id", "title"),
    DiffTable("claims", "claim_id", "statement"),
    DiffTable("assertions", "assertion_id", "quote_en"),
)
"""The published record tables diffed by id (``evidence`` is their join, so it is not)."""

VOCABULARY_TABLES: tuple[DiffTable, ...] = (
    DiffTable("interventions", "intervention_id", "label"),
    DiffTable("conditions", "condition_id", "label"),
    DiffTable("outcomes", "outcome_id", "label"),
)
"""Vocabulary tables, diffed by name once both releases publish them."""

DERIVED_VOCABULARY = DiffTable("vocabulary", "term_id", "label", removal_forbidden=False)
"""Terms derived from the claims when the releases publish no vocabulary tables."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Loaded:
    """One published table as Python rows, with its column types."""

    types: dict[str, str]
    rows: list[dict[str, Any]]


def type_name(type_: pa.DataType) -> str:
    """A column type as the diff reports it (categorical columns by their value type)."""
    if pa.types.is_dictionary(type_):
        return f"{type_.value_type} (categorical)"
    return str(type_)


def read_table(path: Path) -> Loaded:
    table = pq.read_table(path)
    return Loaded({f.name: type_name(f.type) for f in table.schema}, table.to_pylist())


def read_ref(name: str, folder: Path) -> ReleaseRef:
    """The :class:`ReleaseRef` of ``folder``, with the version stamped in its Parquet files."""
    meta: dict[str, str] = {}
    for path in published_tables(folder).values():
        raw = pq.read_metadata(path).metadata or {}
        meta = {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"evidence_kit.")}
        if meta:
            break
    return ReleaseRef(
        name=name,
        path=folder.as_posix(),
        version=meta.get("evidence_kit.dataset_version"),
        release_date=meta.get("evidence_kit.release_date"),
        schema_version=meta.get("evidence_kit.schema_version"),
    )


def derived_vocabulary(claims: list[dict[str, Any]]) -> Loaded:
    """Vocabulary terms named by the claims: subjects and objects, labels and ICD codes.

    >>> derived_vocabulary([{"subject": "mn", "subject_label": "microneedling",
    ...     "object_id": "acne", "object_label": "acne", "object_icd10cm": "L70.0"}]).rows
    [{'term_id': 'acne', 'label': 'acne', 'icd10cm': 'L70.0'}, \
{'term_id': 'mn', 'label': 'microneedling', 'icd10cm': None}]
    """
    terms: dict[str, dict[str, Any]] = {}
    for claim in sorted(claims, key=lambda c: str(c.get("claim_id"))):
        pairs = [
            (claim.get("subject"), claim.get("subject_label"), None),
            (claim.get("object_id"), claim.get("object_label"), claim.get("object_icd10cm")),
        ]
        for term_id, label, code in pairs:
            if term_id is None:
                continue
            term = terms.setdefault(term_id, {"term_id": term_id, "label": label, "icd10cm": None})
            term["icd10cm"] = term["icd10cm"] or code
    rows = [terms[k] for k in sorted(terms)]
    return Loaded({"term_id": "string", "label": "string", "icd10cm": "string"}, rows)


# --------------------------------------------------------------------------- comparing


def same(old: Any, new: Any) -> bool:
    """Equal values; floats within 1e-12 (so a re-encoded double is not a change)."""
    if isinstance(old, float) and isinstance(new, float):
        if math.isnan(old) and math.isnan(new):
            return True
        return math.isclose(old, new, rel_tol=0.0, abs_tol=1e-12)
    return bool(old == new)


def jsonable(value: Any) -> Any:
    """A value the JSON report can carry (dates as ISO strings)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def certainty_direction(old: str, new: str) -> Literal["up", "down", "other"]:
    """``up`` when ``new`` is a better certainty level than ``old``, ``down`` when worse."""
    if old not in LEVELS or new not in LEVELS:
        return "other"
    return "up" if LEVELS.index(new) < LEVELS.index(old) else "down"


def _status(row: dict[str, Any]) -> str | None:
    value = row.get("status")
    return None if value is None else str(value)


def diff_table(
    spec: DiffTable, old: Loaded, new: Loaded, old_name: str, new_name: str, *, derived: bool
) -> tuple[TableDiff, list[Finding]]:
    """The record differences of one table, and the findings they raise."""
    olds = {str(r[spec.key]): r for r in old.rows}
    news = {str(r[spec.key]): r for r in new.rows}
    common = [c for c in new.types if c in old.types and c != spec.key]
    result = TableDiff(
        table=spec.name,
        key=spec.key,
        derived=derived,
        old_count=len(olds),
        new_count=len(news),
    )
    findings: list[Finding] = []

    def label(row: dict[str, Any]) -> str | None:
        value = row.get(spec.label) if spec.label else None
        return None if value is None else str(value)

    for id_ in sorted(news.keys() - olds.keys()):
        row = news[id_]
        result.added.append(RecordRef(id=id_, label=label(row), status=_status(row)))
        if _status(row) == RETRACTED and not row.get("retraction_reason"):
            findings.append(_no_reason(spec, id_, new_name))
    for id_ in sorted(olds.keys() - news.keys()):
        ref = RecordRef(id=id_, label=label(olds[id_]), status=_status(olds[id_]))
        if spec.removal_forbidden:
            result.removed.append(ref)
            findings.append(
                ERR.RECORD_REMOVED.at(
                    f"{new_name}/{spec.name}",
                    field=spec.key,
                    table=spec.name,
                    id=id_,
                    old=old_name,
                    new=new_name,
                )
            )
        else:
            result.unused.append(ref)
    for id_ in sorted(olds.keys() & news.keys()):
        before, after = olds[id_], news[id_]
        skip: set[str] = set()
        if _status(before) != RETRACTED and _status(after) == RETRACTED:
            reason = after.get("retraction_reason")
            result.retracted.append(Retraction(id=id_, label=label(after), reason=reason))
            skip = {"status", "retraction_reason"}
            if not reason:
                findings.append(_no_reason(spec, id_, new_name))
        elif _status(before) == RETRACTED and _status(after) not in (None, RETRACTED):
            result.reinstated.append(RecordRef(id=id_, label=label(after), status=_status(after)))
            skip = {"status"}
        changes = [
            FieldChange(field=c, old=jsonable(before.get(c)), new=jsonable(after.get(c)))
            for c in common
            if c not in skip and not same(before.get(c), after.get(c))
        ]
        if changes:
            result.changed.append(RecordChange(id=id_, label=label(after), changes=changes))
    return result, findings


def _no_reason(spec: DiffTable, id_: str, new_name: str) -> Finding:
    return ERR.RETRACTION_WITHOUT_REASON.at(
        f"{new_name}/{spec.name}", field="retraction_reason", table=spec.name, id=id_, new=new_name
    )


def schema_changes(
    old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]
) -> list[SchemaChange]:
    """Tables and columns present in one release only, and columns whose type changed."""
    changes: list[SchemaChange] = []
    for table in sorted(old.keys() | new.keys(), key=_table_order):
        if table not in old:
            changes.append(SchemaChange(table=table, change="table_added"))
            continue
        if table not in new:
            changes.append(SchemaChange(table=table, change="table_removed"))
            continue
        before, after = old[table], new[table]
        for column in after:
            if column not in before:
                changes.append(
                    SchemaChange(
                        table=table, column=column, change="column_added", new_type=after[column]
                    )
                )
            elif before[column] != after[column]:
                changes.append(
                    SchemaChange(
                        table=table,
                        column=column,
                        change="type",
                        old_type=before[column],
                        new_type=after[column],
                    )
                )
        for column in before:
            if column not in after:
                changes.append(
                    SchemaChange(
                        table=table,
                        column=column,
                        change="column_removed",
                        old_type=before[column],
                    )
                )
    return changes


def _table_order(name: str) -> tuple[int, str]:
    order = [*TABLES, *(t.name for t in VOCABULARY_TABLES)]
    return (order.index(name) if name in order else len(order), name)


def certainty_summary(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> CertaintySummary:
    """Certainty moves of claims in both releases, and active claims by level before/after."""
    olds = {str(r["claim_id"]): r for r in old if "certainty" in r}
    moves = []
    for row in sorted(new, key=lambda r: str(r["claim_id"])):
        before = olds.get(str(row["claim_id"]))
        if before is None or "certainty" not in row:
            continue
        a, b = str(before["certainty"]), str(row["certainty"])
        if a != b:
            moves.append(
                CertaintyMove(
                    claim_id=str(row["claim_id"]),
                    statement=row.get("statement"),
                    old=a,
                    new=b,
                    direction=certainty_direction(a, b),
                )
            )
    return CertaintySummary(moves=moves, before=_levels(old), after=_levels(new))


def _levels(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(
        str(r["certainty"])
        for r in rows
        if r.get("certainty") is not None and _status(r) in (None, ACTIVE)
    )
    return {**{level: counts.get(level, 0) for level in LEVELS}, **counts}


def diff_releases(
    old: Path, new: Path, old_name: str = "OLD", new_name: str = "NEW"
) -> ReleaseDiff:
    """Compare two folders of published Parquet; see the module doc."""
    old_files, new_files = published_tables(old), published_tables(new)
    old_ref, new_ref = read_ref(old_name, old), read_ref(new_name, new)
    old_label, new_label = old_ref.title, new_ref.title
    loaded: dict[str, tuple[Loaded | None, Loaded | None]] = {}
    for name in sorted(old_files.keys() | new_files.keys(), key=_table_order):
        loaded[name] = (
            read_table(old_files[name]) if name in old_files else None,
            read_table(new_files[name]) if name in new_files else None,
        )
    findings: list[Finding] = []
    changes = schema_changes(
        {k: v[0].types for k, v in loaded.items() if v[0] is not None},
        {k: v[1].types for k, v in loaded.items() if v[1] is not None},
    )
    for change in changes:
        if change.change == "table_removed":
            findings.append(
                ERR.TABLE_REMOVED.at(new_ref.path, table=change.table, old=old_label, new=new_label)
            )
    pairs: list[tuple[DiffTable, Loaded, Loaded, bool]] = []
    for spec in RECORD_TABLES:
        before, after = loaded.get(spec.name, (None, None))
        if before is not None and after is not None:
            pairs.append((spec, before, after, False))
    vocabularies = [
        spec
        for spec in VOCABULARY_TABLES
        if all(side is not None for side in loaded.get(spec.name, (None, None)))
    ]
    for spec in vocabularies:
        before, after = loaded[spec.name]
        assert before is not None and after is not None
        pairs.append((spec, before, after, False))
    old_claims = (loaded.get("claims", (None, None))[0] or Loaded({}, [])).rows
    new_claims = (loaded.get("claims", (None, None))[1] or Loaded({}, [])).rows
    if not vocabularies:
        pairs.append(
            (
                DERIVED_VOCABULARY,
                derived_vocabulary(old_claims),
                derived_vocabulary(new_claims),
                True,
            )
        )
    tables = []
    for spec, before, after, derived in pairs:
        table, found = diff_table(spec, before, after, old_label, new_label, derived=derived)
        tables.append(table)
        findings.extend(found)
    return ReleaseDiff(
        old=old_ref,
        new=new_ref,
        schema_changes=changes,
        tables=tables,
        certainty=certainty_summary(old_claims, new_claims),
        findings=findings,
    )
