"""Bad input, one case per test: `evidence-kit validate DIR --format json` exits 1 and
names the exact error code, file, field path and line.

Each test breaks one thing in a fresh copy of tests/data/mini and asserts the complete
list of errors, so a mistake reported twice, or burying the real one under follow-up
errors, fails too.  Lines are looked up in the edited file, independently of the
validator's YAML positions.
"""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_kit.curation.provenance import context, locate

SOURCES = Path("mini/sources.yaml")
CLAIMS = Path("mini/claims.yaml")
CONDITIONS = Path("mini/vocabularies/conditions.yaml")
OUTCOMES = Path("mini/vocabularies/outcomes.yaml")
S000 = Path("mini/assertions/s000.yaml")
S001 = Path("mini/assertions/s001.yaml")
SV_TEXT = Path("mini/texts/000_mini_sv.txt")
ZH_TEXT = Path("mini/texts/001_mini_zh.txt")
SV_HASH = "0da0a43ce8ff6d7ecaf75a0535f760b3eb26b1fdb49e45a805669589b3244be8"


def set_hash(edit: Callable[..., None], data: bytes) -> None:
    """Record the sha256 of ``data`` for s000, so checks after the hash are reached."""
    edit(SOURCES, SV_HASH, hashlib.sha256(data).hexdigest())


def only_error(run, code, file, field, line):
    """Assert exit 1 and that the run reports exactly this one error; return it."""
    assert run.exit_code == 1, run.result.output
    assert run.where() == [(code, str(file), field, line)]
    return run.errors[0]


def test_fixture_is_valid(mini, validate_json):
    run = validate_json(mini)
    assert run.exit_code == 0, run.result.output
    assert run.report.valid
    assert run.report.findings == []
    assert run.report.stats["assertions"] == 8
    assert run.report.stats["claims"] == 5


# --------------------------------------------------------------------------- YAML files


def test_malformed_yaml_gives_line_and_column(mini, validate_json, edit, line):
    edit(CLAIMS, "predicate: stimulates", "predicate: [stimulates")
    # the flow sequence is left open; the parser fails at the ':' on the next line
    bad_line = line(CLAIMS, "object: collagen_production")
    finding = only_error(validate_json(mini), "EK103", CLAIMS, None, bad_line)
    text = CLAIMS.read_text("utf-8").splitlines()[bad_line - 1]
    assert finding.column == text.index(":") + 1
    assert "flow sequence" in finding.message


def test_duplicate_yaml_key(mini, validate_json, edit, line):
    edit(
        CLAIMS,
        "    predicate: contraindicated_in\n",
        "    predicate: contraindicated_in\n    predicate: use_with_caution_in\n",
    )
    finding = only_error(
        validate_json(mini), "EK104", CLAIMS, None, line(CLAIMS, "use_with_caution_in")
    )
    assert finding.column == 5
    assert "'predicate'" in finding.message


def test_yaml_file_not_utf8(mini, validate_json, line):
    data = CLAIMS.read_bytes().replace(b"Microneedling improves", b"Microneedling \xe9mproves")
    CLAIMS.write_bytes(data)
    prefix = "    statement: Microneedling "
    line_no = 1 + data[: data.index(b"\xe9")].count(b"\n")
    finding = only_error(validate_json(mini), "EK102", CLAIMS, None, line_no)
    assert finding.column == len(prefix) + 1
    assert "0xe9" in finding.message


def test_yaml_file_with_byte_order_mark(mini, validate_json):
    OUTCOMES.write_bytes(b"\xef\xbb\xbf" + OUTCOMES.read_bytes())
    finding = only_error(validate_json(mini), "EK107", OUTCOMES, None, 1)
    assert finding.column == 1


def test_wrong_top_level(mini, validate_json):
    CLAIMS.write_text("- c-mn-mech-collagen-production\n", encoding="utf-8")
    only_error(validate_json(mini), "EK105", CLAIMS, None, 1)


