"""The assertions and evidence tables, generated and written chunk by chunk with
vectorised numpy and Arrow operations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evidence_kit.model.errors import ERR
from evidence_kit.model.tables import EVIDENCE_COPIES, TABLES
from evidence_kit.synth.defects import apply_defects, corrupt_evidence, defect
from evidence_kit.synth.distributions import (
    AGENT_P,
    AGENTS,
    CHUNK_ROWS,
    CURATORS,
    ECO,
    ECO_P,
    HEDGES,
    MODE_P,
    MODES,
    STATUS,
    SUPPORT,
    SUPPORT_P,
)
from evidence_kit.synth.sources import Sources


def _dictionary(codes: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(values))


def _assertion_ids(layout: dict[str, Any], lo: int, hi: int, source_ids: pa.Array) -> pa.Array:
    number = pc.utf8_lpad(pc.cast(pa.array(layout["k"][lo:hi]), pa.string()), layout["width"], "0")
    return pc.binary_join_element_wise(
        pc.take(source_ids, pa.array(layout["src"][lo:hi])), number, "-"
    )


def write_tables(
    parquet_dir: Path,
    layout: dict[str, Any],
    sources: Sources,
    claims: pa.Table,
    plan: dict[str, Any],
    rng: np.random.Generator,
    defects: list[dict[str, Any]],
) -> None:
    """assertions.parquet and evidence.parquet, chunk by chunk: evidence joins the clean rows."""
    a_schema = TABLES["assertions"].schema
    e_schema = TABLES["evidence"].schema
    corrupt = len(plan["rows"]) > 0
    if corrupt:  # table-level defects: an unknown column and a column of the wrong type
        i = e_schema.get_field_index("claim_step")
        e_schema = e_schema.set(i, e_schema.field(i).with_type(pa.int64())).append(
            pa.field("synthetic_extra", pa.string())
        )
        defects.append(defect("evidence", None, None, "claim_step", ERR.WRONG_TYPE.code))
        defects.append(defect("evidence", None, None, "synthetic_extra", ERR.UNKNOWN_FIELD.code))
    if corrupt:  # a null in a required column must be writable to be found
        a_schema = pa.schema([f.with_nullable(True) for f in a_schema])
    n = layout["n"]
    with (
        pq.ParquetWriter(parquet_dir / "assertions.parquet", a_schema, compression="zstd") as a_out,
        pq.ParquetWriter(parquet_dir / "evidence.parquet", e_schema, compression="zstd") as e_out,
    ):
        for lo in range(0, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            cols = _assertion_columns(layout, sources, claims, lo, hi, rng)
            clean = _arrays(cols, a_schema, corrupt)
            evidence = _evidence_chunk(clean, layout, sources, claims, lo, hi, e_schema)
            mask = (plan["rows"] >= lo) & (plan["rows"] < hi)
            if corrupt and lo == 0:
                corrupt_evidence(evidence, plan["rows"][mask][:3], defects)
            e_out.write_table(
                pa.Table.from_arrays(evidence, schema=e_schema), row_group_size=CHUNK_ROWS
            )
            rows, kinds = plan["rows"][mask], plan["kinds"][mask]
            apply_defects(cols, rows, kinds, lo, layout, sources, claims, defects)
            a_out.write_table(
                pa.Table.from_arrays(_arrays(cols, a_schema, corrupt), schema=a_schema),
                row_group_size=CHUNK_ROWS,
            )


def _assertion_columns(
    layout: dict[str, Any],
    sources: Sources,
    claims: pa.Table,
    lo: int,
    hi: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Clean columns of assertion rows ``lo:hi``; categorical ones as numpy codes."""
    size = hi - lo
    source_ids = sources.table.column("source_id").combine_chunks()
    cand_np = layout["cand"][lo:hi]
    cand = pa.array(cand_np)
    src = pa.array(layout["src"][lo:hi])
    claim = pa.array(layout["claim"][lo:hi])
    mode = rng.choice(len(MODES), size, p=MODE_P).astype(np.int32)
    retracted = layout["retracted"][lo:hi]
    hedges = pa.array([HEDGES.get(lang, "maybe") for lang in sources.languages])
    null = pa.scalar(None, pa.string())
    return {
        "assertion_id": _assertion_ids(layout, lo, hi, source_ids),
        "claim_id": pc.take(claims.column("claim_id"), claim),
        "source_id": pc.take(source_ids, src),
        "quote": pc.take(sources.quote, cand),
        "char_start": sources.cand_start[cand_np],
        "char_end": sources.cand_end[cand_np],
        "prefix": pc.take(sources.prefix, cand),
        "suffix": pc.take(sources.suffix, cand),
        "quote_en": pc.take(claims.column("statement"), claim),
        "statement_mode": mode,
        "hedge_cue": pc.if_else(pa.array(mode == 1), pc.take(hedges, src), null),
        "attributed_to": pc.if_else(pa.array(mode == 3), "doctors and dermatologists", null),
        "attribution": pc.if_else(pa.array(mode == 3), "unnamed", null).dictionary_encode(),
        "support_type": rng.choice(len(SUPPORT), size, p=SUPPORT_P).astype(np.int32),
        "evidence_basis": rng.choice(len(ECO), size, p=ECO_P).astype(np.int32),
        "agent_type": rng.choice(len(AGENTS), size, p=AGENT_P).astype(np.int32),
        "curator": pc.take(pa.array(CURATORS), pa.array(rng.integers(0, 3, size))),
        "extraction_confidence": np.round(rng.uniform(0.5, 1.0, size), 2),
        "note": pa.nulls(size, pa.string()),
        **{
            name: _empty_lists(size)
            for name in (
                "cited_reference_ids",
                "cited_references",
                "cited_dois",
                "citation_resolutions",
            )
        },
        "reviewed_by": pa.nulls(size, pa.string()),
        "reviewed_on": pa.nulls(size, pa.date32()),
        "status": retracted.astype(np.int32),
        "retraction_reason": pc.if_else(
            pa.array(retracted),
            "Withdrawn by the curators: the quote does not state the claim.",
            null,
        ),
    }


