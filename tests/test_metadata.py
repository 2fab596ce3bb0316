"""Download metadata: datapackage.json, croissant.json, SHA256SUMS and the release file.

Each document is checked by its own standard's validator, as a command (``frictionless
validate``, ``mlcroissant validate``), and must fail on a tampered file or reference.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from publish_data import COUNTS, write_synthetic_dataset

from evidence_kit.curation.provenance import sha256_file
from evidence_kit.model.columnrules import RULES
from evidence_kit.model.errors import EvidenceKitError
from evidence_kit.model.tables import TABLES
from evidence_kit.model.vocabulary import CERTAINTY_ORDER, CLAIM_KINDS, ECO_CODES, STATEMENT_MODES
from evidence_kit.publishing import build as publish
from evidence_kit.publishing import croissant, datapackage, metadata

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = write_synthetic_dataset(tmp_path / "ds")
    publish.build(root)
    return root


def load_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


# --------------------------------------------------------------------------- datapackage


def test_datapackage_mirrors_the_arrow_contract(built: Path) -> None:
    package = load_json(built / "datapackage.json")
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["version"] == metadata.read_release(built).version
    assert [r["name"] for r in package["resources"]] == list(TABLES)
    for resource in package["resources"]:
        table = TABLES[resource["name"]]
        path = built / resource["path"]
        assert path.is_file()
        assert resource["hash"] == f"sha256:{sha256_file(path)}"
        assert resource["bytes"] == path.stat().st_size
        assert "scheme" not in resource  # a hosted copy must not be opened as local files
        schema = resource["schema"]
        assert [f["name"] for f in schema["fields"]] == table.schema.names
        for field, arrow in zip(schema["fields"], table.schema, strict=True):
            assert field["description"].startswith(arrow.metadata[b"description"].decode())
            assert field.get("constraints", {}).get("required", False) is not arrow.nullable
            if pa.types.is_list(arrow.type):
                item = "integer" if pa.types.is_integer(arrow.type.value_type) else "string"
                assert (field["type"], field["arrayItem"]) == ("array", {"type": item})
        assert schema["primaryKey"] == list(table.primary_key)
        keys = [
            (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        ]
        # Table Schema compares whole cells: list keys (per element) are not declared there
        assert keys == [fk for fk in table.foreign_keys if fk[0] not in table.lists]
    claims = {f["name"]: f for f in package["resources"][1]["schema"]["fields"]}
    types = {name: f["type"] for name, f in claims.items()}
    assert (types["confidence"], types["n_works"], types["negated"], types["kind"]) == (
        "number",
        "integer",
        "boolean",
        "string",
    )
    assert ("subject", "interventions", "intervention_id") in TABLES["claims"].foreign_keys
    assert (
        "Each element references interventions.intervention_id"
        in (claims["co_interventions"]["description"])
    )


def test_closed_vocabularies_are_enum_constraints_read_from_the_declarations(
    built: Path,
) -> None:
    package = load_json(built / "datapackage.json")
    fields = {
        (r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"]
    }
    enums = {key: f["constraints"]["enum"] for key, f in fields.items()
             if "enum" in f.get("constraints", {})}  # fmt: skip
    assert enums[("claims", "kind")] == list(CLAIM_KINDS)
    assert enums[("evidence", "claim_kind")] == list(CLAIM_KINDS)
    assert enums[("assertions", "evidence_basis")] == list(ECO_CODES)
    assert enums[("evidence", "statement_mode")] == list(STATEMENT_MODES)  # a copied column
    assert enums[("claims", "certainty")] == list(CERTAINTY_ORDER)  # ordinal: ascending
    for (table, column), values in enums.items():
        rule = datapackage.column_rule(table, column)
        assert rule is not None and set(values) == set(rule.enum or ()), (table, column)
    declared = {(t, r.column) for t, rules in RULES.items() for r in rules if r.enum}
    assert declared <= set(enums)
    assert fields[("claims", "confidence")]["constraints"] | {"required": True} == {
        "required": True,
        "minimum": 0.0,
        "maximum": 1.0,
    }


def test_metadata_documents_are_deterministic(built: Path) -> None:
    release = metadata.read_release(built)
    stage = built / "current"
    for name, render in (
        ("datapackage.json", datapackage.render_datapackage),
        ("croissant.json", croissant.render_croissant),
    ):
        first = render(stage, release)
        assert first == render(stage, release) == (built / name).read_text("utf-8"), name


def frictionless_report(directory: Path) -> dict:
    result = run(BIN / "frictionless", "validate", "--json", "datapackage.json", cwd=directory)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def task_errors(report: dict) -> dict[str, list[str]]:
    return {t["name"]: [e["type"] for e in t["errors"]] for t in report["tasks"] if t["errors"]}


@pytest.mark.slow
def test_frictionless_validates_the_package(built: Path) -> None:
    report = frictionless_report(built)
    assert report["valid"], json.dumps(report, indent=1)[:4000]
    rows = {t["name"]: t["stats"]["rows"] for t in report["tasks"]}
    assert rows == COUNTS
    hashes = {t["name"]: t["stats"]["sha256"] for t in report["tasks"]}
    assert hashes == {n: sha256_file(built / "parquet" / t.file_name) for n, t in TABLES.items()}


@pytest.mark.slow
def test_frictionless_validates_the_committed_package() -> None:
    report = frictionless_report(REPO / "dataset")
    assert report["valid"], json.dumps(task_errors(report))[:4000]
    assert {t["name"] for t in report["tasks"]} == set(TABLES)


def rewrite_one_value(built: Path, table_name: str, column: str, value: object) -> Path:
    """Rewrite a published table with one value changed: still a readable Parquet file."""
    table = TABLES[table_name]
    path = built / "parquet" / table.file_name
    rows = pq.read_table(path).to_pylist()
    rows[0][column] = value
    publish.write_parquet(publish.to_arrow(table, rows, {}), path, table)
    assert pq.read_table(path).num_rows == COUNTS[table_name]
    return path


@pytest.mark.slow
def test_frictionless_cli_catches_a_tampered_parquet_file_by_its_hash(built: Path) -> None:
    """A file re-written with one harmless-looking change (still valid Parquet, every
    constraint still met) fails on its hash and size, and only that resource fails."""
    rewrite_one_value(built, "claims", "statement", "Microneedling cures everything.")
    report = frictionless_report(built)
    assert not report["valid"]
    errors = task_errors(report)
    assert list(errors) == ["claims"]
    assert "hash-count" in errors["claims"]
    assert set(errors["claims"]) <= {"hash-count", "byte-count"}
    [task] = [t for t in report["tasks"] if t["name"] == "claims"]
    note = next(e["note"] for e in task["errors"] if e["type"] == "hash-count")
    assert sha256_file(built / "parquet" / "claims.parquet") in note


@pytest.mark.slow
def test_frictionless_cli_catches_a_truncated_parquet_file(built: Path) -> None:
    path = built / "parquet" / TABLES["outcomes"].file_name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = frictionless_report(built)
    assert not report["valid"]
    errors = task_errors(report)
    assert {"source-error", "hash-count", "byte-count"} <= set(errors["outcomes"])
    [task] = [t for t in report["tasks"] if t["name"] == "outcomes"]
    notes = " ".join(e["note"] for e in task["errors"])
    assert "not a readable Parquet file" in notes and f'actual is "{len(data) // 2}"' in notes


@pytest.mark.slow
def test_frictionless_catches_a_broken_foreign_key(built: Path) -> None:
    """The declared keys are real: an assertion citing a missing claim fails validation."""
    rewrite_one_value(built, "assertions", "claim_id", "c-no-such-claim")
    errors = task_errors(frictionless_report(built))
    assert list(errors) == ["assertions"]
    assert {"foreign-key", "hash-count"} <= set(errors["assertions"])


@pytest.mark.slow
def test_frictionless_checks_the_closed_vocabularies(built: Path) -> None:
    rewrite_one_value(built, "claims", "currency", "XXX")
    errors = task_errors(frictionless_report(built))
    assert "constraint-error" in errors["claims"]


# --------------------------------------------------------------------------- croissant


def test_croissant_has_a_file_object_with_sha256_and_a_record_set_per_table(
    built: Path,
) -> None:
    croissant_json = load_json(built / "croissant.json")
    assert croissant_json["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert croissant_json["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert croissant_json["version"] == metadata.read_release(built).version
    files = {f["@id"]: f for f in croissant_json["distribution"]}
    assert sorted(files) == sorted(t.file_name for t in TABLES.values())
    for name, entry in files.items():
        assert entry["@type"] == "cr:FileObject"
        assert entry["sha256"] == sha256_file(built / entry["contentUrl"])
        assert entry["contentUrl"] == f"parquet/{name}"
    record_sets = {r["@id"]: r for r in croissant_json["recordSet"]}
    assert list(record_sets) == list(TABLES)
    for name, table in TABLES.items():
        record_set = record_sets[name]
        assert [f["name"] for f in record_set["field"]] == table.schema.names
        keys = record_set["key"] if isinstance(record_set["key"], list) else [record_set["key"]]
        assert keys == [{"@id": f"{name}/{k}"} for k in table.primary_key]
        for field, arrow in zip(record_set["field"], table.schema, strict=True):
            assert field["source"]["fileObject"]["@id"] == table.file_name
            is_list = pa.types.is_list(arrow.type)
            assert (field.get("cr:isArray", False), field.get("cr:arrayShape")) == (
                (True, "-1") if is_list else (False, None)
            )
        refs = {
            f["name"]: f["references"]["field"]["@id"]
            for f in record_set["field"]
            if "references" in f
        }
        assert refs == {c: f"{t}/{k}" for c, (t, k) in
                        croissant.declared_references(table).items()}  # fmt: skip
    # the scalar keys between record tables are declared; list and vocabulary keys are not
    assert croissant.declared_references(TABLES["assertions"]) == {
        "claim_id": ("claims", "claim_id"),
        "source_id": ("sources", "source_id"),
    }
    assert croissant.declared_references(TABLES["claims"]) == {}
    assert set(croissant_json["inLanguage"]) == {"en", "sv", "id", "zh-Hans"}


@pytest.mark.slow
def test_mlcroissant_validates_and_reads_every_record_set(built: Path) -> None:
    result = run(BIN / "mlcroissant", "validate", "--jsonld", "croissant.json", cwd=built)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Done." in result.stderr + result.stdout
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=built / "croissant.json")
    records = {name: list(dataset.records(record_set=name)) for name in TABLES}
    assert {name: len(rows) for name, rows in records.items()} == COUNTS
    # list columns come back as Python lists, of the element type
    dois = {r["sources/source_id"].decode(): r["sources/cited_dois"] for r in records["sources"]}
    assert dois["s000"] == [b"10.4103/0974-2077.150742"]
    assert all(isinstance(v, list) for v in dois.values())
    grades = [r["claims/severity_grades"] for r in records["claims"]]
    assert all(isinstance(g, list) for g in grades) and [2, 3] in grades


@pytest.mark.slow
def test_mlcroissant_rejects_a_broken_reference(built: Path) -> None:
    path = built / "croissant.json"
    document = load_json(path)
    [assertions] = [r for r in document["recordSet"] if r["@id"] == "assertions"]
    [claim_id] = [f for f in assertions["field"] if f["name"] == "claim_id"]
    claim_id["references"]["field"]["@id"] = "claims/nothing"
    path.unlink()  # a link into the published release: write a file of its own
    path.write_text(json.dumps(document), "utf-8")
    result = run(BIN / "mlcroissant", "validate", "--jsonld", "croissant.json", cwd=built)
    assert result.returncode != 0
    assert "claims/nothing" in result.stdout + result.stderr


@pytest.mark.slow
def test_mlcroissant_still_fails_after_a_vocabulary_reference(built: Path) -> None:
    """Why croissant.json declares no key into the vocabulary tables (see its module):
    with one, mlcroissant 1.1.1 cannot read assertions after claims from one dataset.
    When it can, this test fails, saying to declare them."""
    import mlcroissant as mlc

    path = built / "croissant.json"
    document = load_json(path)
    [claims] = [r for r in document["recordSet"] if r["@id"] == "claims"]
    [subject] = [f for f in claims["field"] if f["name"] == "subject"]
    subject["references"] = {"field": {"@id": "interventions/intervention_id"}}
    path.unlink()
    path.write_text(json.dumps(document), "utf-8")
    check = run(BIN / "mlcroissant", "validate", "--jsonld", "croissant.json", cwd=built)
    assert check.returncode == 0, check.stdout + check.stderr  # valid Croissant ...
    dataset = mlc.Dataset(jsonld=path)
    assert len(list(dataset.records(record_set="claims"))) == COUNTS["claims"]
    with pytest.raises(mlc.GenerationError, match=r"Join\(assertions\)"):  # ... unreadable
        list(dataset.records(record_set="assertions"))
    fresh = mlc.Dataset(jsonld=path)  # a fresh dataset per record set does read it
    assert len(list(fresh.records(record_set="assertions"))) == COUNTS["assertions"]


# --------------------------------------------------------------------------- checksums


def test_sha256sums_cover_every_published_file_and_catch_changes(built: Path) -> None:
    sums = metadata.read_checksums(built)
    assert sorted(sums) == metadata.checked_files(built)
    assert {f"parquet/{t.file_name}" for t in TABLES.values()} <= set(sums)
    assert metadata.verify_checksums(built) == []
    if shutil.which("sha256sum"):
        check = run("sha256sum", "--check", "--strict", "SHA256SUMS", cwd=built)
        assert check.returncode == 0, check.stdout + check.stderr
    card = built / "README.md"
    card.write_text(card.read_text("utf-8") + "tampered\n", "utf-8")
    (built / "parquet" / "claims.parquet").unlink()
    found = [(f.code, Path(f.file).name) for f in metadata.verify_checksums(built)]
    assert found == [("EK503", "README.md"), ("EK101", "claims.parquet")]


# --------------------------------------------------------------------------- release


def test_release_file_errors_are_located(tmp_path: Path) -> None:
    root = write_synthetic_dataset(tmp_path / "ds")
    release = root / "release.yaml"
    text, replaced = re.subn(
        r"^version: .*$", "version: one", release.read_text("utf-8"), count=1, flags=re.M
    )
    assert replaced == 1
    release.write_text(text, "utf-8")
    with pytest.raises(EvidenceKitError) as caught:
        publish.build(root)
    [finding] = caught.value.findings
    assert (finding.code, finding.field) == ("EK105", "version")
    assert finding.line == 4
    release.unlink()
    with pytest.raises(EvidenceKitError) as caught:
        metadata.read_release(root)
    assert caught.value.findings[0].code == "EK101"
    assert not (root / "parquet").exists()


def test_hosting_workflow_installs_the_package_and_runs_both_validations() -> None:
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(REPO / ".github" / "workflows" / "validate.yml")
    runs = [s["run"] for s in workflow["jobs"]["validate"]["steps"] if "run" in s]
    # `validate dataset` and `build --check` need the curate extra, `--published` the
    # validate extra (which includes curate): a core-only install would stop at EK109
    assert runs[0] == 'python -m pip install -c constraints.txt ".[validate]"'
    extras = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert "evidence-kit[curate]" in extras["validate"]
    assert (REPO / "constraints.txt").is_file()
    assert "evidence-kit validate dataset" in runs
    assert any(r.startswith("evidence-kit validate --published dataset/parquet") for r in runs)
