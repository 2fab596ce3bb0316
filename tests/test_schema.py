"""The committed JSON Schemas: up to date, valid draft 2020-12, and usable on their own.

Records are checked with ``jsonschema`` only, against the files in ``schema/``: proof
that someone without the Python models can validate the curated data.  The property
test fuzzes real records and checks that whatever the models accept, the schema accepts.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evidence_kit.curation.loader import TABLES, read_curation, validate_record
from evidence_kit.model.vocabulary import (
    AGENT_TYPES,
    CLAIM_KINDS,
    ECO_CODES,
    SOURCE_TYPES,
    STATEMENT_MODES,
    SUPPORT_TYPES,
)
from evidence_kit.publishing.schemas import generate_schemas, render

REPO = Path(__file__).parent.parent
SCHEMA_DIR = REPO / "schema"
DATASETS = {"dataset": REPO / "dataset", "mini": Path(__file__).parent / "data" / "mini"}
REGENERATE = "run `evidence-kit schema --out schema` and commit the result"


@cache
def committed(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text("utf-8"))
    return schema


@cache
def validator(table: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(committed(TABLES[table].schema_file))


@cache
def records(dataset: str, table: str) -> list[dict[str, Any]]:
    return [entry.data for entry in read_curation(DATASETS[dataset]).entries[table]]


def test_one_schema_file_per_table():
    names = {t.schema_file for t in TABLES.values()}
    assert names == set(generate_schemas())
    on_disk = {p.name for p in SCHEMA_DIR.glob("*.schema.json")}
    assert on_disk == names, f"schema/ holds {sorted(on_disk)}; {REGENERATE}"


@pytest.mark.parametrize("name", sorted(generate_schemas()))
def test_committed_schema_is_up_to_date(name):
    path = SCHEMA_DIR / name
    assert path.is_file(), f"{path} is missing; {REGENERATE}"
    fresh = render(generate_schemas()[name])
    assert path.read_text("utf-8") == fresh, f"{path} is out of date; {REGENERATE}"


@pytest.mark.parametrize("name", sorted(generate_schemas()))
def test_schema_is_valid_draft_2020_12(name):
    schema = committed(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:evidence-kit:schema:")
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator


def test_schema_ids_are_distinct():
    ids = [committed(t.schema_file)["$id"] for t in TABLES.values()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("schema", "path", "vocabulary"),
    [
        ("assertion", ("statement_mode",), STATEMENT_MODES),
        ("assertion", ("support_type",), SUPPORT_TYPES),
        ("assertion", ("evidence_basis",), ECO_CODES),
        ("assertion", ("agent_type",), AGENT_TYPES),
        ("source", ("source_type",), SOURCE_TYPES),
    ],
)
def test_schema_enums_are_the_vocabularies(schema, path, vocabulary):
    node = committed(f"{schema}.schema.json")["properties"]
    for key in path:
        node = node[key]
    assert node["enum"] == list(vocabulary)


def test_claim_schema_has_one_branch_per_kind():
    schema = committed("claim.schema.json")
    assert schema["discriminator"]["propertyName"] == "kind"
    assert sorted(schema["discriminator"]["mapping"]) == sorted(CLAIM_KINDS)
    assert len(schema["oneOf"]) == len(CLAIM_KINDS)


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_curated_record_passes_its_schema(dataset, table):
    found = records(dataset, table)
    if dataset == "mini":
        assert found, f"the mini dataset has no {table}"
    for record in found:
        errors = [e.message for e in validator(table).iter_errors(record)]
        assert errors == [], f"{table} record {record.get(TABLES[table].id_field)}: {errors}"


def mini_record(table: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(records("mini", table)[index])


@pytest.mark.parametrize(
    ("table", "change", "schema_path"),
    [
        ("assertions", {"extraction_confidence": 1.5}, ["extraction_confidence"]),
        ("assertions", {"char_start": "25"}, ["char_start"]),
        ("assertions", {"statement_mode": "claimed"}, ["statement_mode"]),
        ("assertions", {"confidense": 0.5}, []),
        ("assertions", {"assertion_id": "s0-1"}, ["assertion_id"]),
        ("sources", {"sha256": "ABC"}, ["sha256"]),
        ("sources", {"quality_flags": [{"flag": "sponsored", "reason": "x"}]}, None),
        ("claims", {"kind": "warning"}, None),
        ("claims", {"negated": "yes"}, None),
        ("conditions", {"icd10cm": {"code": "acne", "label": "Acne"}}, None),
    ],
)
def test_a_bad_record_fails_schema_and_model(table, change, schema_path):
    record = {**mini_record(table), **change}
    errors = list(validator(table).iter_errors(record))
    assert errors, f"schema accepted {change}"
    if schema_path is not None:
        assert [list(e.absolute_path) for e in errors] == [schema_path]
    with pytest.raises(ValidationError):
        validate_record(TABLES[table], record)


def test_a_record_without_a_required_field_fails():
    record = mini_record("assertions")
    del record["quote"]
    [error] = validator("assertions").iter_errors(record)
    assert error.validator == "required"
    assert "'quote' is a required property" in error.message


# --------------------------------------------------------------------------- property

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "0.5",
            "12",
            "yes",
            "true",
            "2025-07-12",
            "ECO:0000303",
            "asserted",
            "hedged",
            "retracted",
            "s000",
            "s000-001",
            "c-mn-x",
            "microneedling",
            "L70.0",
            "zh-Hans",
        ]
    ),
    st.lists(st.sampled_from(["microneedling", "", "x", 1]), max_size=3),
    st.fixed_dictionaries({"code": st.sampled_from(["L70.0", "L90.5", "X"])}),
)


def quoted(value: Any, yaml_style: bool) -> Any:
    """A scalar as a curator might quote it in YAML: 25 -> "25", true -> "yes"."""
    if isinstance(value, bool):
        return ("yes" if value else "no") if yaml_style else str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


@st.composite
def perturbed(draw: st.DrawFn, table: str) -> dict[str, Any]:
    """A real record of ``table`` with a few fields removed, or set to a value another
    record has for that field (often valid), or to an odd value (often not)."""
    options = records("mini", table)
    record = copy.deepcopy(draw(st.sampled_from(options)))
    keys = [*sorted({k for r in options for k in r}), "extra_field", "status", "retraction_reason"]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from(keys))
        seen = [r[key] for r in options if key in r]
        choice = draw(st.sampled_from(["delete", "odd", "seen", "seen", "quoted"]))
        if choice == "delete":
            record.pop(key, None)
        elif choice == "seen" and seen:
            record[key] = copy.deepcopy(draw(st.sampled_from(seen)))
        elif choice == "quoted" and key in record:
            record[key] = quoted(record[key], draw(st.booleans()))
        else:
            record[key] = draw(ODD_VALUES)
    return record


@pytest.mark.parametrize("table", sorted(TABLES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_schema_accepts_whatever_the_model_accepts(table, data):
    record = data.draw(perturbed(table))
    try:
        validate_record(TABLES[table], record)
    except ValidationError:
        return
    errors = [e.message for e in validator(table).iter_errors(record)]
    assert errors == [], f"model accepted, schema rejected {record}"
