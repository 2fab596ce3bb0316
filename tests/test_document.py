"""YAML and text reading: plain data, positions of every key and item, located errors."""

from __future__ import annotations

import pytest

from evidence_kit.curation.document import load_yaml, parse_yaml, read_text
from evidence_kit.model.errors import EvidenceKitError

YAML_TEXT = """\
# comment
claims:
  - claim_id: c-a
    negated: false
    published: 2025-07-12
    grades: [2, 3]
    amount: 1.5
  - claim_id: c-b
    icd10cm: {code: L70.0, label: Acne vulgaris}
"""


def test_plain_data_is_json_compatible():
    doc = parse_yaml(YAML_TEXT, "f.yaml")
    assert doc.data == {
        "claims": [
            {
                "claim_id": "c-a",
                "negated": False,
                "published": "2025-07-12",
                "grades": [2, 3],
                "amount": 1.5,
            },
            {"claim_id": "c-b", "icd10cm": {"code": "L70.0", "label": "Acne vulgaris"}},
        ]
    }
    assert type(doc.data) is dict
    assert type(doc.data["claims"][0]["grades"]) is list
    assert type(doc.data["claims"][0]["amount"]) is float


@pytest.mark.parametrize(
    ("loc", "position"),
    [
        (("claims",), (2, 1)),
        (("claims", 0), (3, 5)),
        (("claims", 0, "negated"), (4, 5)),
        (("claims", 0, "grades", 1), (6, 17)),
        (("claims", 1, "icd10cm", "label"), (9, 28)),
        # a path that does not exist stops at its deepest existing part
        (("claims", 1, "quote"), (8, 5)),
        (("claims", 7), (2, 1)),
    ],
)
def test_positions(loc, position):
    assert parse_yaml(YAML_TEXT, "f.yaml").position(loc) == position


def test_yaml_1_2_keeps_yes_and_no_as_strings():
    assert parse_yaml("a: yes\nb: no\nc: on\n", "f.yaml").data == {"a": "yes", "b": "no", "c": "on"}


def test_duplicate_key_is_an_error_at_the_second_key():
    with pytest.raises(EvidenceKitError) as caught:
        parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml")
    [finding] = caught.value.findings
    assert (finding.code, finding.file, finding.line, finding.column) == ("EK104", "f.yaml", 4, 3)
    assert "'c'" in finding.message


def test_syntax_error_has_line_and_column():
    with pytest.raises(EvidenceKitError) as caught:
        parse_yaml('a: 1\nb: "open\n', "f.yaml")
    [finding] = caught.value.findings
    assert (finding.code, finding.line) == ("EK103", 3)
    assert finding.column is not None


def test_read_text_rejects_a_byte_order_mark(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xef\xbb\xbfhej")
    with pytest.raises(EvidenceKitError) as caught:
        read_text(path, "t.txt")
    assert [(f.code, f.line, f.column) for f in caught.value.findings] == [("EK107", 1, 1)]


def test_read_text_locates_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("första\nandra r\u00e4d\n".encode("latin-1"))
    with pytest.raises(EvidenceKitError) as caught:
        read_text(path, "t.txt")
    [finding] = caught.value.findings
    assert (finding.code, finding.line, finding.column) == ("EK102", 1, 2)
    assert "0xf6" in finding.message


def test_read_text_keeps_the_text_as_is(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("滚针\r\nrad två\n".encode())
    assert read_text(path, "t.txt") == "滚针\r\nrad två\n"


def test_load_yaml_reports_the_display_name(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(EvidenceKitError) as caught:
        load_yaml(path, "shown/x.yaml")
    assert caught.value.findings[0].file == "shown/x.yaml"
