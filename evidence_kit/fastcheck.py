"""Fast, column-wise validation of the published Parquet files.

:func:`check_published` streams each table in record batches and checks whole columns at
once with pyarrow.compute and numpy, instead of one Python object per row.  It covers
what the record-level path (:mod:`evidence_kit.recordcheck`) checks, and a differential
test requires both to return identical findings:

* table level: missing file (EK101), missing column (EK202), unknown column (EK201),
  column of the wrong Arrow type (EK203) -- such a column is not checked further, and a
  table with one gets no record rules;
* column rules, derived from the models' JSON Schema and the closed vocabularies: nulls
  in required columns (EK202), lengths and numeric bounds (EK204), closed value sets
  (EK205; EK210 for ECO codes), patterns (EK206), BCP-47 tags (EK209);
* record rules, on rows whose columns are valid, in the models' order: retraction reason
  (EK213), offsets order (EK208), hedge cue / attribution (EK207), predicate for the kind
  (EK205);
* cross-record rules, on rows that passed the above: duplicate keys (EK301), dangling
  references (EK302), assertion id of another source (EK303), claim without active
  assertion (EK304), repeated quote (EK307); source texts (EK106, EK306, EK101, EK401,
  EK402) and every quote against its text (EK403-EK406, EK409).

evidence.parquet gets the table-level checks, the column rules of its claim and source
columns and of its keys, unique assertion_id and references; its copies of the other
assertion columns are checked in assertions.parquet, not a second time.

Findings are located by ``file`` = the Parquet file, ``field`` = the column and ``line`` =
the 1-based row number in the file (null for table-level findings); the row's key is in
the message where it helps.  At most :data:`FINDING_LIMIT` findings are listed per
(file, code, column); a further EK502 finding counts the rest.
"""

from __future__ import annotations

import re
import sys
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import langcodes
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import TypeAdapter

from evidence_kit.errors import ERR, ErrorType, Finding
from evidence_kit.loader import display_path
from evidence_kit.models import CLAIM_TYPES, CONTEXT_LENGTH, Assertion, ClaimBase, Source
from evidence_kit.provenance import is_nfc, quote_problems, sha256_bytes
from evidence_kit.tables import TABLES
from evidence_kit.vocabulary import CERTAINTY_LEVELS, CLAIM_KINDS, CURRENCIES

BATCH_ROWS = 262_144
BUFFER_BYTES = 8 << 20  # read column chunks through a buffer, not whole, to bound memory
FINDING_LIMIT = 1000
ORDER = ("sources", "claims", "assertions", "evidence")
RECORD = {"sources": "Source", "claims": "Claim", "assertions": "Assertion", "evidence": "Evidence"}
SCHEMA_FILE = {
    "sources": "source.schema.json",
    "claims": "claim.schema.json",
    "assertions": "assertion.schema.json",
    "evidence": "assertion.schema.json",
}
_SPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
_SPACE_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE)
EDGE_SPACE = f"^[{_SPACE_CLASS}]|[{_SPACE_CLASS}]$"


def _nfc_suspects() -> str:
    """Code points whose NFC quick check is No or Maybe: a string without any is NFC."""
    import unicodedata

    found = set()
    for code in range(0x2FA1E):  # no character above the CJK compatibility supplement decomposes
        char = chr(code)
        if not unicodedata.decomposition(char):
            continue
        if unicodedata.normalize("NFC", char) != char:
            found.add(code)  # NFC_QC=No (singletons, composition exclusions)
        parts = unicodedata.decomposition(char).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            pair = "".join(chr(int(p, 16)) for p in parts)
            if unicodedata.normalize("NFC", pair) == char:
                found.add(int(parts[1], 16))  # NFC_QC=Maybe: combines with what precedes
    found |= set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    return "".join(f"\\x{{{c:x}}}" for c in sorted(found))


#: Rows whose quote matches need the exact (Python) check: edge white space or NFC doubt.
QUOTE_SUSPECT = f"{EDGE_SPACE}|[{_nfc_suspects()}]"


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class ColumnRule:
    """What one column must hold; checked null -> length -> pattern -> value set -> bounds."""

    column: str
    nullable: bool
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    ge: float | None = None
    le: float | None = None
    language: bool = False

    @property
    def enum_error(self) -> ErrorType:
        eco = self.enum is not None and all(v.startswith("ECO:") for v in self.enum)
        return ERR.UNKNOWN_ECO if eco else ERR.NOT_ALLOWED_VALUE


def _constraints(prop: dict[str, Any]) -> dict[str, Any]:
    """Constraints of one JSON Schema property (the non-null branch of an anyOf)."""
    for branch in prop.get("anyOf", []):
        if branch.get("type") != "null":
            prop = {**prop, **branch}
    out: dict[str, Any] = {}
    for key, name in (
        ("pattern", "pattern"),
        ("minLength", "min_length"),
        ("maxLength", "max_length"),
        ("minimum", "ge"),
        ("maximum", "le"),
    ):
        if key in prop:
            out[name] = prop[key]
    if "enum" in prop:
        out["enum"] = tuple(prop["enum"])
    elif "const" in prop:
        out["enum"] = (prop["const"],)
    return out