# --------------------------------------------------------------------------- records


def test_unknown_field(mini, validate_json, edit, line):
    confidence = "    extraction_confidence: 0.9\n"
    edit(S000, confidence, confidence + "    confidense: 1\n")
    finding = only_error(
        validate_json(mini), "EK201", S000, "assertions[1].confidense", line(S000, "confidense")
    )
    assert finding.column == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [("eighty", "an integer"), ('"80"', "an integer"), ("[80]", "an integer")],
)
def test_wrong_type(mini, validate_json, edit, line, value, expected):
    """A quoted number is a string, as in the JSON Schema: no silent coercion."""
    edit(S000, "char_start: 80", f"char_start: {value}")
    finding = only_error(
        validate_json(mini),
        "EK203",
        S000,
        "assertions[1].char_start",
        line(S000, f"char_start: {value}"),
    )
    assert finding.expected == expected


def test_yes_is_not_a_boolean(mini, validate_json, edit, line):
    """YAML 1.2: `yes` is a string; the model must not turn it into true."""
    edit(CLAIMS, "approximate: true", "approximate: yes")
    only_error(
        validate_json(mini), "EK203", CLAIMS, "claims[4].approximate", line(CLAIMS, "approximate")
    )


def test_missing_required_field(mini, validate_json, edit, line):
    edit(S000, "    quote_en: Redness is common after the treatment\n", "")
    finding = only_error(
        validate_json(mini),
        "EK202",
        S000,
        "assertions[2].quote_en",
        line(S000, "assertion_id: s000-003"),
    )
    assert "'quote_en'" in finding.message or "quote_en" in finding.message


def test_duplicate_id(mini, validate_json, edit, line):
    edit(S000, "assertion_id: s000-004", "assertion_id: s000-003")
    first = line(S000, "assertion_id: s000-003", 1)
    second = line(S000, "assertion_id: s000-003", 2)
    finding = only_error(validate_json(mini), "EK301", S000, "assertions[3].assertion_id", second)
    assert f"first at {S000}:{first}" in finding.message


def test_duplicate_id_across_files(mini, validate_json, edit, line):
    edit(CONDITIONS, "condition_id: redness", "condition_id: acne")
    edit(CLAIMS, "effect: redness", "effect: acne")
    only_error(
        validate_json(mini),
        "EK301",
        CONDITIONS,
        "conditions[2].condition_id",
        line(CONDITIONS, "condition_id: acne", 2),
    )


def test_dangling_reference(mini, validate_json, edit, line):
    edit(CLAIMS, "condition: acne\n", "condition: akne\n")
    run = validate_json(mini)
    finding = only_error(run, "EK302", CLAIMS, "claims[3].condition", line(CLAIMS, "akne"))
    assert finding.actual == "akne"
    assert "did you mean 'acne'" in finding.fix
    # the term nobody uses any more is a warning, not an error
    assert [(f.code, f.field) for f in run.report.findings if f.severity == "warning"] == [
        ("EK305", "conditions[2].condition_id")
    ]


def test_dangling_claim_reference_from_assertion(mini, validate_json, edit, line):
    edit(S001, "claim_id: c-mn-cost-session-cny", "claim_id: c-mn-cost-session")
    run = validate_json(mini)
    assert run.exit_code == 1
    # the claim lost its only assertion too: both are reported, ordered by file and line
    assert run.where() == [
        ("EK302", str(S001), "assertions[2].claim_id", line(S001, "c-mn-cost-session")),
        ("EK304", str(CLAIMS), "claims[4].claim_id", line(CLAIMS, "c-mn-cost-session-cny")),
    ]
    assert "did you mean 'c-mn-cost-session-cny'" in run.errors[0].fix


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_confidence_outside_unit_interval(mini, validate_json, edit, line, value):
    edit(S001, "extraction_confidence: 1.0", f"extraction_confidence: {value}")
    finding = only_error(
        validate_json(mini),
        "EK204",
        S001,
        "assertions[2].extraction_confidence",
        line(S001, f"extraction_confidence: {value}"),
    )
    assert finding.actual == value


