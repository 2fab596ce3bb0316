"""`evidence-kit validate`: exit codes, both output formats, and all problems at once.

The single bad-input cases are in tests/test_validator.py; this module checks how the
command behaves as a whole.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

REPO = Path(__file__).parent.parent

SOURCES = Path("mini/sources.yaml")
CLAIMS = Path("mini/claims.yaml")
CONDITIONS = Path("mini/vocabularies/conditions.yaml")
OUTCOMES = Path("mini/vocabularies/outcomes.yaml")
S000 = Path("mini/assertions/s000.yaml")
S001 = Path("mini/assertions/s001.yaml")


def test_valid_dataset_exits_0_in_both_formats(mini, cli):
    text = cli("validate", str(mini))
    assert text.exit_code == 0, text.output
    assert text.stdout.strip() == (
        "mini: valid (2 sources, 5 claims, 8 assertions, 1 interventions, 3 conditions, "
        "1 outcomes, 0 errors, 0 warnings)"
    )
    assert text.stderr == ""
    as_json = cli("validate", str(mini), "--format", "json")
    assert as_json.exit_code == 0
    report = json.loads(as_json.stdout)  # stdout is nothing but the report
    assert report["valid"] is True
    assert report["findings"] == []


def test_the_curated_dataset_is_valid(cli, monkeypatch):
    monkeypatch.chdir(REPO)
    result = cli("validate", "dataset", "--format", "json")
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert result.exit_code == 0


def test_warnings_alone_keep_exit_0(mini, cli, edit):
    edit(OUTCOMES, "outcomes:\n", "outcomes:\n  - outcome_id: skin_firmness\n    label: x\n")
    result = cli("validate", str(mini), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert [(f["severity"], f["code"], f["field"]) for f in report["findings"]] == [
        ("warning", "EK305", "outcomes[0].outcome_id")
    ]
    assert report["stats"]["warnings"] == 1


def test_every_problem_of_a_run_is_reported(mini, validate_json, edit, line):
    edit(SOURCES, "language: sv", "language: svenska")
    edit(CONDITIONS, "label: Acne vulgaris", "label: Acne")
    edit(CLAIMS, "    severity: mild\n", "    severity: mild\n    seriousness: mild\n")
    edit(S000, "Rodnad är vanlig efter behandlingen", "Rodnad är vanligt efter behandlingen")
    edit(S001, "extraction_confidence: 0.85", "extraction_confidence: 85")
    run = validate_json(mini)
    assert run.exit_code == 1
    assert run.where() == [
        ("EK404", str(S000), "assertions[2].quote", line(S000, "vanligt")),
        ("EK204", str(S001), "assertions[0].extraction_confidence", line(S001, ": 85")),
        ("EK201", str(CLAIMS), "claims[2].seriousness", line(CLAIMS, "seriousness")),
        ("EK209", str(SOURCES), "sources[0].language", line(SOURCES, "svenska")),
        ("EK212", str(CONDITIONS), "conditions[2].icd10cm.label", line(CONDITIONS, "Acne}")),
    ]
    assert run.report.stats["errors"] == 5


def test_problems_in_one_record_are_all_reported(mini, validate_json, edit):
    edit(S001, "char_start: 54", "char_start: -1")
    edit(
        S001,
        "support_type: none\n    evidence_basis: ECO:0000303\n    agent_type: manual_agent\n"
        "    curator: evidence-kit test suite\n    extraction_confidence: 1.0",
        "support_type: none\n    evidence_basis: ECO:303\n    agent_type: robot\n"
        "    curator: evidence-kit test suite\n    extraction_confidence: 1.0",
    )
    run = validate_json(mini)
    assert run.exit_code == 1
    assert Counter(f.code for f in run.errors) == Counter({"EK204": 1, "EK210": 1, "EK205": 1})
    assert {f.field for f in run.errors} == {
        "assertions[2].char_start",
        "assertions[2].evidence_basis",
        "assertions[2].agent_type",
    }


def test_text_output_names_file_line_and_column(mini, cli, edit, line):
    edit(CLAIMS, "predicate: stimulates", "predicate: [stimulates")
    result = cli("validate", str(mini))
    assert result.exit_code == 1
    where = f"{CLAIMS}:{line(CLAIMS, 'object: collagen_production')}:11"
    assert result.stderr.startswith(f"{where}: error EK103 yaml-syntax: YAML syntax error")
    assert "\n    fix: Fix the YAML at the line and column shown" in result.stderr
    assert result.stdout.startswith("mini: INVALID (")


def test_text_output_names_the_field(mini, cli, edit, line):
    edit(S001, "evidence_basis: ECO:0000304", "evidence_basis: ECO:4")
    result = cli("validate", str(mini))
    assert result.exit_code == 1
    expected = (
        f"{S001}:{line(S001, 'ECO:4')}:5: error EK210 unknown-eco-code "
        "[assertions[1].evidence_basis]: Evidence code 'ECO:4' is not in the closed ECO list."
    )
    assert result.stderr.splitlines()[0] == expected


def test_missing_dataset_directory_is_a_usage_error(tmp_path, cli):
    result = cli("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "nowhere" in result.output


def test_unknown_format_is_a_usage_error(mini, cli):
    result = cli("validate", str(mini), "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of" in result.output


def test_empty_directory_reports_each_missing_file(tmp_path, validate_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    run = validate_json(Path("empty"))
    assert run.exit_code == 1
    assert sorted((f.code, f.file) for f in run.errors) == [
        ("EK101", "empty/claims.yaml"),
        ("EK101", "empty/sources.yaml"),
        ("EK101", "empty/vocabularies/conditions.yaml"),
        ("EK101", "empty/vocabularies/interventions.yaml"),
        ("EK101", "empty/vocabularies/outcomes.yaml"),
    ]


def test_a_directory_where_a_file_should_be(mini, validate_json):
    CLAIMS.unlink()
    CLAIMS.mkdir()
    run = validate_json(mini)
    assert run.exit_code == 1
    assert run.where() == [("EK101", str(CLAIMS), None, None)]


def test_files_outside_the_working_directory_are_named_absolutely(tmp_path, validate_json):
    """Run from the repository with the dataset elsewhere: paths stay usable."""
    shutil.copytree(Path(__file__).parent / "data" / "mini", tmp_path / "elsewhere")
    claims = tmp_path / "elsewhere" / "claims.yaml"
    claims.write_text(claims.read_text("utf-8") + "extra: 1\n", encoding="utf-8")
    run = validate_json(tmp_path / "elsewhere")
    assert run.exit_code == 1
    assert [f.file for f in run.errors] == [str(claims.resolve())]
