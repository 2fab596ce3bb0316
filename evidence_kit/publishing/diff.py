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

The result is a :class:`ReleaseDiff` (pydantic, so ``--format json`` is its dump);
:func:`render_text` writes it for people.  :func:`resolve_release` finds a release by
version in ``<dataset>/releases/``.  The module needs only the core install (pyarrow,
pydantic), so ``evidence-kit diff`` works without the curation extras.

>>> certainty_direction("very_low", "low"), certainty_direction("high", "low")
('up', 'down')
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from evidence_kit.model.errors import ERR, EvidenceKitError, Finding, UsageError
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CERTAINTY_LEVELS

ACTIVE, RETRACTED = "active", "retracted"
RELEASES_DIR = "releases"
"""Folder of frozen releases inside the dataset directory (docs/releases.md)."""
CURRENT = "current"
"""Release name of the current published files (``<dataset>/parquet``)."""
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
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


# --------------------------------------------------------------------------- releases


def version_key(version: str) -> tuple[int, ...]:
    """A semantic version as a sortable tuple (``0.10.0`` after ``0.9.1``)."""
    return tuple(int(part) for part in version.split("."))


def releases_dir(root: Path) -> Path:
    return root / RELEASES_DIR


def release_dir(root: Path, version: str) -> Path:
    return releases_dir(root) / version


def list_releases(root: Path) -> list[str]:
    """Versions frozen under ``root/releases``, oldest first."""
    folder = releases_dir(root)
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.match(p.name)]
    return sorted(found, key=version_key)


def resolve_release(spec: str, root: Path) -> Path:
    """The folder of Parquet files that ``spec`` names.

    ``spec`` is a frozen release's version (``0.1.0``, looked up in ``root/releases``),
    ``current`` (``root/parquet``), a release folder (one holding ``parquet/``) or a
    folder of Parquet files.  An unknown name raises :class:`UsageError` naming the
    choices; a folder without Parquet files raises ``EK604``.
    """
    path = Path(spec)
    if spec == CURRENT:
        path = root / "parquet"
    elif VERSION.match(spec) and not path.exists():
        path = release_dir(root, spec)
        if not path.is_dir():
            choices = ", ".join([*list_releases(root), CURRENT])
            raise UsageError(
                f"no release {spec!r} in {releases_dir(root).as_posix()}",
                f"give one of: {choices}, or a folder of published Parquet",
            )
    if not path.is_dir():
        raise UsageError(
            f"{spec!r} is neither a release version nor a folder",
            "give a release version (such as 0.1.0), current, or a folder such as "
            "dataset/releases/0.1.0 or dataset/parquet",
        )
    if (path / "parquet").is_dir():
        path = path / "parquet"
    if not published_tables(path):
        raise EvidenceKitError(
            [
                ERR.RELEASE_UNREADABLE.at(
                    path.as_posix(), path=path.as_posix(), reason="it holds no Parquet files"
                )
            ]
        )
    return path


# --------------------------------------------------------------------------- result


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class RecordRef(BaseModel):
    """A record named by its id, with its label and (where it has one) status."""

    id: str
    label: str | None = None
    status: str | None = None


class Retraction(BaseModel):
    id: str
    label: str | None = None
    reason: str | None = None


class RecordChange(BaseModel):
    id: str
    label: str | None = None
    changes: list[FieldChange]


class TableDiff(BaseModel):
    """The record-level differences of one table."""

    table: str
    key: str
    derived: bool = Field(default=False, description="Derived from the claims, not published.")
    old_count: int
    new_count: int
    added: list[RecordRef] = Field(default_factory=list)
    retracted: list[Retraction] = Field(default_factory=list)
    reinstated: list[RecordRef] = Field(default_factory=list)
    removed: list[RecordRef] = Field(default_factory=list)
    unused: list[RecordRef] = Field(
        default_factory=list, description="Derived terms no claim names any more."
    )
    changed: list[RecordChange] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.retracted
            or self.reinstated
            or self.removed
            or self.unused
            or self.changed
        )


class SchemaChange(BaseModel):
    table: str
    column: str | None = Field(default=None, description="None when the whole table changed.")
    change: Literal["table_added", "table_removed", "column_added", "column_removed", "type"]
    old_type: str | None = None
    new_type: str | None = None


class CertaintyMove(BaseModel):
    claim_id: str
    statement: str | None = None
    old: str
    new: str
    direction: Literal["up", "down", "other"]


class CertaintySummary(BaseModel):
    moves: list[CertaintyMove] = Field(default_factory=list)
    before: dict[str, int] = Field(description="Active claims by certainty level in OLD.")
    after: dict[str, int] = Field(description="Active claims by certainty level in NEW.")


class ReleaseRef(BaseModel):
    """One side of a diff: what was asked for, the folder read, and its stamped version."""

    name: str
    path: str
    version: str | None = None
    release_date: str | None = None
    schema_version: str | None = None

    @property
    def title(self) -> str:
        return self.version or self.name