def _properties(model: Any) -> dict[str, dict[str, Any]]:
    schema = TypeAdapter(model).json_schema()
    return {k: _constraints(v) for k, v in schema.get("properties", {}).items()}


def _claim_properties() -> dict[str, dict[str, Any]]:
    """Column constraints of the flat claims table, merged over every claim kind."""
    props = _properties(ClaimBase)
    for model in CLAIM_TYPES:
        for name, cons in _properties(model).items():
            name = {"unit": "cost_unit"}.get(name, name)
            if name in props and "enum" in cons and "enum" in props[name]:
                merged = dict.fromkeys((*props[name]["enum"], *cons["enum"]))
                props[name] = {**props[name], "enum": tuple(merged)}
            else:
                props.setdefault(name, cons)
    props["kind"] = {"enum": tuple(CLAIM_KINDS)}
    props["currency"] = {"enum": tuple(CURRENCIES)}
    props["certainty"] = {"enum": tuple(CERTAINTY_LEVELS)}
    props["confidence"] = {"ge": 0.0, "le": 1.0}
    for name in ("n_assertions", "n_sources", "n_works"):
        props[name] = {"ge": 0}
    for name in ("object_id",):
        props[name] = {"pattern": props["subject"]["pattern"]}
    return props


def _rules(fields: Iterable[pa.Field], props: dict[str, dict[str, Any]]) -> list[ColumnRule]:
    rules = []
    for f in fields:
        cons = {
            k: v for k, v in props.get(f.name, {}).items() if k != "enum" or f.type != pa.bool_()
        }
        rules.append(ColumnRule(f.name, f.nullable, language=f.name == "language", **cons))
    return rules


def _build_rules() -> dict[str, list[ColumnRule]]:
    source_props = _properties(Source)
    source_props.pop("language", None)
    claim_props = _claim_properties()
    assertion_props = _properties(Assertion)
    rules = {
        "sources": _rules(TABLES["sources"].schema, source_props),
        "claims": _rules(TABLES["claims"].schema, claim_props),
        "assertions": _rules(TABLES["assertions"].schema, assertion_props),
    }
    by_name = {t: {r.column: r for r in rs} for t, rs in rules.items()}
    evidence = []
    for f in TABLES["evidence"].schema:
        name = f.name
        if name in by_name["assertions"]:
            if name not in ("assertion_id", "claim_id", "source_id"):
                continue  # copies of assertions.parquet's columns, checked there
            base = by_name["assertions"][name]
        elif name.startswith("claim_") and name[6:] in by_name["claims"]:
            base = by_name["claims"][name[6:]]
        elif name.startswith("source_") and name[7:] in by_name["sources"]:
            base = by_name["sources"][name[7:]]
        else:
            base = by_name["claims"].get(name) or by_name["sources"][name]
        evidence.append(ColumnRule(**{**base.__dict__, "column": name, "nullable": f.nullable}))
    rules["evidence"] = evidence
    return rules


RULES: dict[str, list[ColumnRule]] = _build_rules()
KIND_PREDICATES: dict[str, tuple[str, ...]] = {
    typing.get_args(m.model_fields["kind"].annotation)[0]: typing.get_args(
        m.model_fields["predicate"].annotation
    )
    for m in CLAIM_TYPES
}


# --------------------------------------------------------------------------- findings


def _needed() -> dict[str, set[str]]:
    """Columns the fast path reads: those with a check, and those record rules use."""
    out: dict[str, set[str]] = {}
    for table, rules in RULES.items():
        checked = {
            r.column
            for r in rules
            if not r.nullable
            or r.language
            or any(
                v is not None for v in (r.pattern, r.min_length, r.max_length, r.enum, r.ge, r.le)
            )
        }
        out[table] = checked | set(RECORD_COLUMNS[table])
    out["assertions"] |= {"quote", "prefix", "suffix", "source_id", "claim_id"}
    return out


#: Unique or nearly unique text columns, read as plain strings (the rest as dictionaries).
PLAIN_COLUMNS = {"assertion_id", "quote", "prefix", "suffix", "quote_en", "note"}
CONTEXT = CONTEXT_LENGTH


def column_finding(
    table: str, file: str, row: int, rule: ColumnRule, check: str, value: Any
) -> Finding:
    """The finding for ``value`` at 0-based ``row`` failing ``check`` of ``rule``."""
    where: dict[str, Any] = {"line": row + 1, "field": rule.column}
    params: dict[str, Any] = {"record": RECORD[table], "schema": SCHEMA_FILE[table]}
    if check == "null":
        return ERR.MISSING_FIELD.at(file, **where, **params)
    if check in ("min_length", "max_length", "ge", "le"):
        bound = {
            "min_length": f"of length >= {rule.min_length}",
            "max_length": f"of length <= {rule.max_length}",
            "ge": f">= {rule.ge}",
            "le": f"<= {rule.le}",
        }[check]
        reason = f"{value!r} is not {bound}"
        return ERR.OUT_OF_RANGE.at(file, **where, expected=bound, actual=value, reason=reason)
    if check == "pattern":
        reason = f"{value!r} does not match {rule.pattern}"
        return ERR.PATTERN_MISMATCH.at(
            file, **where, expected=rule.pattern, actual=value, reason=reason
        )
    if check == "enum":
        assert rule.enum is not None
        reason = f"{value!r} is not in the closed list"
        return rule.enum_error.at(
            file, **where, expected=", ".join(rule.enum), actual=value, reason=reason
        )
    if check == "language":
        return ERR.UNKNOWN_LANGUAGE.at(file, **where, actual=value)
    raise ValueError(check)