@pytest.mark.parametrize("end", [54, 40])
def test_char_end_not_after_char_start(mini, validate_json, edit, line, end):
    edit(S001, "char_end: 67", f"char_end: {end}")
    finding = only_error(
        validate_json(mini),
        "EK208",
        S001,
        "assertions[2].char_end",
        line(S001, f"char_end: {end}"),
    )
    assert f"({end})" in finding.message and "(54)" in finding.message


def test_offsets_past_the_text(mini, validate_json, edit, line):
    edit(S001, "char_end: 67", "char_end: 600")
    length = len(ZH_TEXT.read_text("utf-8"))
    finding = only_error(
        validate_json(mini), "EK403", S001, "assertions[2].char_end", line(S001, "char_end: 600")
    )
    assert f"({length} code points)" in finding.message
    assert "evidence-kit locate s001" in finding.fix


def test_quote_differs_from_text_shows_both(mini, validate_json, edit, line):
    edit(S000, 'quote: "Rodnad är vanlig', 'quote: "Rodnad är vanliG')
    finding = only_error(
        validate_json(mini),
        "EK404",
        S000,
        "assertions[2].quote",
        line(S000, "Rodnad är vanliG"),
    )
    assert finding.expected == "Rodnad är vanlig efter behandlingen"
    assert finding.actual == "Rodnad är vanliG efter behandlingen"
    assert finding.expected in finding.message and finding.actual in finding.message


def test_quote_in_nfd(mini, validate_json, edit, line):
    decomposed = unicodedata.normalize("NFD", "Rodnad är vanlig")
    assert decomposed != "Rodnad är vanlig"
    edit(S000, 'quote: "Rodnad är vanlig', f'quote: "{decomposed}')
    only_error(
        validate_json(mini),
        "EK405",
        S000,
        "assertions[2].quote",
        line(S000, decomposed),
    )


@pytest.mark.parametrize("field", ["prefix", "suffix"])
def test_context_differs_from_text(mini, validate_json, edit, line, field):
    text = SV_TEXT.read_text("utf-8")
    quote = "Enligt en studie i Nordisk hudtidskrift förbättrar behandlingen atrofiska aknenärr"
    [span] = locate(text, quote)
    want = dict(zip(["prefix", "suffix"], context(text, span), strict=True))[field]
    stored = want.replace("\n", "\\n")  # as the YAML file spells it
    edit(S000, f'{field}: "{stored}"', f'{field}: "X{stored[1:]}"')
    finding = only_error(
        validate_json(mini),
        "EK406",
        S000,
        f"assertions[1].{field}",
        line(S000, f'{field}: "X{stored[1:]}"'),
    )
    assert (finding.expected, finding.actual) == (want, "X" + want[1:])


def test_source_text_hash_differs_shows_both(mini, validate_json, line):
    SV_TEXT.write_text(SV_TEXT.read_text("utf-8") + "Extra rad.\n", encoding="utf-8")
    actual = hashlib.sha256(SV_TEXT.read_bytes()).hexdigest()
    finding = only_error(
        validate_json(mini), "EK401", SOURCES, "sources[0].sha256", line(SOURCES, SV_HASH)
    )
    assert SV_HASH in finding.message and actual in finding.message
    assert (finding.expected, finding.actual) == (SV_HASH, actual)


def test_source_text_missing(mini, validate_json, line):
    ZH_TEXT.unlink()
    finding = only_error(
        validate_json(mini),
        "EK101",
        SOURCES,
        "sources[1].text_path",
        line(SOURCES, "text_path: texts/001_mini_zh.txt"),
    )
    assert str(ZH_TEXT) in finding.message


