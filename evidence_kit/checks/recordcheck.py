"""Record-level validation of the published Parquet files: one Python object per row.

The reference the fast path (:mod:`evidence_kit.checks.fastcheck`) is tested against, and the
baseline it is benchmarked against.  Each assertion row goes through the pydantic
:class:`~evidence_kit.model.records.Assertion` model (its columns map 1:1 to the fields; the
flat ``cited_*`` lists the model does not have are checked against their column rules);
rows of the other tables, which flatten their models, are checked value by value against
the same column rules, list elements included; cross-record checks use Python dicts and
sets.  Every table is checked, the vocabulary tables (interventions, conditions,
outcomes) first, and every foreign key of :data:`~evidence_kit.model.references.REFERENCES`
(claims' subject, co_interventions and outcomes elements, object_id into the vocabularies;
assertions' and evidence's claim_id and source_id).  Findings are built by the same
constructors as the fast path's and the Spark engine's, so the lists compare equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pydantic import ValidationError

from evidence_kit.checks.findings import (
    FINDING_LIMIT,
    Collector,
    column_finding,
    dangling_finding,
    decoding,
    duplicate_finding,
    guarded,
    id_source_finding,
    open_table,
    orphan_finding,
    quote_findings,
    record_finding,
    repeat_finding,
)
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.model.columnrules import (
    ALL_RULES,
    ORDER,
    blocking,
    element_violation,
    record_rule_failure,
    value_violation,
)
from evidence_kit.model.errors import Finding
from evidence_kit.model.records import Assertion
from evidence_kit.model.references import REFERENCES, Reference
from evidence_kit.model.tables import TABLES

BATCH_ROWS = 65_536
_MODEL_COLUMNS = frozenset(Assertion.model_fields)

# pydantic error type -> our check name (the bound comes from the error's context)
_PYDANTIC_CHECK = {
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "greater_than_equal": "ge",
    "less_than_equal": "le",
    "string_pattern_mismatch": "pattern",
    "literal_error": "enum",
    "retraction_reason": "retraction",
    "offsets_order": "offsets",
    "hedge_cue": "hedge",
    "attributed_to": "attribution",
}


def _rows(path: Path) -> Any:
    """``(row, values)`` for every row of the file, one dict per row."""
    row = 0
    for batch in guarded(path, pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS)):
        with decoding(path):
            rows = batch.to_pylist()
        for values in rows:
            yield row, values
            row += 1


def _check_columns(
    table: str,
    file: str,
    row: int,
    values: dict[str, Any],
    bad: set[str],
    out: Collector,
    skip: frozenset[str] = frozenset(),
) -> bool:
    """Every column rule (and list element rule) but those of ``bad`` and ``skip``."""
    valid = True
    for rule in ALL_RULES[table]:
        if rule.column in bad or rule.column in skip:
            continue
        value = values[rule.column]
        check = value_violation(rule, value)
        if check:
            out.add(column_finding(table, file, row, rule, check, value))
            valid = False
            continue
        failed = element_violation(rule, value)
        if failed:
            at, check = failed
            out.add(column_finding(table, file, row, rule, check, value[at], element=at))
            valid = False
    return valid


def _dangling(
    refs: tuple[Reference, ...], values: dict[str, Any], keys: dict[str, set[str]], bad: set[str]
) -> tuple[list[tuple[Reference, str]], bool]:
    """The values of a valid row that no referenced table holds (each element of a list
    in order), and whether every reference checked resolved."""
    missing: list[tuple[Reference, str]] = []
    for ref in refs:
        if ref.column in bad or any(table not in keys for table, _ in ref.targets):
            continue
        value = values[ref.column]
        for item in value if ref.each_element else [value]:
            if item is not None and not any(item in keys[table] for table, _ in ref.targets):
                missing.append((ref, item))
    return missing, not missing


def _check_assertion(
    file: str, row: int, values: dict[str, Any], bad: set[str], out: Collector
) -> bool:
    """Validate one row with the pydantic model; translate its errors to our findings.

    A column missing from the file (or of the wrong type) is not checked, as in the other
    engines: pydantic's errors on it are dropped, and when they were its only errors the
    record rules, which pydantic then never ran, are checked as for the other tables.
    """
    data = {k: v for k, v in values.items() if k not in bad and k in Assertion.model_fields}
    # the columns the model does not have (the flat cited_* lists) against their rules
    valid = _check_columns("assertions", file, row, values, bad, out, skip=_MODEL_COLUMNS)
    try:
        Assertion.model_validate(data)
        return valid
    except ValidationError as exc:
        errors = exc.errors()
    rules = {r.column: r for r in ALL_RULES["assertions"]}
    reported = False
    for error in errors:
        loc = error["loc"]
        check = _PYDANTIC_CHECK.get(error["type"], "type")
        if not loc:  # a model validator: one of the record rules
            if not blocking("assertions", bad):
                out.add(record_finding("assertions", file, row, check, values))
                reported = True
            continue
        column = str(loc[0])
        if column in bad:
            continue
        rule = rules[column]
        if values.get(column) is None:
            check = "null"
        if check == "enum" and values[column] is None:
            check = "null"
        out.add(column_finding("assertions", file, row, rule, check, values.get(column)))
        reported = True
    if reported or not valid:
        return False
    if not blocking("assertions", bad):  # only columns not checked failed: the record rules
        broken = record_rule_failure("assertions", values)
        if broken:
            out.add(record_finding("assertions", file, row, broken, values))
            return False
    return True


def check_published_records(directory: Path, limit: int = FINDING_LIMIT) -> list[Finding]:
    """Every finding on the published Parquet files in ``directory``, row by row."""
    out = Collector(limit)
    keys: dict[str, set[str]] = {}
    texts: dict[str, str] = {}
    active_claims: list[tuple[int, str]] = []
    claims_file = ""
    claims_ok = False
    supported: set[str] = set()
    for table in ORDER:
        opened = open_table(directory, table, out)
        if opened is None:
            continue
        path, file, bad = opened.path, opened.file, opened.bad
        seen: dict[str, int] = {}
        seen_quotes: dict[tuple[str, int, int, str], str] = {}
        all_keys: set[str] = set()
        valid_sources: list[tuple[int, dict[str, Any]]] = []
        key_column = TABLES[table].primary_key[0]
        for row, values in _rows(path):
            if key_column not in bad and values[key_column] is not None:
                all_keys.add(values[key_column])
            if table == "assertions":
                valid = _check_assertion(file, row, values, bad, out)
            else:
                valid = _check_columns(table, file, row, values, bad, out)
                if valid and not blocking(table, bad):
                    rule = record_rule_failure(table, values)
                    if rule:
                        out.add(record_finding(table, file, row, rule, values))
                        valid = False
            if not valid:
                continue
            if table == "assertions" and blocking(table, bad):
                continue  # no cross-record check reads a table missing what they need
            if key_column not in bad:
                key = values[key_column]
                if key in seen:
                    out.add(duplicate_finding(file, row, key_column, key, seen[key]))
                seen.setdefault(key, row)
            if table == "sources" and not blocking("sources", bad):
                valid_sources.append((row, values))
            if table == "claims" and not blocking("claims", bad) and values["status"] == "active":
                active_claims.append((row, values["claim_id"]))
            missing, known = _dangling(REFERENCES[table], values, keys, bad)
            for ref, value in missing:
                out.add(dangling_finding(file, row, ref.column, ref.target, value))
            if table == "assertions":
                if not values["assertion_id"].startswith(values["source_id"] + "-"):
                    out.add(
                        id_source_finding(file, row, values["assertion_id"], values["source_id"])
                    )
                if values["status"] == "active":
                    supported.add(values["claim_id"])
                if known:
                    quad = (
                        values["source_id"],
                        values["char_start"],
                        values["char_end"],
                        values["claim_id"],
                    )
                    if quad in seen_quotes:
                        out.add(repeat_finding(file, row, seen_quotes[quad]))
                    seen_quotes.setdefault(quad, values["assertion_id"])
                text = texts.get(values["source_id"])
                if text is not None:
                    for f in quote_findings(file, row, values, text):
                        out.add(f)
        if key_column not in bad:  # the keys are known: references into them are checked
            keys[table] = all_keys
        if table == "sources" and valid_sources:
            findings, texts = load_texts(file, directory.parent, valid_sources)
            for f in findings:
                out.add(f)
        if table == "claims":
            claims_file, claims_ok = file, not blocking("claims", bad)
    if claims_ok:
        for row, claim_id in active_claims:
            if claim_id not in supported:
                out.add(orphan_finding(claims_file, row, claim_id))
    return out.findings()
