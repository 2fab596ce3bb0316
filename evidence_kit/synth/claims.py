"""Synthetic claims built from the curated claims (or vocabulary templates when there are
none), one table row per claim."""

from __future__ import annotations

import typing
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evidence_kit.model.claims import CLAIM_TYPES
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CERTAINTY_ORDER
from evidence_kit.synth.distributions import MAX_SOURCES, STATUS
from evidence_kit.synth.sources import Sources


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
    row: dict[str, Any] = {
        f.name: [] if pa.types.is_list(f.type) else None for f in TABLES["claims"].schema
    }
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
            co_interventions=[co.intervention_id],
            combination_type=("combination", "sequential")[idx % 2],
            outcomes=[outc.outcome_id],
            severity_grades=[2, 3, 4] if idx % 2 else [],
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
        row["co_interventions"] = [co.intervention_id]
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


def make_claims(
    curation: Any,
    n_claims: int,
    rng: np.random.Generator,
    layout: dict[str, Any],
    sources: Sources,
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
        "certainty": pa.DictionaryArray.from_arrays(
            pa.array(certainty), pa.array(CERTAINTY_ORDER), ordered=True
        ),
        "certainty_rank": pa.array(certainty + 1),
        "confidence": pa.array(np.round(confidence, 3)),
        "confidence_rationale": rationale,
        "n_assertions": pa.array(n_assertions),
        "n_sources": pa.array(n_sources),
        "n_works": pa.array(n_sources),
        "status": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n_claims, dtype=np.int32)), pa.array(STATUS)
        ),
    }
    columns = [updates.get(f.name, table.column(f.name)) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)