def value_violation(rule: ColumnRule, value: Any) -> str | None:
    """The first check of ``rule`` that ``value`` fails, or None (the record-level twin)."""
    if value is None:
        return None if rule.nullable else "null"
    if isinstance(value, str):
        if rule.min_length is not None and len(value) < rule.min_length:
            return "min_length"
        if rule.max_length is not None and len(value) > rule.max_length:
            return "max_length"
        if rule.pattern is not None and re.search(rule.pattern, value) is None:
            return "pattern"
    if rule.enum is not None and value not in rule.enum:
        return "enum"
    if rule.language and not langcodes.tag_is_valid(value):
        return "language"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if rule.ge is not None and value < rule.ge:
            return "ge"
        if rule.le is not None and not value <= rule.le:
            return "le"
    return None


def record_finding(table: str, file: str, row: int, rule: str, values: dict[str, Any]) -> Finding:
    """A record rule's finding: ``rule`` is retraction, offsets, hedge, attribution, predicate."""
    line = row + 1
    schema = SCHEMA_FILE[table]
    if rule == "retraction":
        return ERR.RETRACTION_REASON.at(file, line=line, field="retraction_reason")
    if rule == "offsets":
        start, end = values["char_start"], values["char_end"]
        reason = f"char_end ({end}) <= char_start ({start})"
        return ERR.OFFSETS_ORDER.at(file, line=line, field="char_end", reason=reason, actual=end)
    if rule == "hedge":
        reason = "a hedged assertion names its hedge_cue"
        return ERR.INVALID_VALUE.at(
            file,
            line=line,
            field="hedge_cue",
            reason=reason,
            schema=schema,
            actual=values["hedge_cue"],
        )
    if rule == "attribution":
        reason = "an attributed assertion names attributed_to"
        return ERR.INVALID_VALUE.at(
            file,
            line=line,
            field="attributed_to",
            reason=reason,
            schema=schema,
            actual=values["attributed_to"],
        )
    if rule == "predicate":
        kind, predicate = values["kind"], values["predicate"]
        allowed = KIND_PREDICATES[kind]
        return ERR.NOT_ALLOWED_VALUE.at(
            file,
            line=line,
            field="predicate",
            expected=", ".join(allowed),
            actual=predicate,
            reason=f"{predicate!r} is not a predicate of a {kind} claim",
        )
    raise ValueError(rule)


def record_rule_failure(table: str, values: dict[str, Any]) -> str | None:
    """The first record rule a column-valid row breaks (the order pydantic runs them in)."""
    if table in ("sources", "claims", "assertions"):
        if table == "claims" and values["predicate"] not in KIND_PREDICATES[values["kind"]]:
            return "predicate"
        if values["status"] == "retracted" and not values["retraction_reason"]:
            return "retraction"
    if table == "assertions":
        if values["char_end"] <= values["char_start"]:
            return "offsets"
        if values["statement_mode"] == "hedged" and not values["hedge_cue"]:
            return "hedge"
        if values["statement_mode"] == "attributed" and not values["attributed_to"]:
            return "attribution"
    return None


RECORD_COLUMNS = {
    "sources": ("status", "retraction_reason"),
    "claims": ("kind", "predicate", "status", "retraction_reason"),
    "assertions": (
        "status",
        "retraction_reason",
        "char_start",
        "char_end",
        "statement_mode",
        "hedge_cue",
        "attributed_to",
    ),
    "evidence": (),
}


NEEDED: dict[str, set[str]] = {}


def duplicate_finding(file: str, row: int, column: str, key: str, first_row: int) -> Finding:
    return ERR.DUPLICATE_ID.at(
        file, line=row + 1, field=column, id=key, other=f"first at row {first_row + 1}"
    )


def dangling_finding(file: str, row: int, column: str, target: str, value: str) -> Finding:
    return ERR.DANGLING_REFERENCE.at(
        file, line=row + 1, field=column, target=target, actual=value, hint=""
    )


def id_source_finding(file: str, row: int, assertion_id: str, source_id: str) -> Finding:
    return ERR.ASSERTION_ID_SOURCE.at(
        file, line=row + 1, field="assertion_id", expected=source_id, actual=assertion_id
    )


def orphan_finding(file: str, row: int, claim_id: str) -> Finding:
    return ERR.ORPHAN_CLAIM.at(file, line=row + 1, field="claim_id", id=claim_id)


def repeat_finding(file: str, row: int, first_id: str) -> Finding:
    return ERR.DUPLICATE_QUOTE.at(file, line=row + 1, field="quote", other=first_id)


