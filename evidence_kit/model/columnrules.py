"""Column and record rules of the published tables: what each column and row must hold.

The declarations of the published-file checks, kept apart from the code that runs them
(pandera's ``api/`` against its ``backends/``): :data:`ALL_RULES` holds one
:class:`ColumnRule` per column of every published table (:data:`RULES` those of the four
main tables, :data:`VOCABULARY_RULES` the vocabularies'), derived once from the models'
JSON Schema, the closed vocabularies and the Arrow contract in
:mod:`evidence_kit.model.tables`; a list column's rule carries the rule
of its elements (:attr:`ColumnRule.element`, from the JSON Schema ``items``);
the foreign keys as the engines check them are in :mod:`evidence_kit.model.references`;
:data:`KIND_PREDICATES` and
:data:`RECORD_COLUMNS` declare the record rules; :data:`QUOTE_SUSPECT` names the quotes
that need the exact check.  Changing an engine never touches this module.

:func:`value_violation`, :func:`element_violation` and :func:`record_rule_failure` read
one value or one row against these rules in plain Python: the record path
(:mod:`evidence_kit.checks.recordcheck`) runs them, and the column-wise engine
(:mod:`evidence_kit.checks.fastcheck`) and the Spark engine
(:mod:`evidence_kit.checks.sparkcheck`) must agree with them row for row.
"""

from __future__ import annotations

import functools
import re
import sys
import typing
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import langcodes
import pyarrow as pa
from pydantic import TypeAdapter

from evidence_kit.model.claims import CLAIM_TYPES, ClaimBase
from evidence_kit.model.errors import ERR, ErrorType
from evidence_kit.model.qualifiers import Qualifiers
from evidence_kit.model.records import (
    Assertion,
    Condition,
    Icd10Code,
    Intervention,
    Outcome,
    Source,
)
from evidence_kit.model.tables import TABLES, VOCABULARY_TABLES
from evidence_kit.model.vocabulary import CERTAINTY_LEVELS, CLAIM_KINDS, CURRENCIES

#: The order the engines check the tables in: every table after the tables it refers to.
ORDER = (*VOCABULARY_TABLES, "sources", "claims", "assertions", "evidence")
RECORD = {
    "sources": "Source",
    "claims": "Claim",
    "assertions": "Assertion",
    "evidence": "Evidence",
    "interventions": "Intervention",
    "conditions": "Condition",
    "outcomes": "Outcome",
}
SCHEMA_FILE = {
    "sources": "source.schema.json",
    "claims": "claim.schema.json",
    "assertions": "assertion.schema.json",
    "evidence": "assertion.schema.json",
    "interventions": "intervention.schema.json",
    "conditions": "condition.schema.json",
    "outcomes": "outcome.schema.json",
}
SPACE_CODES: tuple[int, ...] = tuple(c for c in range(sys.maxunicode + 1) if chr(c).isspace())
"""Code points Python calls white space (``str.isspace``): a quote must not start or end
with one."""


def _char_class(codes: Iterable[int]) -> str:
    """The inside of a regex character class matching ``codes``, as ranges (RE2, Java)."""
    runs: list[list[int]] = []
    for code in sorted(set(codes)):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in runs)


_SPACE_CLASS = _char_class(SPACE_CODES)
EDGE_SPACE = f"^[{_SPACE_CLASS}]|[{_SPACE_CLASS}]$"


def _nfc_suspects() -> tuple[int, ...]:
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
    return tuple(sorted(found))


NFC_SUSPECT_CODES: tuple[int, ...] = _nfc_suspects()
"""Code points whose NFC quick check is No or Maybe (sorted): a string without any is NFC."""

#: Rows whose quote matches need the exact (Python) check: edge white space or NFC doubt.
#: The same two sets as code points (:data:`SPACE_CODES` at either end, any of
#: :data:`NFC_SUSPECT_CODES`) for engines that screen by position rather than by regex.
QUOTE_SUSPECT = f"{EDGE_SPACE}|[{_char_class(NFC_SUSPECT_CODES)}]"


