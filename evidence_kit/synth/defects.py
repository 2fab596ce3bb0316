"""Seeded defects: which rows to corrupt, how, and the answer key (``defects.json``)
that says where each defect is."""

from __future__ import annotations

import typing
import unicodedata
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.model.claims import CLAIM_TYPES
from evidence_kit.model.errors import ERR
from evidence_kit.model.tables import TABLES
from evidence_kit.synth.distributions import ASSERTION_DEFECTS, ECO, MISSING_CLAIM, MODES
from evidence_kit.synth.sources import Sources


def plan_defects(
    layout: dict[str, Any], sources: Sources, corrupt: float, rng: np.random.Generator
) -> dict[str, Any]:
    """Rows and kinds of the seeded defects; empty when ``corrupt`` is 0."""
    n = layout["n"]
    plan: dict[str, Any] = {"rows": np.zeros(0, dtype=np.int64), "kinds": np.zeros(0, int)}
    plan["bad_sources"] = []
    if corrupt <= 0:
        return plan
    n_src = len(sources.count)
    plan["bad_sources"] = [0, 1] if n_src >= 6 else []
    # odd rows only: row j-1 stays clean, so a copied id or quote comes from a valid row
    eligible = (np.arange(n) % 2 == 1) & (layout["k"] >= 1) & ~layout["anchors"]
    eligible &= ~np.isin(layout["src"], plan["bad_sources"])
    pool = np.flatnonzero(eligible)
    m = min(len(pool), max(len(ASSERTION_DEFECTS), round(corrupt * n)))
    rows = np.sort(rng.choice(pool, m, replace=False))
    plan["rows"] = rows
    plan["kinds"] = np.arange(m) % len(ASSERTION_DEFECTS)
    return plan


def corrupt_sources(
    table: pa.Table, plan: dict[str, Any], defects: list[dict[str, Any]]
) -> pa.Table:
    if not plan["bad_sources"]:
        return table
    rows = table.to_pylist()
    first, second = plan["bad_sources"]
    rows[first]["sha256"] = "0" * 64
    rows[second]["language"] = "en_US@bad"
    defects.append(
        defect("sources", rows[first]["source_id"], first, "sha256", ERR.HASH_MISMATCH.code)
    )
    defects.append(
        defect("sources", rows[second]["source_id"], second, "language", ERR.UNKNOWN_LANGUAGE.code)
    )
    return pa.Table.from_pylist(rows, schema=table.schema)


def corrupt_claims(
    claims: pa.Table, plan: dict[str, Any], defects: list[dict[str, Any]]
) -> pa.Table:
    if not len(plan["rows"]):
        return claims
    rows = claims.slice(0, 3).to_pylist()
    allowed = {
        typing.get_args(m.model_fields["kind"].annotation)[0]: typing.get_args(
            m.model_fields["predicate"].annotation
        )
        for m in CLAIM_TYPES
    }
    rows[0]["kind"] = "myth"
    rows[1]["predicate"] = "treats" if "treats" not in allowed[rows[1]["kind"]] else "has_cost"
    rows[2]["confidence"] = 1.7
    orphan = {**rows[2], "claim_id": "c-synthetic-orphan-claim", "confidence": 0.2}
    for i, column, code in (
        (0, "kind", ERR.NOT_ALLOWED_VALUE.code),
        (1, "predicate", ERR.NOT_ALLOWED_VALUE.code),
        (2, "confidence", ERR.OUT_OF_RANGE.code),
    ):
        defects.append(defect("claims", rows[i]["claim_id"], i, column, code))
    head = pa.Table.from_pylist(rows, schema=claims.schema)
    tail = pa.Table.from_pylist([orphan], schema=claims.schema)
    defects.append(
        defect("claims", orphan["claim_id"], claims.num_rows, "claim_id", ERR.ORPHAN_CLAIM.code)
    )
    return pa.concat_tables([head, claims.slice(3), tail]).combine_chunks()


def defect(table: str, key: str | None, row: int | None, column: str, code: str) -> dict[str, Any]:
    return {
        "table": table,
        "key": key,
        "row": None if row is None else row + 1,
        "column": column,
        "code": code,
    }