class ReleaseDiff(BaseModel):
    """Everything that changed from ``old`` to ``new``; ``ok`` when nothing forbidden did."""

    old: ReleaseRef
    new: ReleaseRef
    schema_changes: list[SchemaChange] = Field(default_factory=list)
    tables: list[TableDiff] = Field(default_factory=list)
    certainty: CertaintySummary
    findings: list[Finding] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def table(self, name: str) -> TableDiff:
        return next(t for t in self.tables if t.table == name)


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


def published_tables(folder: Path) -> dict[str, Path]:
    """The Parquet files of a published folder, by table name."""
    return {p.stem: p for p in sorted(folder.glob("*.parquet"))}


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


# --------------------------------------------------------------------------- text


def short(value: Any, width: int = 72) -> str:
    """A value for one line of text: repr, cut to ``width`` characters."""
    text = "null" if value is None else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def short_pair(old: Any, new: Any, width: int = 72) -> tuple[str, str]:
    """Two values for one line each; long strings that share a beginning are shown from
    a little before their first difference, so the change stays visible.

    >>> short_pair("x" * 100 + "old", "x" * 100 + "new", width=20)
    ("'…xxxxxxxxxxold'", "'…xxxxxxxxxxnew'")
    """
    if not (isinstance(old, str) and isinstance(new, str)):
        return short(old, width), short(new, width)
    if max(len(repr(old)), len(repr(new))) <= width:
        return repr(old), repr(new)
    first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    start = max(0, (min(len(old), len(new)) if first is None else first) - width // 2)

    def clip(text: str) -> str:
        end = start + width
        return f"'{'…' if start else ''}{text[start:end]}{'…' if end < len(text) else ''}'"

    return clip(old), clip(new)


def describe_schema_change(change: SchemaChange) -> str:
    if change.change == "table_added":
        return f"{change.table}: table added"
    if change.change == "table_removed":
        return f"{change.table}: table REMOVED"
    if change.change == "column_added":
        return f"{change.table}.{change.column}: column added ({change.new_type})"
    if change.change == "column_removed":
        return f"{change.table}.{change.column}: column removed (was {change.old_type})"
    return f"{change.table}.{change.column}: type {change.old_type} → {change.new_type}"


def render_text(diff: ReleaseDiff) -> str:
    """The diff for people: schema changes, then each table, then certainty, then problems."""
    out = [f"diff {diff.old.title} ({diff.old.path}) → {diff.new.title} ({diff.new.path})"]
    out.append("")
    out.append(f"schema changes: {len(diff.schema_changes) or 'none'}")
    out.extend(f"  {describe_schema_change(c)}" for c in diff.schema_changes)
    for table in diff.tables:
        out.append("")
        kind = " (derived from the claims)" if table.derived else ""
        counts = (
            f"{len(table.added)} added, {len(table.retracted)} retracted, "
            f"{len(table.removed)} removed, {len(table.changed)} changed"
        )
        out.append(f"{table.table}{kind}: {table.old_count} → {table.new_count} records; {counts}")
        for ref in table.added:
            status = f" [{ref.status}]" if ref.status not in (None, ACTIVE) else ""
            out.append(f"  + {ref.id}{status} {short(ref.label)}")
        for retraction in table.retracted:
            out.append(f"  x {retraction.id} retracted: {short(retraction.reason, 200)}")
        for ref in table.reinstated:
            out.append(f"  ^ {ref.id} reinstated ({ref.status})")
        for ref in table.removed:
            out.append(f"  - {ref.id} REMOVED (forbidden) {short(ref.label)}")
        for ref in table.unused:
            out.append(f"  . {ref.id} no longer named by any claim {short(ref.label)}")
        for change in table.changed:
            out.append(f"  ~ {change.id}")
            for field in change.changes:
                was, now = short_pair(field.old, field.new)
                out.append(f"      {field.field}: {was} → {now}")
    out.append("")
    certainty = diff.certainty
    out.append(f"certainty moves: {len(certainty.moves) or 'none'}")
    for move in certainty.moves:
        out.append(f"  {move.claim_id}: {move.old} → {move.new} ({move.direction})")
    out.append("active claims by certainty:")
    for level in dict.fromkeys([*certainty.before, *certainty.after]):
        before, after = certainty.before.get(level, 0), certainty.after.get(level, 0)
        delta = f" ({after - before:+d})" if after != before else ""
        out.append(f"  {level}: {before} → {after}{delta}")
    out.append("")
    for finding in diff.findings:
        out.append(finding.render())
    errors = sum(1 for f in diff.findings if f.severity == "error")
    verdict = "no forbidden change" if diff.ok else f"{errors} forbidden change(s)"
    out.append(f"{diff.old.title} → {diff.new.title}: {verdict}")
    return "\n".join(out) + "\n"
