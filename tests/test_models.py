"""The record models: their own rules, and round trips for generated records."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evidence_kit.curation.loader import TABLES, validate_record
from evidence_kit.model.claims import (
    CLAIM_ADAPTER,
    CLAIM_TYPES,
    CombinationTherapyClaim,
    CostClaim,
    ScheduleClaim,
)
from evidence_kit.model.fields import CONTEXT_LENGTH, references
from evidence_kit.model.records import Assertion, Condition, Icd10Code, Source
from evidence_kit.model.vocabulary import (
    AGENT_TYPES,
    CLAIM_KINDS,
    ECO_CODES,
    STATEMENT_MODES,
    SUPPORT_TYPES,
)

SCHEMA_DIR = Path(__file__).parent.parent / "schema"

ASSERTION: dict[str, Any] = {
    "assertion_id": "s002-014",
    "source_id": "s002",
    "claim_id": "c-mn-mech-skin-plumping",
    "quote": "Huden plumpar",
    "char_start": 1165,
    "char_end": 1178,
    "prefix": "lagen i det behandlade området. ",
    "suffix": " och förtorkar som svar på stimu",
    "quote_en": "The skin plumps",
    "statement_mode": "asserted",
    "support_type": "none",
    "evidence_basis": "ECO:0000303",
    "agent_type": "manual_agent",
    "curator": "team",
    "extraction_confidence": 0.9,
}
SOURCE: dict[str, Any] = {
    "source_id": "s004",
    "source_file": "004_x.txt",
    "text_path": "texts/004_x.txt",
    "sha256": "0" * 64,
    "language": "zh-Hans",
    "source_type": "clinic_marketing_page",
    "work_id": "w-x",
}


def errors_of(model: Any, data: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(e["type"], tuple(e["loc"])) for e in caught.value.errors()]


# --------------------------------------------------------------------------- rules


def test_valid_assertion():
    assertion = Assertion.model_validate(ASSERTION)
    assert assertion.status == "active"
    assert references(assertion) == [
        ("source_id", "sources", "s002"),
        ("claim_id", "claims", "c-mn-mech-skin-plumping"),
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"char_end": 1165}, ("offsets_order", ())),
        ({"char_start": -1}, ("greater_than_equal", ("char_start",))),
        ({"extraction_confidence": 1.01}, ("less_than_equal", ("extraction_confidence",))),
        ({"statement_mode": "hedged"}, ("hedge_cue", ())),
        ({"statement_mode": "attributed"}, ("attributed_to", ())),
        ({"status": "retracted"}, ("retraction_reason", ())),
        ({"prefix": "x" * (CONTEXT_LENGTH + 1)}, ("string_too_long", ("prefix",))),
        ({"quote": ""}, ("string_too_short", ("quote",))),
        ({"assertion_id": "s2-14"}, ("string_pattern_mismatch", ("assertion_id",))),
        ({"evidence_basis": "ECO:0000001"}, ("literal_error", ("evidence_basis",))),
        ({"confidence": 0.5}, ("extra_forbidden", ("confidence",))),
    ],
)
def test_assertion_rules(change, error):
    assert errors_of(Assertion, {**ASSERTION, **change}) == [error]


def test_hedged_and_attributed_assertions_name_their_cue():
    Assertion.model_validate({**ASSERTION, "statement_mode": "hedged", "hedge_cue": "tros"})
    Assertion.model_validate(
        {**ASSERTION, "statement_mode": "attributed", "attributed_to": "a journal"}
    )
    Assertion.model_validate({**ASSERTION, "status": "retracted", "retraction_reason": "wrong"})


@pytest.mark.parametrize("tag", ["sv", "zh-Hans", "vi", "id", "en-GB", "zh-hans"])
def test_valid_language_tags(tag):
    assert Source.model_validate({**SOURCE, "language": tag}).language == tag


@pytest.mark.parametrize("tag", ["zh_Hans", "swedish", "", "en-", "xx-yy-zz-qq"])
def test_invalid_language_tags(tag):
    assert errors_of(Source, {**SOURCE, "language": tag}) == [("unknown_language", ("language",))]


def test_a_quality_flag_is_listed_once():
    flag = {"flag": "commercial_interest", "reason": "sells it"}
    source = Source.model_validate({**SOURCE, "quality_flags": [flag]})
    assert source.has_flag("commercial_interest") and not source.has_flag("cites_literature")
    assert errors_of(Source, {**SOURCE, "quality_flags": [flag, flag]}) == [("duplicate_flag", ())]


def test_icd10cm_codes_are_checked_against_the_code_set():
    assert Icd10Code(code="L70.0", label="Acne vulgaris").label == "Acne vulgaris"
    assert Icd10Code(code="L80", label="Vitiligo").code == "L80"
    assert errors_of(Icd10Code, {"code": "L70.99", "label": "x"}) == [("icd10cm_unknown", ())]
    assert errors_of(Icd10Code, {"code": "L70.0", "label": "acne vulgaris"}) == [
        ("icd10cm_label_mismatch", ())
    ]


def test_condition_label_mismatch_is_located_under_icd10cm():
    data = {"condition_id": "acne", "label": "acne", "icd10cm": {"code": "L70.0", "label": "x"}}
    assert errors_of(Condition, data) == [("icd10cm_label_mismatch", ("icd10cm",))]


def test_every_claim_kind_has_a_model():
    kinds = [t.model_fields["kind"].annotation for t in CLAIM_TYPES]
    assert [get_args(k)[0] for k in kinds] == list(CLAIM_KINDS)


def test_claims_are_chosen_by_kind():
    claim = CLAIM_ADAPTER.validate_python(
        {
            "claim_id": "c-mn-combo-vitamin-c-acne-scars",
            "kind": "combination_therapy",
            "statement": "Microneedling with vitamin C improves acne scars.",
            "subject": "microneedling",
            "predicate": "ameliorates",
            "co_interventions": ["topical_vitamin_c"],
            "combination_type": "combination",
            "condition": "atrophic_acne_scars",
        }
    )
    assert isinstance(claim, CombinationTherapyClaim)
    assert claim.object_id() == "atrophic_acne_scars"
    assert references(claim) == [
        ("subject", "interventions", "microneedling"),
        ("co_interventions.0", "interventions", "topical_vitamin_c"),
        ("condition", "conditions", "atrophic_acne_scars"),
    ]


BASE_CLAIM = {"claim_id": "c-x", "statement": "s", "subject": "microneedling"}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"interval_min": 4, "interval_max": 2, "interval_unit": "week"}, "range_order"),
        ({"sessions_min": 6, "sessions_max": 3}, "range_order"),
        ({"interval_min": 4}, "interval_unit"),
    ],
)
def test_schedule_ranges(data, error):
    record = {**BASE_CLAIM, "kind": "schedule", "predicate": "has_schedule", **data}
    assert errors_of(ScheduleClaim, record) == [(error, ())]


def test_cost_needs_an_amount_in_order():
    record = {**BASE_CLAIM, "kind": "cost", "predicate": "has_cost", "currency": "CNY"}
    record["unit"] = "per_session"
    assert errors_of(CostClaim, record) == [("amount_missing", ())]
    assert errors_of(CostClaim, {**record, "amount_min": 9, "amount_max": 1}) == [
        ("range_order", ())
    ]
    assert CostClaim.model_validate({**record, "amount_max": 800}).amount_max == 800


# --------------------------------------------------------------------------- generated

TEXT = st.text(min_size=1, max_size=60)
CONTEXT = st.text(max_size=CONTEXT_LENGTH)


@st.composite
def assertion_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid assertion record, as plain JSON-compatible data."""
    source = draw(st.from_regex(r"s[0-9]{3}", fullmatch=True))
    start = draw(st.integers(min_value=0, max_value=10**6))
    mode = draw(st.sampled_from(list(STATEMENT_MODES)))
    record: dict[str, Any] = {
        "assertion_id": f"{source}-{draw(st.integers(0, 999)):03d}",
        "source_id": source,
        "claim_id": draw(st.from_regex(r"c-[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True)),
        "quote": draw(TEXT),
        "char_start": start,
        "char_end": start + draw(st.integers(min_value=1, max_value=2000)),
        "prefix": draw(CONTEXT),
        "suffix": draw(CONTEXT),
        "quote_en": draw(TEXT),
        "statement_mode": mode,
        "hedge_cue": draw(TEXT) if mode == "hedged" else draw(st.none() | TEXT),
        "attributed_to": draw(TEXT) if mode == "attributed" else draw(st.none() | TEXT),
        "support_type": draw(st.sampled_from(list(SUPPORT_TYPES))),
        "evidence_basis": draw(st.sampled_from(list(ECO_CODES))),
        "agent_type": draw(st.sampled_from(list(AGENT_TYPES))),
        "curator": draw(TEXT),
        "extraction_confidence": draw(
            st.floats(min_value=0, max_value=1) | st.sampled_from([0, 1])
        ),
        "note": draw(st.none() | st.text(max_size=100)),
    }
    if draw(st.booleans()):
        record["status"] = "retracted"
        record["retraction_reason"] = draw(TEXT)
    return record


@cache
def assertion_schema() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / TABLES["assertions"].schema_file).read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


@settings(max_examples=200)
@given(assertion_records())
def test_assertion_round_trip(record):
    assertion = Assertion.model_validate(record)
    assert Assertion.model_validate(assertion.model_dump()) == assertion
    assert Assertion.model_validate_json(assertion.model_dump_json()) == assertion
    dumped = assertion.model_dump(mode="json")
    assert validate_record(TABLES["assertions"], dumped) == assertion
    assert json.loads(json.dumps(dumped)) == dumped


@settings(max_examples=200)
@given(assertion_records())
def test_schema_accepts_generated_assertions(record):
    assert Assertion.model_validate(record)
    errors = [e.message for e in assertion_schema().iter_errors(record)]
    assert errors == []
    dumped = Assertion.model_validate(record).model_dump(mode="json")
    assert [e.message for e in assertion_schema().iter_errors(dumped)] == []