def quote_findings(file: str, row: int, values: dict[str, Any], text: str) -> list[Finding]:
    """The quote must be NFC and equal ``text[char_start:char_end]``; context must match."""
    problems = quote_problems(
        text,
        values["quote"],
        values["char_start"],
        values["char_end"],
        values["prefix"],
        values["suffix"],
        values["source_id"],
    )
    return [p.kind.at(file, line=row + 1, field=p.field, **p.params) for p in problems]


# --------------------------------------------------------------------------- shared steps


class Collector:
    """Findings, at most ``limit`` per (file, code, field); the rest only counted."""

    def __init__(self, limit: int = FINDING_LIMIT):
        self.limit = limit
        self.kept: list[Finding] = []
        self.counts: dict[tuple[str, str, str | None], int] = defaultdict(int)

    def room(self, file: str, code: str, field: str | None) -> int:
        return max(0, self.limit - self.counts[(file, code, field)])

    def add(self, finding: Finding) -> None:
        key = (finding.file, finding.code, finding.field)
        if self.counts[key] < self.limit:
            self.kept.append(finding)
        self.counts[key] += 1

    def count(self, file: str, code: str, field: str | None, n: int) -> None:
        """Count ``n`` findings that were not built because the limit was reached."""
        self.counts[(file, code, field)] += n

    def findings(self) -> list[Finding]:
        out = list(self.kept)
        for (file, code, field), n in self.counts.items():
            if n > self.limit:
                reason = (
                    f"{n - self.limit} more {code} findings in column {field} are not listed "
                    f"(first {self.limit} shown)"
                )
                out.append(ERR.PUBLISHED_CHECK.at(file, field=field, reason=reason))
        return sort_findings(out)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """The order both paths return: file, row, column, code, message."""
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.field or "", f.code, f.message))


def check_schema(table: str, file: str, schema: pa.Schema) -> tuple[list[Finding], set[str]]:
    """Table-level findings and the columns not to check (missing or of the wrong type)."""
    contract = TABLES[table].schema
    findings: list[Finding] = []
    bad: set[str] = set()
    params: dict[str, Any] = {"record": RECORD[table], "schema": SCHEMA_FILE[table]}
    for f in contract:
        if f.name not in schema.names:
            findings.append(ERR.MISSING_FIELD.at(file, field=f.name, **params))
            bad.add(f.name)
        elif schema.field(f.name).type != f.type:
            actual = schema.field(f.name).type
            findings.append(
                ERR.WRONG_TYPE.at(
                    file,
                    field=f.name,
                    expected=str(f.type),
                    actual=str(actual),
                    reason=f"the column is {actual}, the contract says {f.type}",
                )
            )
            bad.add(f.name)
    for name in schema.names:
        if name not in contract.names:
            findings.append(ERR.UNKNOWN_FIELD.at(file, field=name, actual=None, **params))
    return findings, bad


def load_texts(
    file: str, base: Path, rows: list[tuple[int, dict[str, Any]]]
) -> tuple[list[Finding], dict[str, str]]:
    """Texts of the valid source rows ``(row, values)``, checked against hash and NFC."""
    findings: list[Finding] = []
    texts: dict[str, str] = {}
    root = base.resolve()
    for row, values in rows:
        line = row + 1
        path = (base / values["text_path"]).resolve()
        if not path.is_relative_to(root):
            findings.append(
                ERR.PATH_ESCAPES.at(file, line=line, field="text_path", path=values["text_path"])
            )
            continue
        if path.name != values["source_file"]:
            findings.append(
                ERR.SOURCE_FILE_NAME.at(
                    file,
                    line=line,
                    field="source_file",
                    expected=path.name,
                    actual=values["source_file"],
                )
            )
        shown = display_path(path)
        if not path.is_file():
            findings.append(ERR.FILE_MISSING.at(file, line=line, field="text_path", path=shown))
            continue
        data = path.read_bytes()
        digest = sha256_bytes(data)
        if digest != values["sha256"]:
            findings.append(
                ERR.HASH_MISMATCH.at(
                    file,
                    line=line,
                    field="sha256",
                    path=shown,
                    expected=values["sha256"],
                    actual=digest,
                )
            )
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            findings.append(ERR.NOT_UTF8.at(file, line=line, field="text_path", reason=exc.reason))
            continue
        if not is_nfc(text):
            findings.append(ERR.TEXT_NOT_NFC.at(file, line=line, field="text_path", path=shown))
            continue
        texts.setdefault(values["source_id"], text)
    return findings, texts


def table_file(directory: Path, table: str) -> tuple[Path, str]:
    path = directory / TABLES[table].file_name
    return path, display_path(path)


# --------------------------------------------------------------------------- the fast engine