@dataclass(frozen=True)
class ColumnRule:
    """What one column must hold; checked null -> length -> pattern -> value set -> bounds.

    A list column's rule has an ``element`` rule, which every element of a (non-null)
    list must follow, in the same order; elements are never null unless the JSON Schema
    ``items`` allow it (no model does).  A row is reported under the first element that
    fails, with its position.
    """

    column: str
    nullable: bool
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    ge: float | None = None
    le: float | None = None
    language: bool = False
    element: ColumnRule | None = None

    @property
    def enum_error(self) -> ErrorType:
        eco = self.enum is not None and all(v.startswith("ECO:") for v in self.enum)
        return ERR.UNKNOWN_ECO if eco else ERR.NOT_ALLOWED_VALUE


def _constraints(prop: dict[str, Any]) -> dict[str, Any]:
    """Constraints of one JSON Schema property (the non-null branch of an anyOf); an
    array's ``items`` as ``items`` (with ``nullable`` when they may be null)."""
    nullable = False
    for branch in prop.get("anyOf", []):
        if branch.get("type") != "null":
            prop = {**prop, **branch}
        else:
            nullable = True
    out: dict[str, Any] = {"nullable": True} if nullable else {}
    if "items" in prop:
        out["items"] = _constraints(prop["items"])
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
    props.update(_properties(Qualifiers))
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
    """One rule per Arrow field: nullability from the contract, the rest from ``props``."""
    rules = []
    for f in fields:
        cons = {
            k: v
            for k, v in props.get(f.name, {}).items()
            if k not in ("nullable", "items") and (k != "enum" or f.type != pa.bool_())
        }
        element = None
        if pa.types.is_list(f.type):
            items = dict(props.get(f.name, {}).get("items", {}))
            element = ColumnRule(f.name, items.pop("nullable", False), **items)
        rules.append(
            ColumnRule(f.name, f.nullable, language=f.name == "language", element=element, **cons)
        )
    return rules


def _vocabulary_properties() -> dict[str, dict[str, dict[str, Any]]]:
    """Column constraints of the vocabulary tables; a condition's ICD-10-CM code is
    published flat, as ``icd10cm`` (the code) and ``icd10cm_description`` (its label)."""
    conditions = _properties(Condition)
    icd = _properties(Icd10Code)
    conditions["icd10cm"], conditions["icd10cm_description"] = icd["code"], icd["label"]
    return {
        "interventions": _properties(Intervention),
        "conditions": conditions,
        "outcomes": _properties(Outcome),
    }


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
        element = base.element and replace(base.element, column=name)
        evidence.append(replace(base, column=name, nullable=f.nullable, element=element))
    rules["evidence"] = evidence
    return rules


RULES: dict[str, list[ColumnRule]] = _build_rules()
"""The column rules of sources, claims, assertions and evidence: what datapackage.json
states as constraints (every engine checks :data:`ALL_RULES`)."""
VOCABULARY_RULES: dict[str, list[ColumnRule]] = {
    name: _rules(TABLES[name].schema, props) for name, props in _vocabulary_properties().items()
}
"""The column rules of the vocabulary tables (interventions, conditions, outcomes), kept
apart from :data:`RULES` because the frozen releases' datapackage.json, built from
:data:`RULES`, does not state them (joining them would add its ids' and labels' length
constraints: a new release)."""
ALL_RULES: dict[str, list[ColumnRule]] = {**RULES, **VOCABULARY_RULES}
"""The column rules of every published table: what every engine checks."""
KIND_PREDICATES: dict[str, tuple[str, ...]] = {
    typing.get_args(m.model_fields["kind"].annotation)[0]: typing.get_args(
        m.model_fields["predicate"].annotation
    )
    for m in CLAIM_TYPES
}


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
    **{name: () for name in VOCABULARY_TABLES},
}

#: Columns the cross-record checks of a table read: keys, references, texts and quotes.
LINK_COLUMNS = {
    "sources": ("source_id", "source_file", "text_path", "sha256"),
    "claims": ("claim_id", "status"),
    "assertions": (
        "assertion_id",
        "claim_id",
        "source_id",
        "status",
        "quote",
        "char_start",
        "char_end",
        "prefix",
        "suffix",
    ),
    "evidence": ("assertion_id", "claim_id", "source_id"),
    **{name: TABLES[name].primary_key for name in VOCABULARY_TABLES},
}


