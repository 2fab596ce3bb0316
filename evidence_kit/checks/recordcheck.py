"""Record-level validation of the published Parquet files: one Python object per row.

The reference the fast path (:mod:`evidence_kit.checks.fastcheck`) is tested against, and the
baseline it is benchmarked against.  Each assertion row goes through the pydantic
:class:`~evidence_kit.model.records.Assertion` model (its columns map 1:1 to the fields); rows of
the other tables, which flatten their models, are checked value by value against the same
column rules; cross-record checks use Python dicts and sets.  Findings are built by the
same constructors as the fast path's, so the two lists compare equal.
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
    duplicate_finding,
    id_source_finding,
    open_table,
    orphan_finding,
    quote_findings,
    record_finding,
    repeat_finding,
)
from evidence_kit.checks.sourcetexts import load_texts
from evidence_kit.model.columnrules import (
    ORDER,
    RECORD,
    RULES,
    blocking,
    record_rule_failure,
    value_violation,
)
from evidence_kit.model.errors import Finding
from evidence_kit.model.records import Assertion

BATCH_ROWS = 65_536

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
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        for values in batch.to_pylist():
            yield row, values
            row += 1


def _check_columns(
    table: str, file: str, row: int, values: dict[str, Any], bad: set[str], out: Collector
) -> bool:
    valid = True
    for rule in RULES[table]:
        if rule.column in bad:
            continue
        check = value_violation(rule, values[rule.column])
        if check:
            out.add(column_finding(table, file, row, rule, check, values[rule.column]))
            valid = False
    return valid


def _check_assertion(
    file: str, row: int, values: dict[str, Any], bad: set[str], out: Collector
) -> bool:
    """Validate one row with the pydantic model; translate its errors to our findings."""
    data = {k: v for k, v in values.items() if k not in bad and k in Assertion.model_fields}
    try:
        Assertion.model_validate(data)
        return True
    except ValidationError as exc:
        rules = {r.column: r for r in RULES["assertions"]}
        for error in exc.errors():
            loc = error["loc"]
            check = _PYDANTIC_CHECK.get(error["type"], "type")
            if not loc:  # a model validator: one of the record rules
                if not blocking("assertions", bad):
                    out.add(record_finding("assertions", file, row, check, values))
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
        return False


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
        key_column = TABLE_KEY[table]
        for row, values in _rows(path):
            if key_column not in bad and values[key_column] is not None:
                all_keys.add(values[key_column])
            if table == "assertions":
                valid = _check_assertion(file, row, values, bad, out)
            else:
                valid = _check_columns(table, file, row, values, bad, out)
                if valid and not blocking(table, bad) and table != "evidence":
                    rule = record_rule_failure(table, values)
                    if rule:
                        out.add(record_finding(table, file, row, rule, values))
                        valid = False
            if not valid:
                continue
            if key_column not in bad:
                key = values[key_column]
                if key in seen:
                    out.add(duplicate_finding(file, row, key_column, key, seen[key]))
                seen.setdefault(key, row)
            if table == "sources" and not blocking("sources", bad):
                valid_sources.append((row, values))
            if table == "claims" and not blocking("claims", bad) and values["status"] == "active":
                active_claims.append((row, values["claim_id"]))
            if table in ("assertions", "evidence"):
                if table == "assertions" and blocking("assertions", bad):
                    continue
                known = True
                for column, target in (("claim_id", "claims"), ("source_id", "sources")):
                    if column in bad or target not in keys:
                        continue
                    if values[column] not in keys[target]:
                        target_name = RECORD[target].lower()
                        out.add(dangling_finding(file, row, column, target_name, values[column]))
                        known = False
                if table == "evidence":
                    continue
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


TABLE_KEY = {
    "sources": "source_id",
    "claims": "claim_id",
    "assertions": "assertion_id",
    "evidence": "assertion_id",
}