@pytest.mark.parametrize("path", ["../001_mini_zh.txt", "texts/../../001_mini_zh.txt"])
def test_text_path_escapes_dataset(mini, validate_json, edit, line, path):
    shutil.move(ZH_TEXT, mini.parent / "001_mini_zh.txt")  # exists, but outside
    edit(SOURCES, "text_path: texts/001_mini_zh.txt", f"text_path: {path}")
    finding = only_error(
        validate_json(mini),
        "EK106",
        SOURCES,
        "sources[1].text_path",
        line(SOURCES, f"text_path: {path}"),
    )
    assert repr(path) in finding.message


def test_source_text_not_utf8(mini, validate_json, edit):
    data = SV_TEXT.read_bytes().replace("för".encode(), "för".encode("latin-1"), 1)
    SV_TEXT.write_bytes(data)
    set_hash(edit, data)
    finding = only_error(validate_json(mini), "EK102", SV_TEXT, None, 1)
    assert finding.column == len("Microneedling f") + 1


def test_source_text_with_byte_order_mark(mini, validate_json, edit):
    data = b"\xef\xbb\xbf" + SV_TEXT.read_bytes()
    SV_TEXT.write_bytes(data)
    set_hash(edit, data)
    only_error(validate_json(mini), "EK107", SV_TEXT, None, 1)


def test_source_text_not_nfc(mini, validate_json, edit):
    text = SV_TEXT.read_text("utf-8")
    data = unicodedata.normalize("NFD", text).encode("utf-8")
    SV_TEXT.write_bytes(data)
    set_hash(edit, data)
    only_error(validate_json(mini), "EK402", SV_TEXT, None, None)


def test_source_file_does_not_name_the_text(mini, validate_json, edit, line):
    edit(SOURCES, "source_file: 001_mini_zh.txt", "source_file: 001_other.txt")
    finding = only_error(
        validate_json(mini),
        "EK306",
        SOURCES,
        "sources[1].source_file",
        line(SOURCES, "001_other.txt"),
    )
    assert (finding.expected, finding.actual) == ("001_mini_zh.txt", "001_other.txt")


# --------------------------------------------------------------------------- codes


def test_icd10cm_code_that_does_not_exist(mini, validate_json, edit, line):
    edit(CONDITIONS, "code: L70.0", "code: L70.99")
    finding = only_error(
        validate_json(mini),
        "EK211",
        CONDITIONS,
        "conditions[2].icd10cm.code",
        line(CONDITIONS, "L70.99"),
    )
    assert finding.actual == "L70.99"


def test_icd10cm_label_does_not_match(mini, validate_json, edit, line):
    edit(CONDITIONS, "label: Acne vulgaris", "label: Common acne")
    finding = only_error(
        validate_json(mini),
        "EK212",
        CONDITIONS,
        "conditions[2].icd10cm.label",
        line(CONDITIONS, "Common acne"),
    )
    assert (finding.expected, finding.actual) == ("Acne vulgaris", "Common acne")
    assert "'Acne vulgaris'" in finding.fix


def test_unknown_eco_code(mini, validate_json, edit, line):
    edit(S001, "evidence_basis: ECO:0000304", "evidence_basis: ECO:0000000")
    finding = only_error(
        validate_json(mini),
        "EK210",
        S001,
        "assertions[1].evidence_basis",
        line(S001, "ECO:0000000"),
    )
    assert finding.actual == "ECO:0000000"
    assert "ECO:0006017" in finding.fix


@pytest.mark.parametrize("tag", ["chinese-simplified", "xx-Hans-", "zh_Hans"])
def test_unknown_language_tag(mini, validate_json, edit, line, tag):
    edit(SOURCES, "language: zh-Hans", f"language: {tag}")
    finding = only_error(
        validate_json(mini),
        "EK209",
        SOURCES,
        "sources[1].language",
        line(SOURCES, f"language: {tag}"),
    )
    assert finding.actual == tag


