"""What a release diff reports: the result models and their text for people.

:class:`ReleaseDiff` (pydantic, so ``evidence-kit diff --format json`` is its dump) holds
the schema changes, the record-level :class:`TableDiff` of each table, the certainty
moves and the findings; :func:`render_text` writes it for people.  The diffing itself is
in :mod:`evidence_kit.publishing.diff`.

>>> short_pair("x" * 100 + "old", "x" * 100 + "new", width=20)
("'…xxxxxxxxxxold'", "'…xxxxxxxxxxnew'")
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from evidence_kit.model.errors import Finding

ACTIVE, RETRACTED = "active", "retracted"


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
