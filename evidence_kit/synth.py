"""Synthetic datasets in the published Parquet layout, for tests and benchmarks at scale.

:func:`synthesize` writes ``OUT/parquet/{sources,claims,assertions,evidence}.parquet``
and ``OUT/texts/<source_file>``.  Source texts are the curated seed texts with their
paragraphs shuffled (so every synthetic source has its own text and hash, in the seed's
language); every quote is a sentence or clause cut from its source's text, so offsets,
prefix and suffix are true.  Claims use the claim kinds, predicates and vocabulary ids of
the curated dataset (the curated claims when there are some, else templates built from
the vocabularies).

Generation is vectorised: per-row values are numpy index arithmetic and Arrow ``take``
over small tables of candidate quotes and claim templates, written in chunks, so 10M
assertions need a few hundred MB, not one Python object per row.

With ``corrupt > 0`` a known set of defects of every kind the published validators
detect is seeded (about ``corrupt * n`` in assertions, a few in the other tables) and
listed in ``OUT/defects.json`` as ``{table, key, row, column, code}`` (``row`` 1-based,
null for table-level defects) -- the answer key for :mod:`evidence_kit.fastcheck`.

Identifiers follow the models: at most 1000 sources (``s000``-``s999``) and, per
source, ``-000``-``-999``; beyond 1M assertions the per-source number gets more digits,
which the current ``AssertionId`` pattern rejects (reported as EK206).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import typing
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evidence_kit.errors import ERR
from evidence_kit.loader import read_curation
from evidence_kit.models import CLAIM_TYPES, CONTEXT_LENGTH
from evidence_kit.tables import TABLES

CHUNK_ROWS = 500_000
MAX_SOURCES = 1000
MISSING_CLAIM = "c-synthetic-missing-claim"
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")
_CLAUSE = re.compile(r"[^,;:，；：、]+")
_HEDGES = {"vi": "có thể", "id": "diyakini", "sv": "tros", "zh-Hans": "可能"}
_MODES = ("asserted", "hedged", "conditional", "attributed", "negated")
_MODE_P = (0.55, 0.2, 0.1, 0.1, 0.05)
_SUPPORT = ("none", "clinical_experience", "expert_opinion", "named_study", "journal")
_SUPPORT_P = (0.6, 0.15, 0.15, 0.05, 0.05)
_ECO = ("ECO:0000303", "ECO:0000304", "ECO:0006017", "ECO:0000305")
_ECO_P = (0.6, 0.2, 0.05, 0.15)
_AGENTS = ("manual_agent", "automated_agent", "manual_validation_of_automated_agent")
_AGENT_P = (0.6, 0.1, 0.3)
_CURATORS = ("evidence-kit curators", "synthetic annotator a", "synthetic annotator b")
_STATUS = ("active", "retracted")
_CERTAINTY = ("very_low", "low", "moderate", "high")

#: Row-level defects seeded in assertions, in round-robin order: (column, code).
ASSERTION_DEFECTS: tuple[tuple[str, str], ...] = (
    ("quote_en", ERR.MISSING_FIELD.code),
    ("extraction_confidence", ERR.OUT_OF_RANGE.code),
    ("statement_mode", ERR.NOT_ALLOWED_VALUE.code),
    ("claim_id", ERR.PATTERN_MISMATCH.code),
    ("hedge_cue", ERR.INVALID_VALUE.code),
    ("char_end", ERR.OFFSETS_ORDER.code),
    ("evidence_basis", ERR.UNKNOWN_ECO.code),
    ("retraction_reason", ERR.RETRACTION_REASON.code),
    ("assertion_id", ERR.DUPLICATE_ID.code),
    ("claim_id", ERR.DANGLING_REFERENCE.code),
    ("quote", ERR.DUPLICATE_QUOTE.code),
    ("char_end", ERR.QUOTE_OFFSETS_PAST_END.code),
    ("quote", ERR.QUOTE_MISMATCH.code),
    ("quote", ERR.QUOTE_NOT_NFC.code),
    ("prefix", ERR.CONTEXT_MISMATCH.code),
)


@dataclass
class _Sources:
    table: pa.Table
    languages: list[str]
    cand_src: np.ndarray
    cand_start: np.ndarray
    cand_end: np.ndarray
    cand_quote: list[str]
    cand_prefix: list[str]
    cand_suffix: list[str]
    text_len: np.ndarray
    first: np.ndarray  # first candidate of each source
    count: np.ndarray  # candidates per source

    @property
    def quote(self) -> pa.Array:
        return pa.array(self.cand_quote, pa.string())

    @property
    def prefix(self) -> pa.Array:
        return pa.array(self.cand_prefix, pa.string())

    @property
    def suffix(self) -> pa.Array:
        return pa.array(self.cand_suffix, pa.string())


def synthesize(
    dataset_dir: Path, out: Path, n: int, seed: int = 0, corrupt: float = 0.0
) -> dict[str, Any]:
    """Write ``n`` synthetic assertions (and their sources, claims, evidence) under ``out``."""
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    parquet_dir = out / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    curation = read_curation(dataset_dir)
    n_src = min(MAX_SOURCES, max(len(list(curation.models("sources"))), math.ceil(n / 1000)))
    sources = _make_sources(curation, dataset_dir, out, n_src, rng)
    layout = _layout(sources, n, rng)
    claims = _make_claims(curation, layout["n_claims"], rng, layout, sources)
    defects: list[dict[str, Any]] = []
    plan = _plan_defects(layout, sources, corrupt, rng)
    source_table = _corrupt_sources(sources.table, plan, defects)
    claim_table = _corrupt_claims(claims, plan, defects)
    pq.write_table(source_table, parquet_dir / "sources.parquet", compression="zstd")
    pq.write_table(claim_table, parquet_dir / "claims.parquet", compression="zstd")
    _write_tables(parquet_dir, layout, sources, claims, plan, rng, defects)
    (out / "defects.json").write_text(json.dumps(defects, indent=1) + "\n", encoding="utf-8")
    return {
        "out": str(out),
        "assertions": n,
        "claims": claim_table.num_rows,
        "sources": source_table.num_rows,
        "defects": len(defects),
        "seconds": round(time.perf_counter() - began, 2),
    }


# --------------------------------------------------------------------------- sources


def _make_sources(
    curation: Any, dataset_dir: Path, out: Path, n_src: int, rng: np.random.Generator
) -> _Sources:
    """Shuffle each seed's paragraphs into ``n_src`` texts; cut candidate quotes from them."""
    seeds = [m for _, m in curation.models("sources")]
    if not seeds:
        raise ValueError(f"{dataset_dir} has no valid source to sample texts from")
    texts = [
        unicodedata.normalize("NFC", (dataset_dir / s.text_path).read_text("utf-8")) for s in seeds
    ]
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int, int]] = []
    lengths = []
    for i in range(n_src):
        seed, base = seeds[i % len(seeds)], texts[i % len(seeds)]
        paragraphs = [p for p in base.split("\n\n") if p.strip()]
        order = rng.permutation(len(paragraphs)) if i >= len(seeds) else range(len(paragraphs))
        text = "\n\n".join(paragraphs[j] for j in order) + "\n"
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        name = f"{i:03d}_{digest[:16]}.txt"
        (out / "texts" / name).write_bytes(data)
        lengths.append(len(text))
        spans += [(i, s, e) for s, e in _cut_spans(text)]
        rows.append(
            {
                "source_id": f"s{i:03d}",
                "source_file": name,
                "text_path": f"texts/{name}",
                "sha256": digest,
                "language": seed.language,
                "title": seed.title,
                "title_en": seed.title_en,
                "publisher": seed.publisher,
                "published_date": seed.published_date,
                "source_type": seed.source_type,
                "work_id": f"{seed.work_id}-{i:03d}",
                "commercial_interest": seed.has_flag("commercial_interest"),
                "commercial_interest_reason": _reason(seed, "commercial_interest"),
                "machine_translated": seed.has_flag("machine_translated"),
                "machine_translated_reason": _reason(seed, "machine_translated"),
                "cites_literature": seed.has_flag("cites_literature"),
                "cites_literature_reason": _reason(seed, "cites_literature"),
                "cited_references": " | ".join(r.as_stated for r in seed.cited_references) or None,
                "cited_dois": " | ".join(r.doi for r in seed.cited_references if r.doi) or None,
                "status": "active",
                "retraction_reason": None,
            }
        )
    table = pa.Table.from_pylist(rows, schema=TABLES["sources"].schema)
    src = np.array([s[0] for s in spans], dtype=np.int32)
    start = np.array([s[1] for s in spans], dtype=np.int32)
    end = np.array([s[2] for s in spans], dtype=np.int32)
    full = [_text_of(out, r["text_path"]) for r in rows]
    count = np.bincount(src, minlength=n_src)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    return _Sources(
        table=table,
        languages=[r["language"] for r in rows],
        cand_src=src,
        cand_start=start,
        cand_end=end,
        cand_quote=[full[s][a:b] for s, a, b in spans],
        cand_prefix=[full[s][max(0, a - CONTEXT_LENGTH) : a] for s, a, b in spans],
        cand_suffix=[full[s][b : b + CONTEXT_LENGTH] for s, a, b in spans],
        text_len=np.array(lengths, dtype=np.int64),
        first=first,
        count=count,
    )


