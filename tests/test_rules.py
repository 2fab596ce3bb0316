"""The evidence-basis, qualifier, citation, review and wording rules (issue: fidelity).

Each rule fails on its own bad input with its own code, located at the file, line and
field to fix (through the CLI, as a curator would meet it). The fixture is valid to
start with (tests/test_validator.py::test_fixture_is_valid).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SOURCES = Path("mini/sources.yaml")
CLAIMS = Path("mini/claims.yaml")
S000 = Path("mini/assertions/s000.yaml")
S001 = Path("mini/assertions/s001.yaml")

STUDY = "    cites: [r1]\n    support_type: named_study\n    evidence_basis: ECO:0006017\n"


def only_error(run, code, file, field, line):
    assert run.exit_code == 1, run.result.output
    assert run.where() == [(code, str(file), field, line)], run.result.output
    return run.errors[0]


def test_a_study_basis_needs_a_citation(mini, validate_json, edit, line):
    edit(S000, "    cites: [r1]\n", "")
    run = validate_json(mini)
    assert run.exit_code == 1
    codes = {(c, f) for c, _, f, _ in run.where()}
    assert codes == {
        ("EK330", "assertions[1].evidence_basis"),
        ("EK334", "assertions[1].support_type"),
    }


def test_an_unnamed_study_cannot_be_study_backed(mini, validate_json, edit, line):
    """'a study' with no name: unnamed attribution may not carry ECO:0006017."""
    edit(S000, "    attribution: named\n    cites: [r1]\n", "    attribution: unnamed\n")
    run = validate_json(mini)
    assert ("EK332", str(S000), "assertions[1].evidence_basis", line(S000, "ECO:0006017")) in (
        run.where()
    )
    assert ("EK330", str(S000), "assertions[1].evidence_basis", line(S000, "ECO:0006017")) in (
        run.where()
    )


def test_traceable_statement_needs_a_named_party(mini, validate_json, edit, line):
    edit(S001, "    attribution: named\n", "    attribution: unnamed\n")
    run = validate_json(mini)
    where = run.where()
    at = line(S001, "evidence_basis: ECO:0000304")
    assert ("EK331", str(S001), "assertions[1].evidence_basis", at) in where
    assert ("EK332", str(S001), "assertions[1].evidence_basis", at) in where
    assert ("EK335", str(S001), "assertions[1].support_type", at - 1) in where


def test_attributed_to_needs_named_or_unnamed(mini, validate_json, edit, line):
    edit(S001, "    attribution: named\n", "")
    run = validate_json(mini)
    assert ("EK333", str(S001), "assertions[1].attribution") in {w[:3] for w in run.where()}


def test_cites_an_unknown_reference(mini, validate_json, edit, line):
    edit(S000, "    cites: [r1]\n", "    cites: [r9]\n")
    finding = only_error(
        validate_json(mini), "EK336", S000, "assertions[1].cites[0]", line(S000, "cites: [r9]")
    )
    assert "r1" in finding.fix


def test_reviewer_must_not_be_the_curator(mini, validate_json, edit, line):
    edit(
        S000,
        "    extraction_confidence: 0.95\n",
        "    extraction_confidence: 0.95\n    reviewed_by: evidence-kit test suite\n"
        "    reviewed_on: 2026-11-30\n",
    )
    only_error(
        validate_json(mini),
        "EK337",
        S000,
        "assertions[0].reviewed_by",
        line(S000, "reviewed_by: evidence-kit test suite"),
    )


def test_review_needs_a_date(mini, validate_json, edit, line):
    edit(
        S000,
        "    extraction_confidence: 0.95\n",
        "    extraction_confidence: 0.95\n    reviewed_by: another reviewer\n",
    )
    assert [w[:3] for w in validate_json(mini).where()] == [
        ("EK338", str(S000), "assertions[0].reviewed_on")
    ]


def test_a_claim_statement_cannot_drop_its_qualifier(mini, validate_json, edit, line):
    edit(CLAIMS, "Microneedling commonly causes redness", "Microneedling causes redness")
    finding = only_error(
        validate_json(mini),
        "EK339",
        CLAIMS,
        "claims[2].qualifiers.frequency",
        line(CLAIMS, "frequency: common"),
    )
    assert finding.expected == "common"


@pytest.mark.parametrize(
    ("qualifier", "value"),
    [("population", "some patients"), ("context", "with shallow needling")],
)
def test_population_and_context_must_be_in_the_statement(
    mini, validate_json, edit, line, qualifier, value
):
    edit(
        CLAIMS,
        "      frequency: common\n",
        f"      frequency: common\n      {qualifier}: {value}\n",
    )
    run = validate_json(mini)
    assert ("EK339", str(CLAIMS), f"claims[2].qualifiers.{qualifier}") in {
        w[:3] for w in run.where()
    }


def test_an_assertion_must_state_its_claims_qualifiers(mini, validate_json, edit, line):
    """A passage that says nothing about frequency cannot support a 'commonly' claim."""
    edit(S000, "    qualifiers:\n      frequency: common\n", "")
    finding = only_error(
        validate_json(mini),
        "EK340",
        S000,
        "assertions[2].qualifiers.frequency",
        line(S000, "assertion_id: s000-003"),
    )
    assert finding.expected == "common" and finding.actual == "not_stated"


def test_a_listed_purpose_is_not_worded_as_efficacy(mini, validate_json, edit, line):
    edit(CLAIMS, "predicate: ameliorates", "predicate: applied_to_treat")
    only_error(
        validate_json(mini),
        "EK341",
        CLAIMS,
        "claims[1].statement",
        line(CLAIMS, "Microneedling improves atrophic acne scars."),
    )


def test_treats_is_not_worded_as_use(mini, validate_json, edit, line):
    edit(CLAIMS, "predicate: ameliorates", "predicate: treats")
    edit(CLAIMS, "Microneedling improves atrophic", "Microneedling is used to treat atrophic")
    assert [w[0] for w in validate_json(mini).where()] == ["EK341"]


def test_an_active_assertion_cannot_support_a_retracted_claim(mini, validate_json, edit, line):
    edit(
        CLAIMS,
        "    predicate: has_cost\n",
        "    predicate: has_cost\n    status: retracted\n    retraction_reason: Test.\n",
    )
    run = validate_json(mini)
    assert ("EK342", str(S001), "assertions[2].claim_id") in {w[:3] for w in run.where()}


def test_retracted_records_keep_their_history(mini, validate_json, edit, line):
    """A retracted assertion keeps the codes it was published with: the rules read active
    records only, and its successor may quote the same span."""
    edit(S000, "    cites: [r1]\n", "")
    edit(
        S000,
        "    extraction_confidence: 0.9\n",
        "    extraction_confidence: 0.9\n    status: retracted\n"
        "    retraction_reason: Recoded: the page names the journal.\n",
    )
    run = validate_json(mini)
    assert "EK330" not in [w[0] for w in run.where()]