def apply_defects(
    cols: dict[str, Any],
    rows: np.ndarray,
    kinds: np.ndarray,
    lo: int,
    layout: dict[str, Any],
    sources: Sources,
    claims: pa.Table,
    defects: list[dict[str, Any]],
) -> None:
    """Seed the planned defects of rows ``lo..`` into the chunk's columns (few rows: a loop)."""
    if not len(rows):
        return
    edits: dict[str, dict[int, Any]] = {}
    ids = cols["assertion_id"]
    for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True):
        i = row - lo
        column, code = ASSERTION_DEFECTS[kind]
        cand = int(layout["cand"][row])
        quote = sources.cand_quote[cand]
        key = ids[i].as_py()
        if code == ERR.MISSING_FIELD.code:
            edits.setdefault("quote_en", {})[i] = None
        elif code == ERR.OUT_OF_RANGE.code:
            cols["extraction_confidence"][i] = 1.5
        elif code == ERR.NOT_ALLOWED_VALUE.code:
            cols["statement_mode"][i] = len(MODES)
        elif code == ERR.PATTERN_MISMATCH.code:
            edits.setdefault("claim_id", {})[i] = "C_Bad-Claim"
        elif code == ERR.INVALID_VALUE.code:
            cols["statement_mode"][i] = 1
            edits.setdefault("hedge_cue", {})[i] = None
        elif code == ERR.OFFSETS_ORDER.code:
            cols["char_start"][i] = cols["char_end"][i]
        elif code == ERR.UNKNOWN_ECO.code:
            cols["evidence_basis"][i] = len(ECO)
        elif code == ERR.RETRACTION_REASON.code:
            cols["status"][i] = 1
            edits.setdefault("retraction_reason", {})[i] = None
        elif code == ERR.DUPLICATE_ID.code:
            edits.setdefault("assertion_id", {})[i] = (
                ids[i - 1].as_py() if i else _prev_id(layout, row)
            )
        elif code == ERR.DANGLING_REFERENCE.code:
            edits.setdefault("claim_id", {})[i] = MISSING_CLAIM
        elif code == ERR.DUPLICATE_QUOTE.code:
            prev = int(layout["cand"][row - 1])
            edits.setdefault("claim_id", {})[i] = claims.column("claim_id")[
                int(layout["claim"][row - 1])
            ].as_py()
            cols["char_start"][i] = sources.cand_start[prev]
            cols["char_end"][i] = sources.cand_end[prev]
            edits.setdefault("quote", {})[i] = sources.cand_quote[prev]
            edits.setdefault("prefix", {})[i] = sources.cand_prefix[prev]
            edits.setdefault("suffix", {})[i] = sources.cand_suffix[prev]
        elif code == ERR.QUOTE_OFFSETS_PAST_END.code:
            length = int(sources.text_len[layout["src"][row]])
            cols["char_start"][i] = length + 1
            cols["char_end"][i] = length + 1 + len(quote)
        elif code == ERR.QUOTE_NOT_NFC.code and unicodedata.normalize("NFD", quote) != quote:
            edits.setdefault("quote", {})[i] = unicodedata.normalize("NFD", quote)
        elif code in (ERR.QUOTE_NOT_NFC.code, ERR.QUOTE_MISMATCH.code):
            code = ERR.QUOTE_MISMATCH.code
            edits.setdefault("quote", {})[i] = ("«" if quote[0] != "«" else "»") + quote[1:]
        elif code == ERR.CONTEXT_MISMATCH.code:
            before = sources.cand_prefix[cand]
            edits.setdefault("prefix", {})[i] = before[:-1] + ("#" if before[-1:] != "#" else "%")
        defects.append(defect("assertions", key, row, column, code))
    for column, changes in edits.items():
        mask = np.zeros(len(ids), dtype=bool)
        mask[list(changes)] = True
        values = pa.array([changes[i] for i in sorted(changes)], type=pa.string())
        cols[column] = pc.replace_with_mask(cols[column], pa.array(mask), values)


def _prev_id(layout: dict[str, Any], row: int) -> str:
    return f"s{int(layout['src'][row - 1]):03d}-{int(layout['k'][row - 1]):0{layout['width']}d}"


def corrupt_evidence(
    columns: list[pa.Array], rows: np.ndarray, defects: list[dict[str, Any]]
) -> None:
    """A duplicate id, a dangling claim_id and a certainty outside the closed list."""
    names = TABLES["evidence"].schema.names
    if len(rows) < 3:
        return
    dup, dangling, certainty = (int(r) for r in rows[:3])
    ids = columns[names.index("assertion_id")]
    key = ids[dup - 1].as_py()
    columns[names.index("assertion_id")] = _replace(ids, {dup: key})
    defects.append(defect("evidence", key, dup, "assertion_id", ERR.DUPLICATE_ID.code))
    claim_col = names.index("claim_id")
    columns[claim_col] = _replace(columns[claim_col], {dangling: MISSING_CLAIM})
    defects.append(
        defect("evidence", ids[dangling].as_py(), dangling, "claim_id", ERR.DANGLING_REFERENCE.code)
    )
    c = names.index("claim_certainty")
    values = columns[c].to_pylist()
    values[certainty] = "certain"
    columns[c] = pa.array(values, type=TABLES["evidence"].schema.field(c).type)
    defects.append(
        defect(
            "evidence",
            ids[certainty].as_py(),
            certainty,
            "claim_certainty",
            ERR.NOT_ALLOWED_VALUE.code,
        )
    )