def test_unknown_claim_kind(mini, validate_json, edit, line):
    edit(CLAIMS, "kind: contraindication", "kind: warning")
    finding = only_error(
        validate_json(mini), "EK205", CLAIMS, "claims[3].kind", line(CLAIMS, "kind: warning")
    )
    assert finding.actual == "warning"


def test_claim_without_kind(mini, validate_json, edit, line):
    edit(CLAIMS, "    kind: contraindication\n", "")
    only_error(
        validate_json(mini),
        "EK202",
        CLAIMS,
        "claims[3].kind",
        line(CLAIMS, "claim_id: c-mn-ci-acne"),
    )


# --------------------------------------------------------------------------- the dataset


def test_claim_without_assertion(mini, validate_json, edit, line):
    edit(S000, "claim_id: c-mn-ci-acne", "claim_id: c-mn-mech-collagen-production")
    finding = only_error(
        validate_json(mini), "EK304", CLAIMS, "claims[3].claim_id", line(CLAIMS, "c-mn-ci-acne")
    )
    assert "'c-mn-ci-acne'" in finding.message


def test_claim_whose_only_assertion_is_retracted(mini, validate_json, edit, line):
    edit(
        S001,
        "    extraction_confidence: 1.0\n",
        "    extraction_confidence: 1.0\n    status: retracted\n    retraction_reason: Test.\n",
    )
    only_error(
        validate_json(mini),
        "EK304",
        CLAIMS,
        "claims[4].claim_id",
        line(CLAIMS, "claim_id: c-mn-cost-session-cny"),
    )


def test_assertions_file_named_for_another_source(mini, validate_json):
    S001.write_text(
        S001.read_text("utf-8").replace("source_id: s001", "source_id: s000"), encoding="utf-8"
    )
    finding = only_error(validate_json(mini), "EK308", S001, "source_id", 1)
    assert (finding.expected, finding.actual) == ("s001", "s000")


def test_assertion_id_of_another_source(mini, validate_json, edit, line):
    edit(S000, "assertion_id: s000-004", "assertion_id: s001-009")
    finding = only_error(
        validate_json(mini), "EK303", S000, "assertions[3].assertion_id", line(S000, "s001-009")
    )
    assert finding.expected == "s000"


def test_retracted_without_reason(mini, validate_json, edit, line):
    edit(
        S001,
        "    retraction_reason: Firmness is not collagen production; "
        "the quote does not state the claim.\n",
        "",
    )
    only_error(
        validate_json(mini), "EK213", S001, "assertions[3].status", line(S001, "status: retracted")
    )


def test_hedged_without_hedge_cue(mini, validate_json, edit, line):
    support = "\n    support_type: clinical"
    edit(S001, "statement_mode: asserted" + support, "statement_mode: hedged" + support)
    only_error(
        validate_json(mini),
        "EK207",
        S001,
        "assertions[1].statement_mode",
        line(S001, "statement_mode: hedged"),
    )


def test_duplicate_assertion(mini, validate_json, line):
    text = S000.read_text("utf-8")
    last = text[text.index("  - assertion_id: s000-004") :]
    S000.write_text(text + "\n" + last.replace("s000-004", "s000-005"), encoding="utf-8")
    finding = only_error(
        validate_json(mini),
        "EK307",
        S000,
        "assertions[4].quote",
        line(S000, 'quote: "Behandlingen bör', 2),
    )
    assert "s000-004" in finding.message


@pytest.mark.parametrize(
    "file",
    [SOURCES, CLAIMS, CONDITIONS, OUTCOMES, Path("mini/vocabularies/interventions.yaml"), S000],
)
def test_an_unreadable_file_is_one_error_not_a_cascade(mini, validate_json, file):
    """Records pointing into a file that cannot be read are not reported as dangling,
    and claims are not orphans because their assertions file is broken."""
    file.write_text(file.read_text("utf-8") + "  - [unclosed\n", encoding="utf-8")
    run = validate_json(mini)
    assert run.exit_code == 1
    assert [(f.code, f.file) for f in run.report.findings] == [("EK103", str(file))]