@dataclass
class _Texts:
    """Every valid source text as UTF-8 bytes in one buffer, with code point -> byte maps."""

    ids: pa.Array
    text: dict[str, str]
    data: np.ndarray
    cp_base: np.ndarray  # per source: where its code point -> byte map starts
    cp_len: np.ndarray  # per source: length in code points
    byte_of: np.ndarray  # concatenated maps (absolute byte offsets in data)

    @property
    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(self.data)

    @property
    def padded(self) -> np.ndarray:
        return np.concatenate([self.data, np.zeros(12, dtype=np.uint8)])

    @classmethod
    def build(cls, texts: dict[str, str]) -> _Texts:
        ids, chunks, maps, bases, lens = [], [], [], [], []
        offset = cp = 0
        for source_id, text in texts.items():
            raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            starts = np.flatnonzero((raw & 0xC0) != 0x80)
            ids.append(source_id)
            chunks.append(raw)
            maps.append(np.append(starts, len(raw)) + offset)
            bases.append(cp)
            lens.append(len(text))
            offset += len(raw)
            cp += len(text) + 1
        return cls(
            ids=pa.array(ids, pa.string()),
            text=texts,
            data=np.concatenate(chunks) if chunks else np.zeros(0, np.uint8),
            cp_base=np.array(bases, dtype=np.int64),
            cp_len=np.array(lens, dtype=np.int64),
            byte_of=np.concatenate(maps) if maps else np.zeros(0, np.int64),
        )


def _slices(data: pa.Buffer, padded: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``data[start:end]`` per row as a string array, built from Arrow string views.

    Each view is 16 bytes (length, then 12 inline bytes or a 4-byte prefix and an offset
    into ``data``), so building them is per-row work; the bytes are copied once by the
    cast in C++.  ``padded`` is ``data`` as uint8 with 12 zero bytes appended.
    """
    n = len(start)
    length = (end - start).astype(np.int32)
    block = padded[start[:, None] + np.arange(12)]
    block[np.arange(12)[None, :] >= length[:, None]] = 0
    views = np.empty((n, 4), dtype=np.int32)
    views[:, 0] = length
    views[:, 1:] = np.ascontiguousarray(block).view(np.int32)
    long = length > 12
    views[long, 2] = 0
    views[long, 3] = start[long]
    array = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), data])
    return array.cast(pa.string())


def _numpy(mask: Any) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def _on_values(column: pa.Array, func: Callable[[pa.Array], Any]) -> np.ndarray:
    """``func`` applied to a column's values; for a dictionary column, to its dictionary."""
    if pa.types.is_dictionary(column.type):
        per_value = _numpy(func(column.dictionary))
        present = column.is_valid().to_numpy(zero_copy_only=False)
        indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
        return present & per_value[indices] if len(per_value) else present & False
    return _numpy(func(column))


def _index_in(column: pa.Array, keys: pa.Array) -> np.ndarray:
    """Position of each value in ``keys``; -1 when absent or null."""
    if pa.types.is_dictionary(column.type):
        per_value = (
            pc.index_in(column.dictionary, keys).fill_null(-1).to_numpy(zero_copy_only=False)
        )
        indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
        out = per_value[indices] if len(per_value) else np.full(len(column), -1)
        return np.where(column.is_valid().to_numpy(zero_copy_only=False), out, -1).astype(np.int64)
    return pc.index_in(column, keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _too_short(values: pa.Array, bound: int) -> Any:
    """Fewer than ``bound`` code points; byte lengths screen (a code point is 1-4 bytes)."""
    if not _numpy(pc.less(pc.binary_length(values), 4 * bound)).any():
        return np.zeros(len(values), dtype=bool)
    return pc.less(pc.utf8_length(values), bound)


def _too_long(values: pa.Array, bound: int) -> Any:
    """More than ``bound`` code points; only byte lengths over ``bound`` can be."""
    if not _numpy(pc.greater(pc.binary_length(values), bound)).any():
        return np.zeros(len(values), dtype=bool)
    return pc.greater(pc.utf8_length(values), bound)


def _plain(column: pa.Array) -> pa.Array:
    return column.dictionary_decode() if pa.types.is_dictionary(column.type) else column


def _rows(mask: pa.Array | np.ndarray) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    return np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False))


def _fetch(path: Path, columns: list[str], rows: np.ndarray) -> dict[int, tuple[Any, ...]]:
    """The values of ``columns`` at the given 0-based ``rows`` of a Parquet file (re-read)."""
    wanted = np.sort(rows)
    out: dict[int, tuple[Any, ...]] = {}
    base = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=columns):
        lo, hi = np.searchsorted(wanted, [base, base + batch.num_rows])
        if hi > lo:
            local = pa.array(wanted[lo:hi] - base)
            part = [batch.column(c).take(local).to_pylist() for c in columns]
            for i, row in enumerate(wanted[lo:hi].tolist()):
                out[row] = tuple(p[i] for p in part)
        base += batch.num_rows
    return out


def _compact(rows: np.ndarray) -> np.ndarray:
    """Row numbers as int32 when they fit (they are kept for every row of a big file)."""
    return rows.astype(np.int32) if len(rows) == 0 or rows.max() < 2**31 else rows


def _hash_rows(columns: dict[str, Any]) -> np.ndarray:
    """A 64-bit hash of each row of the given equal-length columns (polars, fixed seeds)."""
    frame = pl.DataFrame(
        {k: pl.Series(_plain(v) if isinstance(v, pa.Array) else v) for k, v in columns.items()}
    )
    return frame.hash_rows().to_numpy()


