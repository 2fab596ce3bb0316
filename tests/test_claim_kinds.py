"""Every claim kind is declared once and flows through to the published claims table."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from evidence_kit.curation.validator import load_dataset
from evidence_kit.model.claims import CLAIM_ADAPTER, CLAIM_TYPES
from evidence_kit.model.vocabulary import CLAIM_KINDS
from evidence_kit.publishing.build import claim_row

ROOT = Path(__file__).resolve().parent.parent


def test_claim_kinds_match_the_union_members() -> None:
    kinds = {get_args(t.model_fields["kind"].annotation)[0] for t in CLAIM_TYPES}
    assert kinds == set(CLAIM_KINDS)


def test_comparison_claim_publishes_its_comparator_as_object() -> None:
    dataset = load_dataset(ROOT / "dataset")
    claim = CLAIM_ADAPTER.validate_python(
        {
            "claim_id": "c-mn-comparison-test",
            "kind": "comparison",
            "statement": "Microneedling is less invasive than peeling treatments.",
            "subject": "microneedling",
            "predicate": "less_than",
            "comparator": "skin_peeling_treatment",
            "attribute": "invasiveness",
        }
    )
    row = claim_row(claim, dataset, [])
    assert row["object_id"] == "skin_peeling_treatment"
    assert row["object_label"] == dataset.interventions["skin_peeling_treatment"].label
    assert row["object_icd10cm"] is None
    assert row["detail"] == "invasiveness"
    assert row["certainty"] == "very_low" and row["confidence"] == 0.0