def blocking(table: str, bad: set[str]) -> set[str]:
    """The table-level problems (missing or mistyped columns) that stop the record and
    cross-record checks of ``table``: only those in columns these checks read, so a
    problem in, say, a notes column does not hide a wrong quote.
    """
    return bad & {*RECORD_COLUMNS[table], *LINK_COLUMNS[table]}


@functools.cache
def _end_of_text(pattern: str) -> str:
    """``pattern`` for Python's ``re`` with RE2's meaning of a final ``$``: the end of the
    text, not also before a final newline (as the fast path's RE2 and Spark's ``\\z``)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


def value_violation(rule: ColumnRule, value: Any) -> str | None:
    """The first check of ``rule`` that ``value`` fails, or None (the record-level twin)."""
    if value is None:
        return None if rule.nullable else "null"
    if isinstance(value, str):
        if rule.min_length is not None and len(value) < rule.min_length:
            return "min_length"
        if rule.max_length is not None and len(value) > rule.max_length:
            return "max_length"
        if rule.pattern is not None and re.search(_end_of_text(rule.pattern), value) is None:
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


def element_violation(rule: ColumnRule, value: Any) -> tuple[int, str] | None:
    """The first element of the list ``value`` that fails ``rule.element``: its position
    and the check it fails; None when every element passes (or ``value`` is no list)."""
    if rule.element is None or not isinstance(value, list):
        return None
    for position, item in enumerate(value):
        check = value_violation(rule.element, item)
        if check is not None:
            return position, check
    return None


@dataclass(frozen=True)
class RecordRule:
    """One record rule of a table, as data; each engine compiles it from these attributes.

    A row breaks the rule when (``when`` holds, or there is no ``when``) and one of:
    ``requires`` is empty (null or ""), ``increasing`` = ``(a, b)`` does not have b > a,
    ``allowed_pairs`` = ``(key, value)`` pairs a value not listed for its key in
    :data:`KIND_PREDICATES`.  ``name`` is the rule's name in findings.
    """

    name: str
    when: tuple[str, str] | None = None
    requires: str | None = None
    increasing: tuple[str, str] | None = None
    allowed_pairs: tuple[str, str] | None = None


_RETRACTION = RecordRule("retraction", when=("status", "retracted"), requires="retraction_reason")

#: The record rules of each table, in the order pydantic runs the models' validators.
RECORD_RULES: dict[str, tuple[RecordRule, ...]] = {
    "sources": (_RETRACTION,),
    "claims": (RecordRule("predicate", allowed_pairs=("kind", "predicate")), _RETRACTION),
    "assertions": (
        _RETRACTION,
        RecordRule("offsets", increasing=("char_start", "char_end")),
        RecordRule("hedge", when=("statement_mode", "hedged"), requires="hedge_cue"),
        RecordRule("attribution", when=("statement_mode", "attributed"), requires="attributed_to"),
    ),
    "evidence": (),
    **{name: () for name in VOCABULARY_TABLES},
}


def record_rule_broken(rule: RecordRule, values: dict[str, Any]) -> bool:
    """Whether one row ``values`` breaks ``rule`` (the plain-Python reading of it)."""
    if rule.when is not None and values[rule.when[0]] != rule.when[1]:
        return False
    if rule.requires is not None and not values[rule.requires]:
        return True
    if rule.increasing is not None:
        low, high = rule.increasing
        if values[high] <= values[low]:
            return True
    if rule.allowed_pairs is not None:
        key, value = rule.allowed_pairs
        if values[value] not in KIND_PREDICATES[values[key]]:
            return True
    return False


def record_rule_failure(table: str, values: dict[str, Any]) -> str | None:
    """The first record rule a column-valid row breaks (the order pydantic runs them in)."""
    for rule in RECORD_RULES[table]:
        if record_rule_broken(rule, values):
            return rule.name
    return None