def _text_of(out: Path, text_path: str) -> str:
    return (out / text_path).read_text("utf-8")


def _reason(seed: Any, flag: str) -> str | None:
    return next((q.reason for q in seed.quality_flags if q.flag == flag), None)


def _cut_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and clauses of ``text`` (trimmed, 12-400 code points) as offsets."""
    found: set[tuple[int, int]] = set()
    for sentence in _SENTENCE.finditer(text):
        pieces = [(sentence.start(), sentence.end())]
        pieces += [
            (sentence.start() + m.start(), sentence.start() + m.end())
            for m in _CLAUSE.finditer(sentence.group())
        ]
        for start, end in pieces:
            chunk = text[start:end]
            start += len(chunk) - len(chunk.lstrip())
            end -= len(chunk) - len(chunk.rstrip())
            if 12 <= end - start <= 400:
                found.add((start, end))
    return sorted(found)


# --------------------------------------------------------------------------- layout


def _layout(sources: _Sources, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Which source, candidate quote and claim each assertion row gets (numpy only)."""
    n_src = len(sources.count)
    per = np.full(n_src, n // n_src, dtype=np.int64)
    per[: n % n_src] += 1
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    src = np.repeat(np.arange(n_src, dtype=np.int32), per)
    k = np.arange(n, dtype=np.int64) - np.repeat(starts, per)
    c = sources.count[src]
    shift = rng.integers(0, 1 << 20, n_src)[src]
    span = (k + shift) % c
    cand = sources.first[src] + span
    target = max(12, n // 20)
    salt = rng.integers(0, target, n_src)[src]
    raw = (salt + span * 31 + k // c) % target
    used, inverse = np.unique(raw, return_inverse=True)
    order = rng.permutation(len(used)).astype(np.int32)  # decouple claim order from rows
    claim = order[inverse]
    anchors = np.zeros(n, dtype=bool)
    _, first_rows = np.unique(claim, return_index=True)
    anchors[first_rows] = True
    width = max(3, len(str(int(per.max()) - 1)))
    return {
        "n": n,
        "src": src,
        "k": k,
        "cand": cand,
        "claim": claim,
        "n_claims": len(used),
        "anchors": anchors,
        "width": width,
        "retracted": (rng.random(n) < 0.01) & ~anchors,
    }


# --------------------------------------------------------------------------- claims


def _claim_templates(curation: Any) -> list[dict[str, Any]]:
    """One template row per (kind, predicate, subject, object) drawn from the vocabularies."""
    interventions = [m for _, m in curation.models("interventions")] or []
    conditions = [m for _, m in curation.models("conditions")] or []
    outcomes = [m for _, m in curation.models("outcomes")] or []
    if not (interventions and conditions and outcomes):
        raise ValueError("the dataset needs interventions, conditions and outcomes vocabularies")
    subj = interventions[:4]
    templates: list[dict[str, Any]] = []
    for model in CLAIM_TYPES:
        kind = typing.get_args(model.model_fields["kind"].annotation)[0]
        for p_i, predicate in enumerate(
            typing.get_args(model.model_fields["predicate"].annotation)
        ):
            for s_i, subject in enumerate(subj):
                for o_i in range(3):
                    idx = p_i * 7 + s_i * 3 + o_i
                    cond = conditions[idx % len(conditions)]
                    outc = outcomes[idx % len(outcomes)]
                    co = interventions[(idx + 4) % len(interventions)]
                    row = _template(kind, predicate, subject, cond, outc, co, idx)
                    templates.append(row)
    return templates


def _template(
    kind: str, predicate: str, subject: Any, cond: Any, outc: Any, co: Any, idx: int
) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: None for f in TABLES["claims"].schema}
    obj = None
    if kind == "mechanism":
        obj = (outc.outcome_id, outc.label, None)
    elif (
        kind in ("indication", "combination_therapy", "adverse_effect", "risk_factor")
        or kind == "contraindication"
    ):
        obj = (cond.condition_id, cond.label, cond.icd10cm.code if cond.icd10cm else None)
    label = obj[1] if obj else kind.replace("_", " ")
    row.update(
        kind=kind,
        statement=f"{subject.label} {predicate.replace('_', ' ')} {label}",
        subject=subject.intervention_id,
        subject_label=subject.label,
        predicate=predicate,
        negated=False,
        slug=f"c-{kind}-{subject.intervention_id}".replace("_", "-"),
    )
    if obj:
        row.update(object_id=obj[0], object_label=obj[1], object_icd10cm=obj[2])
    if kind == "indication":
        row["role"] = ("primary", "adjunct")[idx % 2]
    if kind == "combination_therapy":
        row.update(
            co_interventions=co.intervention_id,
            combination_type=("combination", "sequential")[idx % 2],
            outcomes=outc.outcome_id,
            severity_grades="2 | 3 | 4" if idx % 2 else None,
        )
    if kind == "adverse_effect":
        row.update(
            frequency=("common", "uncommon", "rare", "not_stated")[idx % 4],
            severity=("mild", "moderate", "severe", "not_stated")[idx % 4],
            expected_reaction=bool(idx % 2),
            detail="needling too deep" if idx % 3 == 0 else None,
        )
    if kind == "risk_factor":
        row["detail"] = "too much pressure on the roller"
    if kind in ("procedure_step", "aftercare"):
        row["detail"] = f"{'apply' if kind == 'aftercare' else 'use'} {co.label}"
        row["co_interventions"] = co.intervention_id
        if kind == "procedure_step":
            row["step"] = idx % 5 + 1
    if kind == "schedule":
        row.update(
            interval_min=4, interval_max=6, interval_unit="week", sessions_min=3, sessions_max=6
        )
    if kind == "cost":
        row.update(
            amount_min=100.0 * (idx + 1),
            amount_max=150.0 * (idx + 1),
            currency=("VND", "IDR", "SEK", "CNY", "EUR", "USD")[idx % 6],
            cost_unit=("per_session", "per_course")[idx % 2],
            approximate=bool(idx % 2),
        )
    if kind == "setting":
        row["setting"] = ("home", "clinic", "spa", "professional_facility")[idx % 4]
    if kind == "definition":
        row["detail"] = f"{subject.label}: {subject.description or subject.label}"
    return row


def _make_claims(
    curation: Any,
    n_claims: int,
    rng: np.random.Generator,
    layout: dict[str, Any],
    sources: _Sources,
) -> pa.Table:
    """``n_claims`` claims from the templates; counts derived from the assertion layout."""
    templates = _claim_templates(curation)
    slugs = pa.array([t.pop("slug") for t in templates])
    schema = TABLES["claims"].schema
    base = pa.Table.from_pylist(templates, schema=schema)
    pick = pa.array(rng.integers(0, len(templates), n_claims))
    table = base.take(pick)
    number = pc.utf8_lpad(pc.cast(pa.array(np.arange(n_claims)), pa.string()), 7, "0")
    claim_id = pc.binary_join_element_wise(pc.take(slugs, pick), number, "-")
    active = ~layout["retracted"]
    claim, src = layout["claim"][active], layout["src"][active]
    n_assertions = np.bincount(claim, minlength=n_claims).astype(np.int32)
    pairs = np.unique(claim.astype(np.int64) * MAX_SOURCES + src)
    n_sources = np.bincount(pairs // MAX_SOURCES, minlength=n_claims).astype(np.int32)
    certainty = np.where(n_sources >= 3, 1, 0).astype(np.int32)
    confidence = np.round(0.25 + 0.1 * np.minimum(n_sources - 1, 2), 3) * 0.8
    rationale = pc.if_else(
        pa.array(certainty == 1),
        "Three or more independent works state it; web pages without cited studies.",
        "Web pages without cited studies (GRADE floor).",
    )
    updates: dict[str, pa.Array] = {
        "claim_id": claim_id,
        "certainty": pa.DictionaryArray.from_arrays(pa.array(certainty), pa.array(_CERTAINTY)),
        "confidence": pa.array(np.round(confidence, 3)),
        "confidence_rationale": rationale,
        "n_assertions": pa.array(n_assertions),
        "n_sources": pa.array(n_sources),
        "n_works": pa.array(n_sources),
        "status": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n_claims, dtype=np.int32)), pa.array(_STATUS)
        ),
    }
    columns = [updates.get(f.name, table.column(f.name)) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


# --------------------------------------------------------------------------- defects


def _plan_defects(
    layout: dict[str, Any], sources: _Sources, corrupt: float, rng: np.random.Generator
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


def _corrupt_sources(
    table: pa.Table, plan: dict[str, Any], defects: list[dict[str, Any]]
) -> pa.Table:
    if not plan["bad_sources"]:
        return table
    rows = table.to_pylist()
    first, second = plan["bad_sources"]
    rows[first]["sha256"] = "0" * 64
    rows[second]["language"] = "en_US@bad"
    defects.append(
        _defect("sources", rows[first]["source_id"], first, "sha256", ERR.HASH_MISMATCH.code)
    )
    defects.append(
        _defect("sources", rows[second]["source_id"], second, "language", ERR.UNKNOWN_LANGUAGE.code)
    )
    return pa.Table.from_pylist(rows, schema=table.schema)


def _corrupt_claims(
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
        defects.append(_defect("claims", rows[i]["claim_id"], i, column, code))
    head = pa.Table.from_pylist(rows, schema=claims.schema)
    tail = pa.Table.from_pylist([orphan], schema=claims.schema)
    defects.append(
        _defect("claims", orphan["claim_id"], claims.num_rows, "claim_id", ERR.ORPHAN_CLAIM.code)
    )
    return pa.concat_tables([head, claims.slice(3), tail]).combine_chunks()


def _defect(table: str, key: str | None, row: int | None, column: str, code: str) -> dict[str, Any]:
    return {
        "table": table,
        "key": key,
        "row": None if row is None else row + 1,
        "column": column,
        "code": code,
    }


# --------------------------------------------------------------------------- assertions


def _dictionary(codes: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(values))


def _assertion_ids(layout: dict[str, Any], lo: int, hi: int, source_ids: pa.Array) -> pa.Array:
    number = pc.utf8_lpad(pc.cast(pa.array(layout["k"][lo:hi]), pa.string()), layout["width"], "0")
    return pc.binary_join_element_wise(
        pc.take(source_ids, pa.array(layout["src"][lo:hi])), number, "-"
    )


def _write_tables(
    parquet_dir: Path,
    layout: dict[str, Any],
    sources: _Sources,
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
        defects.append(_defect("evidence", None, None, "claim_step", ERR.WRONG_TYPE.code))
        defects.append(_defect("evidence", None, None, "synthetic_extra", ERR.UNKNOWN_FIELD.code))
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
                _corrupt_evidence(evidence, plan["rows"][mask][:3], defects)
            e_out.write_table(
                pa.Table.from_arrays(evidence, schema=e_schema), row_group_size=CHUNK_ROWS
            )
            rows, kinds = plan["rows"][mask], plan["kinds"][mask]
            _apply_defects(cols, rows, kinds, lo, layout, sources, claims, defects)
            a_out.write_table(
                pa.Table.from_arrays(_arrays(cols, a_schema, corrupt), schema=a_schema),
                row_group_size=CHUNK_ROWS,
            )


def _assertion_columns(
    layout: dict[str, Any],
    sources: _Sources,
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
    mode = rng.choice(len(_MODES), size, p=_MODE_P).astype(np.int32)
    retracted = layout["retracted"][lo:hi]
    hedges = pa.array([_HEDGES.get(lang, "maybe") for lang in sources.languages])
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
        "support_type": rng.choice(len(_SUPPORT), size, p=_SUPPORT_P).astype(np.int32),
        "evidence_basis": rng.choice(len(_ECO), size, p=_ECO_P).astype(np.int32),
        "agent_type": rng.choice(len(_AGENTS), size, p=_AGENT_P).astype(np.int32),
        "curator": pc.take(pa.array(_CURATORS), pa.array(rng.integers(0, 3, size))),
        "extraction_confidence": np.round(rng.uniform(0.5, 1.0, size), 2),
        "note": pa.nulls(size, pa.string()),
        "status": retracted.astype(np.int32),
        "retraction_reason": pc.if_else(
            pa.array(retracted),
            "Withdrawn by the curators: the quote does not state the claim.",
            null,
        ),
    }


def _arrays(cols: dict[str, Any], schema: pa.Schema, corrupt: bool) -> list[pa.Array]:
    """Arrow arrays in schema order; numpy codes become dictionary columns (copied)."""
    values = {
        "statement_mode": (*_MODES, "claimed") if corrupt else _MODES,
        "support_type": _SUPPORT,
        "evidence_basis": (*_ECO, "ECO:0009999") if corrupt else _ECO,
        "agent_type": _AGENTS,
        "status": _STATUS,
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


def _apply_defects(
    cols: dict[str, Any],
    rows: np.ndarray,
    kinds: np.ndarray,
    lo: int,
    layout: dict[str, Any],
    sources: _Sources,
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
            cols["statement_mode"][i] = len(_MODES)
        elif code == ERR.PATTERN_MISMATCH.code:
            edits.setdefault("claim_id", {})[i] = "C_Bad-Claim"
        elif code == ERR.INVALID_VALUE.code:
            cols["statement_mode"][i] = 1
            edits.setdefault("hedge_cue", {})[i] = None
        elif code == ERR.OFFSETS_ORDER.code:
            cols["char_start"][i] = cols["char_end"][i]
        elif code == ERR.UNKNOWN_ECO.code:
            cols["evidence_basis"][i] = len(_ECO)
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
        defects.append(_defect("assertions", key, row, column, code))
    for column, changes in edits.items():
        mask = np.zeros(len(ids), dtype=bool)
        mask[list(changes)] = True
        values = pa.array([changes[i] for i in sorted(changes)], type=pa.string())
        cols[column] = pc.replace_with_mask(cols[column], pa.array(mask), values)


def _prev_id(layout: dict[str, Any], row: int) -> str:
    return f"s{int(layout['src'][row - 1]):03d}-{int(layout['k'][row - 1]):0{layout['width']}d}"


def _evidence_chunk(
    clean: list[pa.Array],
    layout: dict[str, Any],
    sources: _Sources,
    claims: pa.Table,
    lo: int,
    hi: int,
    schema: pa.Schema,
) -> list[pa.Array]:
    """Evidence rows ``lo:hi``: the clean assertion columns, claim_ and source_ columns by take."""
    names = TABLES["assertions"].schema.names
    c_part = claims.take(pa.array(layout["claim"][lo:hi]))
    s_part = sources.table.take(pa.array(layout["src"][lo:hi]))
    out = []
    for f in schema:
        name = f.name
        if name in names:
            col = clean[names.index(name)]
        elif name.startswith("claim_") and name[6:] in c_part.column_names:
            col = c_part.column(name[6:]).combine_chunks()
        elif name.startswith("source_") and name[7:] in s_part.column_names:
            col = s_part.column(name[7:]).combine_chunks()
        elif name in c_part.column_names:
            col = c_part.column(name).combine_chunks()
        elif name in s_part.column_names:
            col = s_part.column(name).combine_chunks()
        else:
            col = pa.nulls(hi - lo, f.type)
        out.append(col.cast(f.type) if col.type != f.type else col)
    return out


def _corrupt_evidence(
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
    defects.append(_defect("evidence", key, dup, "assertion_id", ERR.DUPLICATE_ID.code))
    claim_col = names.index("claim_id")
    columns[claim_col] = _replace(columns[claim_col], {dangling: MISSING_CLAIM})
    defects.append(
        _defect(
            "evidence", ids[dangling].as_py(), dangling, "claim_id", ERR.DANGLING_REFERENCE.code
        )
    )
    c = names.index("certainty")
    values = columns[c].to_pylist()
    values[certainty] = "certain"
    columns[c] = pa.array(values, type=TABLES["evidence"].schema.field(c).type)
    defects.append(
        _defect(
            "evidence",
            ids[certainty].as_py(),
            certainty,
            "certainty",
            ERR.NOT_ALLOWED_VALUE.code,
        )
    )


def _replace(array: pa.Array, changes: dict[int, Any]) -> pa.Array:
    mask = np.zeros(len(array), dtype=bool)
    mask[list(changes)] = True
    values = pa.array([changes[i] for i in sorted(changes)], type=array.type)
    return pc.replace_with_mask(array, pa.array(mask), values)