def _empty_lists(size: int) -> pa.Array:
    """``size`` empty ``list<string>`` values (no assertion cites a reference)."""
    offsets = pa.array(np.zeros(size + 1, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array([], pa.string()))


def _arrays(cols: dict[str, Any], schema: pa.Schema, corrupt: bool) -> list[pa.Array]:
    """Arrow arrays in schema order; numpy codes become dictionary columns (copied)."""
    values = {
        "statement_mode": (*MODES, "claimed") if corrupt else MODES,
        "support_type": SUPPORT,
        "evidence_basis": (*ECO, "ECO:0009999") if corrupt else ECO,
        "agent_type": AGENTS,
        "status": STATUS,
    }
    out = []
    for f in schema:
        col = cols[f.name]
        if f.name in values:
            col = _dictionary(col, values[f.name])
        elif isinstance(col, np.ndarray):
            col = pa.array(col.copy(), type=f.type)
        out.append(col)
    return out


def _evidence_chunk(
    clean: list[pa.Array],
    layout: dict[str, Any],
    sources: Sources,
    claims: pa.Table,
    lo: int,
    hi: int,
    schema: pa.Schema,
) -> list[pa.Array]:
    """Evidence rows ``lo:hi``: the clean assertion columns, claim_ and source_ columns by take."""
    names = TABLES["assertions"].schema.names
    parts = {
        "claims": claims.take(pa.array(layout["claim"][lo:hi])),
        "sources": sources.table.take(pa.array(layout["src"][lo:hi])),
    }
    out = []
    for f in schema:
        name = f.name
        parent, origin, _ = EVIDENCE_COPIES.get(name, ("assertions", name, ""))
        if parent == "assertions" and origin in names:
            col = clean[names.index(origin)]
        elif parent == "assertions":
            col = pa.nulls(hi - lo, f.type)  # a seeded unknown column
        else:
            col = parts[parent].column(origin).combine_chunks()
        out.append(col.cast(f.type) if col.type != f.type else col)
    return out
