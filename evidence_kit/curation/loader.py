"""Read the curation files of a dataset directory into typed records.

The layout (see docs/curating.md)::

    dataset/
      sources.yaml                  sources: [Source, ...]
      claims.yaml                   claims: [Claim, ...]
      vocabularies/interventions.yaml   interventions: [...]
      vocabularies/conditions.yaml      conditions: [...]
      vocabularies/outcomes.yaml        outcomes: [...]
      assertions/<source_id>.yaml   source_id: s002, assertions: [Assertion, ...]
      texts/<seed file name>        the source texts, byte-for-byte

Reading never stops at the first problem: every file is read, every record validated
against its model, and all problems come back as findings with file, line and field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from evidence_kit.curation.document import Document, Loc, load_yaml
from evidence_kit.model.claims import CLAIM_ADAPTER
from evidence_kit.model.errors import ERR, ErrorType, EvidenceKitError, Finding
from evidence_kit.model.records import Assertion, Condition, Intervention, Outcome, Source
from evidence_kit.model.vocabulary import CLAIM_KINDS, ECO_CODES


@dataclass(frozen=True)
class Table:
    """Where one record type lives in the curation layout, and how it is validated."""

    name: str
    record: str
    id_field: str
    adapter: TypeAdapter[Any]
    path: str  # file (or glob) relative to the dataset directory

    @property
    def schema_file(self) -> str:
        return f"{self.record.lower()}.schema.json"


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("sources", "Source", "source_id", TypeAdapter(Source), "sources.yaml"),
        Table("claims", "Claim", "claim_id", CLAIM_ADAPTER, "claims.yaml"),
        Table(
            "assertions", "Assertion", "assertion_id", TypeAdapter(Assertion), "assertions/*.yaml"
        ),
        Table(
            "interventions",
            "Intervention",
            "intervention_id",
            TypeAdapter(Intervention),
            "vocabularies/interventions.yaml",
        ),
        Table(
            "conditions",
            "Condition",
            "condition_id",
            TypeAdapter(Condition),
            "vocabularies/conditions.yaml",
        ),
        Table(
            "outcomes", "Outcome", "outcome_id", TypeAdapter(Outcome), "vocabularies/outcomes.yaml"
        ),
    )
}


@dataclass
class Entry:
    """One record as curated: its raw data, where it is, and its model if it validated."""

    table: str
    document: Document
    loc: Loc
    data: dict[str, Any]
    model: Any = None

    @property
    def file(self) -> str:
        return self.document.file

    @property
    def record_id(self) -> str | None:
        value = self.data.get(TABLES[self.table].id_field)
        return value if isinstance(value, str) else None

    def field_path(self, sub: Loc = ()) -> str:
        """Dotted path of ``sub`` in the file, e.g. ``assertions[3].quote``."""
        parts = [str(self.loc[0])] if self.loc else []
        text = "".join([parts[0] if parts else "", *(f"[{i}]" for i in self.loc[1:])])
        for key in sub:
            text += f"[{key}]" if isinstance(key, int) else f".{key}"
        return text.lstrip(".")

    def position(self, sub: Loc = ()) -> tuple[int, int]:
        return self.document.position((*self.loc, *sub))

    def finding(self, kind: ErrorType, sub: Loc = (), **params: Any) -> Finding:
        """A finding located at field ``sub`` of this record."""
        line, column = self.position(sub)
        return kind.at(self.file, line=line, column=column, field=self.field_path(sub), **params)


@dataclass
class Curation:
    """Everything read from a dataset directory, valid or not."""

    root: Path
    entries: dict[str, list[Entry]] = field(default_factory=lambda: {t: [] for t in TABLES})
    findings: list[Finding] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    """Tables with a file that could not be read: checks across tables skip what they
    cannot know (a broken claims.yaml does not make every claim_id dangling)."""

    def models(self, table: str) -> Iterator[tuple[Entry, Any]]:
        """The entries of ``table`` that validated, with their models."""
        for entry in self.entries[table]:
            if entry.model is not None:
                yield entry, entry.model

    def display(self, path: Path) -> str:
        return display_path(path)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute.

    Lexical (symbolic links are not followed), so a file read through ``parquet/`` is
    named as the user named it, not by the release directory the link points to.
    """
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(absolute)