class _Engine:
    def __init__(self, directory: Path, limit: int):
        self.directory = directory
        self.out = Collector(limit)
        self.keys: dict[str, pa.Array] = {}
        self.texts: _Texts | None = None
        self.claim_rows: dict[str, Any] = {}
        self.supported: np.ndarray = np.zeros(0, dtype=bool)

    # ----------------------------------------------------------------- column and record rules

    def _emit(
        self,
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
        room = self.out.room(file, code, rule.column)
        take = rows[:room]
        values = column.take(pa.array(take)).to_pylist()
        for row, value in zip(take.tolist(), values, strict=True):
            self.out.add(column_finding(table, file, base + row, rule, check, value))
        self.out.count(file, code, rule.column, len(rows) - len(take))

    def _column_rules(
        self, table: str, file: str, batch: pa.RecordBatch, base: int, bad: set[str]
    ) -> np.ndarray:
        """Check every column rule on ``batch``; returns the mask of rows that passed all."""
        valid = np.ones(batch.num_rows, dtype=bool)
        names = set(batch.schema.names)
        for rule in RULES[table]:
            if rule.column in bad or rule.column not in names:
                continue
            column = batch.column(rule.column)
            for check, mask in self._violations(rule, column):
                rows = _rows(mask)
                self._emit(table, file, rows, base, rule, check, column)
                valid[rows] = False
        return valid

    def _violations(self, rule: ColumnRule, column: pa.Array) -> Iterable[tuple[str, np.ndarray]]:
        """Masks of the rows failing each check, every row counted under its first failure."""
        if not rule.nullable and column.null_count:
            yield "null", column.is_null().to_numpy(zero_copy_only=False)
        done = np.zeros(len(column), dtype=bool)
        for check, func in self._value_checks(rule, column):
            mask = _on_values(column, func) & ~done
            done |= mask
            yield check, mask

    def _value_checks(
        self, rule: ColumnRule, column: pa.Array
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
                            [
                                x is not None and not langcodes.tag_is_valid(x)
                                for x in v.to_pylist()
                            ],
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

    def _record_rules(
        self, table: str, file: str, batch: pa.RecordBatch, base: int, valid: np.ndarray
    ) -> None:
        """Record rules on the column-valid rows, each only on rows that passed the earlier ones."""
        if table == "evidence":
            return
        col = {name: batch.column(name) for name in RECORD_COLUMNS[table]}

        def empty(name: str) -> np.ndarray:
            c = col[name]
            blank = _on_values(c, lambda v: pc.equal(v, ""))
            return blank | c.is_null().to_numpy(zero_copy_only=False)

        def equals(name: str, value: str) -> np.ndarray:
            return _on_values(col[name], lambda v: pc.equal(v, value))

        def predicate() -> np.ndarray:
            pairs = pc.binary_join_element_wise(
                _plain(col["kind"]), _plain(col["predicate"]), "\x1f"
            )
            allowed = pa.array([f"{k}\x1f{p}" for k, ps in KIND_PREDICATES.items() for p in ps])
            return ~_numpy(pc.is_in(pairs, allowed))

        def offsets() -> np.ndarray:
            return _numpy(pc.less_equal(col["char_end"], col["char_start"]))

        rules: list[tuple[str, Callable[[], np.ndarray]]] = []
        if table == "claims":
            rules.append(("predicate", predicate))
        rules.append(
            ("retraction", lambda: equals("status", "retracted") & empty("retraction_reason"))
        )
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
                self.out.add(record_finding(table, file, base + row, name, values))

    # ----------------------------------------------------------------- tables

    def scan(self, table: str) -> Iterable[tuple[str, pa.RecordBatch, int, np.ndarray, set[str]]]:
        """Batches of ``table`` with the column and record rules applied.

        Only the columns some check needs are read; repetitive string columns are read as
        dictionaries, so a value repeated a million times is decoded and checked once.
        """
        path, file = table_file(self.directory, table)
        if not path.is_file():
            self.out.add(ERR.FILE_MISSING.at(file, path=file))
            return
        schema = pq.ParquetFile(path).schema_arrow
        findings, bad = check_schema(table, file, schema)
        for f in findings:
            self.out.add(f)
        needed = [c for c in schema.names if c in NEEDED[table] and c not in bad]
        as_dictionary = [
            c
            for c in needed
            if schema.field(c).type == pa.string()
            and c not in PLAIN_COLUMNS
            and c not in TABLES[table].primary_key
        ]
        parquet = pq.ParquetFile(
            path, read_dictionary=as_dictionary, buffer_size=BUFFER_BYTES, pre_buffer=False
        )
        base = 0
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=needed):
            valid = self._column_rules(table, file, batch, base, bad)
            if not bad:
                self._record_rules(table, file, batch, base, valid)
            yield file, batch, base, valid, bad
            base += batch.num_rows

    def run(self) -> list[Finding]:
        self._sources()
        self._claims()
        self._assertions()
        self._evidence()
        return self.out.findings()

    def _keys(self, table: str, hashes: list[tuple[np.ndarray, np.ndarray]], column: str) -> None:
        """EK301 over the valid rows' keys (later duplicates flagged).

        Only a 64-bit hash per row is kept while streaming; rows whose hash repeats are
        re-read and compared exactly, so memory stays at 12 bytes a row.
        """
        path, file = table_file(self.directory, table)
        for group in self._exact_groups(path, hashes, [column]):
            first = group[0][0]
            for row, _ in group[1:]:
                self.out.add(duplicate_finding(file, row, column, group[0][1][0], first))

    def _exact_groups(
        self, path: Path, hashes: list[tuple[np.ndarray, np.ndarray]], columns: list[str]
    ) -> list[list[tuple[int, tuple[Any, ...]]]]:
        """Groups (in row order) of rows whose ``columns`` are equal, found through hashes."""
        if not hashes:
            return []
        digest = np.concatenate([h for h, _ in hashes])
        rows = np.concatenate([r for _, r in hashes])
        del hashes[:]
        order = np.sort(digest)
        repeated = order[1:][order[1:] == order[:-1]]
        del order
        if not len(repeated):
            return []
        maybe = np.isin(digest, repeated)
        values = _fetch(path, columns, rows[maybe])
        groups: dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
        for row in sorted(values):
            groups[values[row]].append((row, values[row]))
        return [g for g in groups.values() if len(g) > 1]

    def _sources(self) -> None:
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        valid_rows: list[tuple[int, dict[str, Any]]] = []
        all_ids: list[pa.Array] = []
        file = ""
        for file, batch, base, valid, bad in self.scan("sources"):  # noqa: B007
            if "source_id" not in bad:
                ids = batch.column("source_id")
                all_ids.append(ids.filter(ids.is_valid()))
                rows = np.flatnonzero(valid)
                kept.append((_hash_rows({"k": ids.take(pa.array(rows))}), _compact(base + rows)))
            if not bad:
                part = batch.take(pa.array(np.flatnonzero(valid))).to_pylist()
                valid_rows += list(zip((base + np.flatnonzero(valid)).tolist(), part, strict=True))
        if all_ids:
            self.keys["sources"] = pa.chunked_array(all_ids, pa.string()).combine_chunks()
        self._keys("sources", kept, "source_id")
        if file and valid_rows:
            findings, texts = load_texts(file, self.directory.parent, valid_rows)
            for f in findings:
                self.out.add(f)
            self.texts = _Texts.build(texts)

    def _claims(self) -> None:
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        all_ids: list[pa.Array] = []
        active: list[tuple[pa.Array, np.ndarray]] = []
        file = ""
        degraded = True
        for file, batch, base, valid, bad in self.scan("claims"):  # noqa: B007
            degraded = bool(bad)
            if "claim_id" in bad:
                continue
            ids = batch.column("claim_id")
            all_ids.append(ids.filter(ids.is_valid()))
            rows = np.flatnonzero(valid)
            kept.append((_hash_rows({"k": ids.take(pa.array(rows))}), _compact(base + rows)))
            if not bad:
                status = batch.column("status").dictionary_decode()
                act = np.flatnonzero(
                    valid
                    & pc.equal(status, "active").fill_null(False).to_numpy(zero_copy_only=False)
                )
                active.append((ids.take(pa.array(act)), base + act))
        if not all_ids:
            return
        keys = pa.chunked_array(all_ids, pa.string()).combine_chunks()
        self.keys["claims"] = keys
        self._keys("claims", kept, "claim_id")
        self.supported = np.zeros(len(keys), dtype=bool)
        self.claim_rows = {"file": file, "active": active, "degraded": degraded}

    def _references(
        self,
        table: str,
        file: str,
        batch: pa.RecordBatch,
        base: int,
        rows: np.ndarray,
        bad: set[str],
    ) -> dict[str, np.ndarray]:
        """EK302 for claim_id and source_id of ``rows``; returns their indices into the keys."""
        out: dict[str, np.ndarray] = {}
        for column, target in (("claim_id", "claims"), ("source_id", "sources")):
            if column in bad or target not in self.keys:
                continue
            values = batch.column(column).take(pa.array(rows))
            index = _index_in(values, self.keys[target])
            missing = np.flatnonzero((index < 0) & values.is_valid().to_numpy(zero_copy_only=False))
            for i, value in zip(
                missing.tolist(), values.take(pa.array(missing)).to_pylist(), strict=True
            ):
                self.out.add(
                    dangling_finding(
                        file, base + int(rows[i]), column, RECORD[target].lower(), value
                    )
                )
            out[column] = index
        return out

    def _assertions(self) -> None:
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        quads: list[tuple[np.ndarray, np.ndarray]] = []
        file = ""
        for file, batch, base, valid, bad in self.scan("assertions"):
            if bad:
                continue
            rows = np.flatnonzero(valid)
            take = pa.array(rows)
            ids = batch.column("assertion_id").take(take)
            kept.append((_hash_rows({"k": ids}), _compact(base + rows)))
            index = self._references("assertions", file, batch, base, rows, bad)
            sources = batch.column("source_id").take(take)
            pair = pl.DataFrame({"id": pl.Series(ids), "source": pl.Series(_plain(sources))})
            starts_ok = (
                pair.select(pl.col("id").str.starts_with(pl.col("source") + "-"))
                .to_series()
                .to_numpy()
            )
            for i in np.flatnonzero(~starts_ok).tolist():
                self.out.add(
                    id_source_finding(file, base + int(rows[i]), ids[i].as_py(), sources[i].as_py())
                )
            del ids, pair
            active = _on_values(batch.column("status").take(take), lambda v: pc.equal(v, "active"))
            unknown = np.full(len(rows), -1, dtype=np.int64)
            claim = index.get("claim_id", unknown)
            self.supported[claim[active & (claim >= 0)]] = True
            start = batch.column("char_start").take(take).to_numpy()
            end = batch.column("char_end").take(take).to_numpy()
            source = index.get("source_id", unknown)
            known = (claim >= 0) & (source >= 0)
            quad = {"s": source[known], "a": start[known], "b": end[known], "c": claim[known]}
            quads.append((_hash_rows(quad), _compact((base + rows)[known])))
            self._quotes(file, batch, base, rows, start, end)
        path, _ = table_file(self.directory, "assertions")
        self._keys("assertions", kept, "assertion_id")
        self._repeats(path, file, quads)
        self._orphans()

    def _repeats(self, path: Path, file: str, quads: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """EK307: the same source, offsets and claim as an earlier valid row."""
        columns = ["source_id", "char_start", "char_end", "claim_id", "assertion_id"]
        hashed = [(h, r) for h, r in quads]
        groups = self._exact_groups(path, hashed, columns[:4])
        if not groups:
            return
        firsts = _fetch(path, ["assertion_id"], np.array([g[0][0] for g in groups]))
        for group in groups:
            first_id = firsts[group[0][0]][0]
            for row, _ in group[1:]:
                self.out.add(repeat_finding(file, row, first_id))

    def _orphans(self) -> None:
        info = self.claim_rows
        if not info or info["degraded"]:
            return
        for ids, rows in info["active"]:
            index = pc.index_in(ids, self.keys["claims"]).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(~self.supported[index]).tolist():
                self.out.add(orphan_finding(info["file"], int(rows[i]), ids[i].as_py()))

    def _quotes(
        self,
        file: str,
        batch: pa.RecordBatch,
        base: int,
        rows: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
    ) -> None:
        """Screen every quote against its text in bulk; explain the rows that fail in Python.

        The screen compares prefix + quote + suffix with the text's bytes around the
        offsets (built as Arrow string views), and checks NFC and white space; rows it
        flags go through :func:`quote_findings`, the same function the record path uses.
        """
        texts = self.texts
        if texts is None or not len(rows):
            return
        src = _index_in(batch.column("source_id").take(pa.array(rows)), texts.ids)
        have = np.flatnonzero(src >= 0)
        if not len(have):
            return
        rows, src = rows[have], src[have]
        start, end = start[have].astype(np.int64), end[have].astype(np.int64)
        every = len(rows) == batch.num_rows
        take = pa.array(rows)
        quote, prefix, suffix = (
            batch.column(c) if every else batch.column(c).take(take)
            for c in ("quote", "prefix", "suffix")
        )
        length = texts.cp_len[src]
        flagged = end > length
        flagged |= _numpy(pc.match_substring_regex(quote, QUOTE_SUSPECT))
        ok = ~flagged
        s0, e0 = np.where(ok, start, 0), np.where(ok, end, 0)
        at = texts.cp_base[src]
        lo = texts.byte_of[at + np.maximum(s0 - CONTEXT, 0)]
        bs = texts.byte_of[at + s0]
        be = texts.byte_of[at + e0]
        hi = texts.byte_of[at + np.minimum(e0 + CONTEXT, length)]
        window = _slices(texts.buffer, texts.padded, lo, hi)
        joined = pc.binary_join_element_wise(_plain(prefix), quote, _plain(suffix), "")
        same = _numpy(pc.equal(window, joined))
        same &= pc.binary_length(_plain(prefix)).to_numpy(zero_copy_only=False) == bs - lo
        same &= pc.binary_length(quote).to_numpy(zero_copy_only=False) == be - bs
        flagged |= ok & ~same
        bad = np.flatnonzero(flagged)
        if not len(bad):
            return
        names = ["source_id", "quote", "char_start", "char_end", "prefix", "suffix"]
        part = batch.select(names).take(pa.array(rows[bad])).to_pylist()
        for row, values in zip(rows[bad].tolist(), part, strict=True):
            for f in quote_findings(file, base + row, values, texts.text[values["source_id"]]):
                self.out.add(f)

    def _evidence(self) -> None:
        kept: list[tuple[np.ndarray, np.ndarray]] = []
        for file, batch, base, valid, bad in self.scan("evidence"):
            rows = np.flatnonzero(valid)
            if "assertion_id" not in bad:
                ids = batch.column("assertion_id").take(pa.array(rows))
                kept.append((_hash_rows({"k": ids}), _compact(base + rows)))
            self._references("evidence", file, batch, base, rows, bad)
        self._keys("evidence", kept, "assertion_id")


NEEDED.update(_needed())


def check_published(directory: Path, limit: int = FINDING_LIMIT) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, column-wise and streamed.

    Source texts are resolved relative to ``directory``'s parent (``sources.text_path`` is
    relative to the dataset directory, the parent of ``parquet/``).
    """
    return _Engine(directory, limit).run()
