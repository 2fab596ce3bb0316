"""The error catalogue: stable, unique codes; templates that fill; reports that sort."""

from __future__ import annotations

import re
import string

import pytest

from evidence_kit.model.errors import (
    CODES,
    ERR,
    ErrorType,
    EvidenceKitError,
    Finding,
    UsageError,
    ValidationReport,
)

TYPES = sorted(CODES.values(), key=lambda t: t.code)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_codes_are_unique_and_well_formed():
    catalogue = [v for v in vars(type(ERR)).values() if isinstance(v, ErrorType)]
    assert len(catalogue) == len(CODES)
    assert len({t.name for t in catalogue}) == len(catalogue)
    for kind in catalogue:
        assert re.fullmatch(r"EK[1-69][0-9]{2}", kind.code), kind.code
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", kind.name), kind.name
        assert kind.severity in ("error", "warning")


@pytest.mark.parametrize("kind", TYPES, ids=[t.code for t in TYPES])
def test_every_template_fills(kind):
    params = {
        name: f"<{name}>"
        for name in placeholders(kind.template) | placeholders(kind.fix)
        if name not in ("expected", "actual", "field")
    }
    finding = kind.at("f.yaml", line=3, column=7, field="a.b", expected="E", actual="A", **params)
    assert finding.code == kind.code
    for text in (finding.message, finding.fix):
        assert text and not re.search(r"\{[a-z_]+(![rs])?\}", text), text
    assert (finding.expected, finding.actual) == ("E", "A")


def test_finding_renders_file_line_column_and_fix():
    finding = ERR.DUPLICATE_ID.at(
        "dataset/claims.yaml", line=12, column=5, field="claims[3].claim_id", id="c-x", other="o"
    )
    assert finding.render() == (
        "dataset/claims.yaml:12:5: error EK301 duplicate-id [claims[3].claim_id]: "
        "Identifier 'c-x' is used by more than one record (o).\n"
        "    fix: Give each record its own identifier."
    )


def test_finding_without_position_renders_the_file_only():
    finding = ERR.TEXT_NOT_NFC.at("texts/a.txt", path="texts/a.txt")
    assert finding.render().startswith("texts/a.txt: error EK402 text-not-nfc: ")


def test_report_sorts_counts_and_judges():
    warning = ERR.UNUSED_VOCABULARY.at("b.yaml", line=2, target="Outcome", id="x")
    late = ERR.DUPLICATE_ID.at("a.yaml", line=9, id="x", other="o")
    early = ERR.DANGLING_REFERENCE.at(
        "a.yaml", line=3, field="f", target="Claim", actual="c", hint=""
    )
    report = ValidationReport.from_findings([warning, late, early], {"claims": 4})
    assert report.flatten(["file", "line", "code"]) == [
        ["a.yaml", 3, "EK302"],
        ["a.yaml", 9, "EK301"],
        ["b.yaml", 2, "EK305"],
    ]
    assert report.stats == {"claims": 4, "errors": 2, "warnings": 1}
    assert not report.valid
    assert report.codes() == {"EK301": 1, "EK302": 1, "EK305": 1}
    assert [f.code for f in report.errors] == ["EK302", "EK301"]
    assert ValidationReport.from_findings([warning], {}).valid


def test_report_round_trips_through_json():
    report = ValidationReport.from_findings([ERR.BOM.at("x.yaml", line=1, column=1)], {})
    assert ValidationReport.model_validate_json(report.model_dump_json()) == report


def test_library_errors_carry_their_findings():
    finding = ERR.FILE_MISSING.at("x.yaml", path="x.yaml")
    error = EvidenceKitError([finding])
    assert error.findings == [finding]
    assert str(error) == finding.render()
    usage = UsageError("bad", "do this")
    assert [f.code for f in usage.findings] == ["EK108"]
    assert usage.findings[0].fix == "do this"


def test_findings_are_immutable():
    finding = ERR.BOM.at("x.yaml")
    with pytest.raises(ValueError):
        finding.code = "EK999"
    assert isinstance(finding, Finding)