def read_curation(root: Path) -> Curation:
    """Read and model-validate every curation file under ``root``; never raises on bad data."""
    curation = Curation(root=root)
    for table in TABLES.values():
        if table.name == "assertions":
            continue
        path = root / table.path
        document = _read_document(curation, path)
        if document is None or not _take_records(curation, table, document, top_key=table.name):
            curation.unreadable.add(table.name)
    assertion_dir = root / "assertions"
    for path in sorted(assertion_dir.glob("*.yaml")) if assertion_dir.is_dir() else []:
        document = _read_document(curation, path)
        if document is None or not _take_assertions(curation, path, document):
            curation.unreadable.add("assertions")
    for path in sorted(assertion_dir.iterdir()) if assertion_dir.is_dir() else []:
        if path.suffix != ".yaml" and not path.name.startswith("."):
            # not read, so which claims it supports is unknown: no orphan claims
            shown = curation.display(path)
            curation.findings.append(
                ERR.UNEXPECTED_FILE.at(
                    shown,
                    path=shown,
                    reason="only assertions/<source_id>.yaml files are read",
                    hint=f"Rename it to assertions/{path.stem}.yaml, or move it out of "
                    "assertions/.",
                )
            )
            curation.unreadable.add("assertions")
    return curation


def validate_record(table: Table, record: dict[str, Any]) -> Any:
    """The record's model, validated strictly with JSON's types.

    Strict JSON-mode validation accepts exactly the types the JSON Schema does: a quoted
    ``"12"`` is not an integer and ``yes`` is not ``true``, so a record that passes here
    also passes ``schema/*.schema.json``.  Raises :class:`pydantic.ValidationError`.
    """
    return table.adapter.validate_json(json.dumps(record, ensure_ascii=False), strict=True)


def _read_document(curation: Curation, path: Path) -> Document | None:
    display = curation.display(path)
    if not path.is_file():
        curation.findings.append(ERR.FILE_MISSING.at(display, path=display))
        return None
    try:
        return load_yaml(path, display)
    except EvidenceKitError as exc:
        curation.findings.extend(exc.findings)
        return None


def _take_records(
    curation: Curation,
    table: Table,
    document: Document,
    top_key: str,
    inject: dict[str, Any] | None = None,
) -> bool:
    """Take the records of one file; False when the file's top level is unusable."""
    data = document.data
    hint = f"a mapping with the key {top_key!r} holding a list of {table.record} records."
    if not isinstance(data, dict) or not isinstance(data.get(top_key), list):
        curation.findings.append(
            ERR.DOCUMENT_SHAPE.at(
                document.file,
                line=1,
                column=1,
                reason=f"expected a list under {top_key!r}",
                hint=hint,
            )
        )
        return False
    for extra in sorted(set(data) - {top_key, *(inject or {})}):
        line, column = document.position((extra,))
        curation.findings.append(
            ERR.DOCUMENT_SHAPE.at(
                document.file,
                line=line,
                column=column,
                field=extra,
                reason=f"unexpected top-level key {extra!r}",
                hint=hint,
            )
        )
    for index, record in enumerate(data[top_key]):
        loc: Loc = (top_key, index)
        if not isinstance(record, dict):
            line, column = document.position(loc)
            curation.findings.append(
                ERR.WRONG_TYPE.at(
                    document.file,
                    line=line,
                    column=column,
                    field=f"{top_key}[{index}]",
                    expected=f"a {table.record} mapping",
                    reason="a record must be a mapping",
                )
            )
            continue
        if inject:
            record = {**inject, **record}
        entry = Entry(table.name, document, loc, record)
        curation.entries[table.name].append(entry)
        try:
            entry.model = validate_record(table, record)
        except ValidationError as exc:
            curation.findings.extend(translate(entry, table, e) for e in exc.errors())
    return True


def _take_assertions(curation: Curation, path: Path, document: Document) -> bool:
    data = document.data
    source_id = data.get("source_id") if isinstance(data, dict) else None
    if not isinstance(source_id, str):
        curation.findings.append(
            ERR.DOCUMENT_SHAPE.at(
                document.file,
                line=1,
                column=1,
                reason="no source_id at the top of the file",
                hint="start the file with `source_id: <id>` and then `assertions:`.",
            )
        )
        return False
    if source_id != path.stem:
        # which source the quotes belong to is unclear: checking them against either
        # text would bury this one mistake under a mismatch per quote
        line, column = document.position(("source_id",))
        curation.findings.append(
            ERR.ASSERTIONS_FILE_SOURCE.at(
                document.file,
                line=line,
                column=column,
                field="source_id",
                expected=path.stem,
                actual=source_id,
            )
        )
        return False
    return _take_records(
        curation, TABLES["assertions"], document, "assertions", inject={"source_id": source_id}
    )