def _replace(array: pa.Array, changes: dict[int, Any]) -> pa.Array:
    mask = np.zeros(len(array), dtype=bool)
    mask[list(changes)] = True
    values = pa.array([changes[i] for i in sorted(changes)], type=array.type)
    return pc.replace_with_mask(array, pa.array(mask), values)


def corrupt_vocabularies(
    claims: pa.Table, vocabularies: dict[str, pa.Table], defects: list[dict[str, Any]]
) -> tuple[pa.Table, dict[str, pa.Table]]:
    """Defects in the vocabulary tables and in the claims' references into them: a
    repeated intervention id, an ICD-10-CM block for a code, an outcome with a malformed
    id and an empty label; a claim whose subject, object_id, co_interventions element or
    outcomes element names no term, or whose outcomes element is malformed, and a null
    synonym.  Claims rows 0-2 and the last (the other defects') are left alone."""
    out = dict(vocabularies)
    interventions = vocabularies["interventions"]
    first = interventions.slice(0, 1)
    out["interventions"] = pa.concat_tables([interventions, first])
    key = first.column("intervention_id")[0].as_py()
    rows_before = interventions.num_rows
    defects.append(
        defect("interventions", key, rows_before, "intervention_id", ERR.DUPLICATE_ID.code)
    )
    conditions = vocabularies["conditions"].to_pylist()
    conditions[0]["icd10cm"] = "L80-L99"
    out["conditions"] = pa.Table.from_pylist(conditions, schema=vocabularies["conditions"].schema)
    condition_id = conditions[0]["condition_id"]
    defects.append(defect("conditions", condition_id, 0, "icd10cm", ERR.PATTERN_MISMATCH.code))
    outcomes = vocabularies["outcomes"]
    bad = {"outcome_id": "Skin Glow", "label": "", "description": None}
    out["outcomes"] = pa.concat_tables(
        [outcomes, pa.Table.from_pylist([bad], schema=outcomes.schema)]
    )
    for column, code in (
        ("outcome_id", ERR.PATTERN_MISMATCH.code),
        ("label", ERR.OUT_OF_RANGE.code),
    ):
        defects.append(defect("outcomes", "Skin Glow", outcomes.num_rows, column, code))
    n = claims.num_rows
    middle = np.zeros(n, dtype=bool)
    middle[3 : n - 1] = True  # rows 0-2 and the last carry the other defects

    def non_empty(column: str) -> np.ndarray:
        lengths = pc.list_value_length(claims.column(column)).fill_null(0)
        return np.asarray(lengths.to_numpy()) > 0

    combined_mask = middle & non_empty("co_interventions") & non_empty("outcomes")
    with_object_mask = middle & claims.column("object_id").is_valid().to_numpy() & ~combined_mask
    combined = np.flatnonzero(combined_mask).tolist()
    with_object = np.flatnonzero(with_object_mask).tolist()
    plain = np.flatnonzero(middle & ~combined_mask & ~with_object_mask).tolist()
    edits: list[tuple[list[int], str, Any, str]] = [
        (plain, "subject", "no_such_device", ERR.DANGLING_REFERENCE.code),
        (with_object, "object_id", "no_such_condition", ERR.DANGLING_REFERENCE.code),
        (combined, "co_interventions", "no_such_serum", ERR.DANGLING_REFERENCE.code),
        (combined, "outcomes", "Not An Outcome", ERR.PATTERN_MISMATCH.code),
        (plain, "synonyms", None, ERR.INVALID_VALUE.code),
    ]
    for candidates, column, value, code in edits:
        if not candidates:
            continue
        i = candidates.pop(0)
        index = claims.schema.get_field_index(column)
        array = claims.column(column).combine_chunks()
        current = array[i].as_py()
        new = [*current, value] if isinstance(current, list) else value
        cell = pa.array([new], type=array.type)
        array = pa.concat_arrays([array.slice(0, i), cell, array.slice(i + 1)])
        claims = claims.set_column(index, claims.schema.field(index), array)
        claim_id = claims.column("claim_id")[i].as_py()
        defects.append(defect("claims", claim_id, i, column, code))
    return claims, out