# pydantic error types -> our catalogue
_RANGE = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "too_short",
    "too_long",
    "string_too_short",
    "string_too_long",
}
_CHOICE = {"literal_error", "enum", "union_tag_invalid"}
_CUSTOM = {
    "offsets_order": ERR.OFFSETS_ORDER,
    "unknown_language": ERR.UNKNOWN_LANGUAGE,
    "icd10cm_unknown": ERR.ICD_UNKNOWN,
    "icd10cm_label_mismatch": ERR.ICD_LABEL,
    "retraction_reason": ERR.RETRACTION_REASON,
}
# errors of a whole record, located at the field a curator has to change
_RECORD_ERROR_FIELD = {
    "offsets_order": "char_end",
    "retraction_reason": "status",
    "hedge_cue": "statement_mode",
    "attributed_to": "statement_mode",
}
_TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "string": "a string",
    "str": "a string",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
    "date": "a date (YYYY-MM-DD)",
}


def translate(entry: Entry, table: Table, error: ErrorDetails) -> Finding:
    """A pydantic error as a located :class:`Finding` with a stable code."""
    loc: Loc = tuple(error["loc"])
    kind_tag = loc[0] if loc and table.name == "claims" and loc[0] in CLAIM_KINDS else None
    if kind_tag is not None:
        loc = loc[1:]
    etype = error["type"]
    if etype in _RECORD_ERROR_FIELD:
        loc = (*loc, _RECORD_ERROR_FIELD[etype])
    ctx = error.get("ctx") or {}
    name = str(loc[-1]) if loc else table.id_field
    record_name = f"{kind_tag} {table.record}" if kind_tag else table.record
    params: dict[str, Any] = {
        "record": record_name,
        "schema": table.schema_file,
        "reason": error["msg"],
        "hint": "",
        "code": "",
    }
    actual = error.get("input")
    if isinstance(actual, dict | list):
        actual = None
    if etype == "extra_forbidden":
        return entry.finding(ERR.UNKNOWN_FIELD, loc, **{**params, "actual": actual})
    if etype in ("missing", "union_tag_not_found"):
        if etype == "union_tag_not_found":
            loc = ("kind",)
        return entry.finding(ERR.MISSING_FIELD, loc, **params)
    if etype in _CUSTOM:
        kind = _CUSTOM[etype]
        if etype == "icd10cm_label_mismatch":
            loc = (*loc, "label")
            return entry.finding(
                kind,
                loc,
                **{
                    **params,
                    "code": ctx.get("code"),
                    "expected": ctx.get("official"),
                    "actual": ctx.get("label"),
                },
            )
        if etype == "icd10cm_unknown":
            loc = (*loc, "code")
            return entry.finding(kind, loc, **{**params, "actual": ctx.get("code")})
        return entry.finding(kind, loc, **{**params, "actual": actual})
    if etype in _CHOICE:
        expected = ctx.get("expected") or ctx.get("expected_tags")
        if name == "evidence_basis":
            return entry.finding(
                ERR.UNKNOWN_ECO,
                loc,
                **{**params, "expected": ", ".join(ECO_CODES), "actual": actual},
            )
        if etype == "union_tag_invalid":
            loc, actual = ("kind",), ctx.get("tag")
        return entry.finding(
            ERR.NOT_ALLOWED_VALUE, loc, **{**params, "expected": expected, "actual": actual}
        )
    if etype in _RANGE:
        bound = next(
            (
                f"{op} {ctx[k]}"
                for k, op in (
                    ("ge", ">="),
                    ("gt", ">"),
                    ("le", "<="),
                    ("lt", "<"),
                    ("min_length", "of length >="),
                    ("max_length", "of length <="),
                )
                if k in ctx
            ),
            "within its bounds",
        )
        return entry.finding(
            ERR.OUT_OF_RANGE, loc, **{**params, "expected": bound, "actual": actual}
        )
    if etype == "string_pattern_mismatch":
        return entry.finding(
            ERR.PATTERN_MISMATCH,
            loc,
            **{**params, "expected": ctx.get("pattern"), "actual": actual},
        )
    if etype.endswith(("_type", "_parsing")) or etype.startswith(("date_", "model_")):
        base = etype.split("_")[0]
        return entry.finding(
            ERR.WRONG_TYPE,
            loc,
            **{**params, "expected": _TYPE_NAMES.get(base, base), "actual": actual},
        )
    return entry.finding(ERR.INVALID_VALUE, loc, **{**params, "actual": actual})
